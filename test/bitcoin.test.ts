/** Every real Bitcoin block in the vectors gives its header's merkle root through the `bitcoin` profile. */
import { describe, expect, it } from 'vitest';
import { buildTree } from '../src/api/build.js';
import { loadKernel } from '../src/hash/registry.js';
import { kBackendNames } from '../src/hash/types.js';
import { readVectors, type BitcoinBlocks } from './helpers/vectors.js';

const { blocks } = readVectors<BitcoinBlocks>('bitcoin_blocks.json');
const txidBytes = (txid: string): Uint8Array => new Uint8Array(Buffer.from(txid, 'hex').reverse());

for (const backend of kBackendNames) {
  const loaded = await loadKernel('sha256', backend);
  const reason = 'unavailable' in loaded ? ` (skipped: ${loaded.unavailable})` : '';
  describe.skipIf('unavailable' in loaded)(`bitcoin blocks on ${backend}${reason}`, () => {
    it.each(blocks.map((b) => [`${b.network} ${b.height ?? b.hash.slice(0, 16)} (${b.tx_count} txs)`, b] as const))('%s', async (_name, block) => {
      expect(block.txids).toHaveLength(block.tx_count);
      const tree = await buildTree({ leafHashes: block.txids.map(txidBytes) }, { profile: 'bitcoin', backend });
      expect(tree.rootHex).toBe(block.merkleroot);
    });
  });
}

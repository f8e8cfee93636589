/**
 * Every profile × hash × backend against the slow recursive reference (test/helpers/reference.ts):
 * record counts 0…70, then powers of two ± 1 up to 1025 and 1100, random record lengths; block
 * mode with a short last block; and roots that do not depend on how a stream is cut.
 * Seeds are fixed and printed in test names so a failure reproduces.
 */
import { describe, expect, it } from 'vitest';
import { buildTree } from '../src/api/build.js';
import { loadKernel } from '../src/hash/registry.js';
import { kBackendNames, kHashNames, type BackendName, type HashName } from '../src/hash/types.js';
import { randomBytes, refRootBitcoin, refRootClassic, refRootRfc9162, seededRandom } from './helpers/reference.js';

const kCounts = [...Array.from({ length: 71 }, (_, i) => i), 127, 128, 129, 255, 256, 257, 511, 512, 513, 1023, 1024, 1025, 1100];
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

const combinations: Array<{ hash: HashName; backend: BackendName; skip: string }> = [];
for (const hash of kHashNames) {
  for (const backend of kBackendNames) {
    const loaded = await loadKernel(hash, backend);
    combinations.push({ hash, backend, skip: 'unavailable' in loaded ? loaded.unavailable : '' });
  }
}
const available = combinations.filter((c) => !c.skip);

for (const { hash, backend, skip } of combinations) {
describe.skipIf(skip !== '')(`records on ${hash}/${backend}${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const seed = 0x5eed + kHashNames.indexOf(hash);
  const random = seededRandom(seed);
  const recordSets = kCounts.map((count) => Array.from({ length: count }, () => randomBytes(random, Math.floor(random() * 100))));

  it(`rfc9162 equals RFC 9162 MTH for every count (seed ${seed})`, async () => {
    for (const records of recordSets) {
      const tree = await buildTree({ records }, { profile: 'rfc9162', hash, backend });
      expect(hex(tree.root), `${records.length} records`).toBe(hex(await refRootRfc9162(hash, records)));
    }
  });

  it(`classic equals the duplicating reference for every count (seed ${seed})`, async () => {
    for (const records of recordSets) {
      const tree = await buildTree({ records }, { profile: 'classic', hash, backend });
      expect(hex(tree.root), `${records.length} records`).toBe(hex(await refRootClassic(hash, records)));
    }
  });

  it(`blocks with a short last block equal records of the same bytes (seed ${seed})`, async () => {
    for (const blockSize of [1, 7, 64, 100, 4096]) {
      const data = randomBytes(random, Math.floor(random() * 20 * blockSize) + 1);
      const records: Uint8Array[] = [];
      for (let at = 0; at < data.length; at += blockSize) records.push(data.subarray(at, at + blockSize));
      for (const profile of ['rfc9162', 'classic'] as const) {
        const blocks = await buildTree(data, { profile, hash, backend, blockSize });
        const byRecords = await buildTree({ records }, { profile, hash, backend });
        expect(hex(blocks.root), `${profile} ${data.length} bytes / ${blockSize}`).toBe(hex(byRecords.root));
        expect(blocks.size).toBe(records.length);
      }
    }
  });
});
}

describe.each(available.filter((a) => a.hash === 'sha256'))('bitcoin on $backend', ({ backend }) => {
  it('equals the SHA256d duplicating reference for every count ≥ 1 (seed 77)', async () => {
    const random = seededRandom(77);
    for (const count of kCounts.filter((c) => c > 0)) {
      const txids = Array.from({ length: count }, () => randomBytes(random, 32));
      const tree = await buildTree({ leafHashes: txids }, { profile: 'bitcoin', backend });
      expect(hex(tree.root), `${count} txids`).toBe(hex(await refRootBitcoin(txids)));
    }
  });
});

describe('streams', () => {
  it('the root does not depend on how the stream is cut (seed 99)', async () => {
    const random = seededRandom(99);
    for (let trial = 0; trial < 20; trial++) {
      const blockSize = [1, 3, 64, 1000, 65536][trial % 5]!;
      const data = randomBytes(random, Math.floor(random() * 300_000));
      async function* cut(): AsyncGenerator<Uint8Array> {
        for (let at = 0; at < data.length; ) {
          const take = Math.floor(random() * 70_000) + 1;
          yield data.subarray(at, at + take);
          at += take;
        }
      }
      const whole = await buildTree(data, { blockSize });
      const streamed = await buildTree(cut(), { blockSize });
      expect(hex(streamed.root), `trial ${trial}: ${data.length} bytes, blocks of ${blockSize}`).toBe(hex(whole.root));
      expect(streamed.bytes).toBe(data.length);
    }
  });
});

/**
 * External vectors on every backend that has the hash: FIPS 180-2 SHA-256 and the 35 official
 * BLAKE3 vectors, through each batched entry point. A backend that cannot run here is skipped
 * with its reason, never passed.
 */
import { describe, expect, it } from 'vitest';
import { loadKernel } from '../src/hash/registry.js';
import { kBackendNames, NO_PREFIX, type HashKernel, type HashName } from '../src/hash/types.js';
import { blake3Input, readVectors, type Blake3Vectors, type Sha256Vectors } from './helpers/vectors.js';

const sha256Vectors = readVectors<Sha256Vectors>('sha256_vectors.json').vectors;
const blake3Cases = readVectors<Blake3Vectors>('blake3_test_vectors.json').cases;

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

function digestOfSpan(kernel: HashKernel, message: Uint8Array): Uint8Array {
  const out = new Uint8Array(kernel.digestSize);
  kernel.hashSpans(message, new Uint32Array([0, message.length]), NO_PREFIX, out);
  return out;
}

function digestOfBlock(kernel: HashKernel, message: Uint8Array): Uint8Array {
  const out = new Uint8Array(kernel.digestSize);
  kernel.hashBlocks(message, message.length, NO_PREFIX, out);
  return out;
}

async function kernelsFor(hash: HashName) {
  return Promise.all(kBackendNames.map(async (backend) => ({ backend, loaded: await loadKernel(hash, backend) })));
}

for (const { backend, loaded } of await kernelsFor('sha256')) {
  const reason = 'unavailable' in loaded ? loaded.unavailable : '';
  describe.skipIf('unavailable' in loaded)(`sha256 on ${backend}${reason ? ` (skipped: ${reason})` : ''}`, () => {
    const kernel = loaded as HashKernel;
    for (const vector of sha256Vectors) {
      it(`FIPS 180-2 ${vector.id}`, () => {
        const message = new Uint8Array(Buffer.from(vector.message_ascii.repeat(vector.repeat), 'latin1'));
        expect(hex(digestOfSpan(kernel, message))).toBe(vector.sha256);
        if (message.length > 0) expect(hex(digestOfBlock(kernel, message))).toBe(vector.sha256);
      });
    }
  });
}

for (const { backend, loaded } of await kernelsFor('blake3')) {
  const reason = 'unavailable' in loaded ? loaded.unavailable : '';
  describe.skipIf('unavailable' in loaded)(`blake3 on ${backend}${reason ? ` (skipped: ${reason})` : ''}`, () => {
    const kernel = loaded as HashKernel;
    it('all 35 official vectors (first 32 bytes of `hash`)', () => {
      expect(blake3Cases).toHaveLength(35);
      for (const vector of blake3Cases) {
        const input = blake3Input(vector.input_len);
        expect(hex(digestOfSpan(kernel, input)), `input_len ${vector.input_len}`).toBe(vector.hash.slice(0, 64));
        if (input.length > 0) expect(hex(digestOfBlock(kernel, input)), `input_len ${vector.input_len}`).toBe(vector.hash.slice(0, 64));
      }
    });
  });
}

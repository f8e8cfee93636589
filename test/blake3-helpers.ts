/**
 * Test-only helpers shared by the BLAKE3 tests: the official vectors, seeded random bytes,
 * and hash-wasm's BLAKE3 as the oracle written by someone else.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBLAKE3 } from 'hash-wasm';
import { randomBytes, seededRandom } from './helpers/reference.js';

export const kRepoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface Blake3Vector {
  readonly inputLength: number;
  /** The default 32-byte digest: the first 64 hex digits of the vector's extended `hash`. */
  readonly hash: string;
}

/** refBlake3Vectors reads the official BLAKE3 vectors (test/vectors, copied unchanged). */
export function refBlake3Vectors(): Blake3Vector[] {
  const file = path.resolve(kRepoRoot, 'test', 'vectors', 'blake3_test_vectors.json');
  const json = JSON.parse(readFileSync(file, 'utf8')) as { cases: Array<{ input_len: number; hash: string }> };
  return json.cases.map((c) => ({ inputLength: c.input_len, hash: c.hash.slice(0, 64) }));
}

/** refVectorInput is the vectors' input: byte i = i % 251 (a prime, so moved blocks change the hash). */
export function refVectorInput(length: number): Uint8Array {
  const data = new Uint8Array(length);
  for (let i = 0; i < length; i++) data[i] = i % 251;
  return data;
}

/** seededBytes returns `length` pseudo-random bytes, reproducible by seed. */
export function seededBytes(length: number, seed: number): Uint8Array {
  return randomBytes(seededRandom(seed), length);
}

/** seededInts returns a function giving integers in [0, n) from a seeded stream. */
export function seededInts(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** refBlake3 returns hash-wasm's BLAKE3 of (prefix byte if >= 0) ‖ data. */
export async function refBlake3Factory(): Promise<(data: Uint8Array, prefix?: number) => Uint8Array> {
  const hasher = await createBLAKE3();
  return (data, prefix = -1) => {
    hasher.init();
    if (prefix >= 0) hasher.update(Uint8Array.of(prefix));
    hasher.update(data);
    return hasher.digest('binary');
  };
}

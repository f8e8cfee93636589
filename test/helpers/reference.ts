/**
 * Test-only oracles: the slow, obviously-right recursive definitions of each profile's root,
 * written straight from the specifications over node:crypto and hash-wasm one-shot hashes.
 * Shares no code with src/tree or src/hash.
 */
import { createHash } from 'node:crypto';
import { blake3, sha3, sha256, xxhash128 } from 'hash-wasm';
import type { HashName } from '../../src/hash/types.js';

/** refHash hashes one message with `hash` through an implementation independent of the engine. */
export async function refHash(hash: HashName, message: Uint8Array): Promise<Uint8Array> {
  switch (hash) {
    case 'sha256':
      return new Uint8Array(createHash('sha256').update(message).digest());
    case 'sha3-256':
      return Buffer.from(await sha3(message, 256), 'hex');
    case 'blake3':
      return Buffer.from(await blake3(message), 'hex');
    case 'xxh128':
      return Buffer.from(await xxhash128(message), 'hex');
  }
}

export async function refSha256Wasm(message: Uint8Array): Promise<Uint8Array> {
  return Buffer.from(await sha256(message), 'hex');
}

const concat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

/** refRootRfc9162 is RFC 9162 §2.1.1 MTH, recursive on the largest power of two below n. */
export async function refRootRfc9162(hash: HashName, leaves: readonly Uint8Array[]): Promise<Uint8Array> {
  const n = leaves.length;
  if (n === 0) return refHash(hash, new Uint8Array(0));
  if (n === 1) return refHash(hash, concat(Uint8Array.of(0), leaves[0]!));
  let k = 1;
  while (k * 2 < n) k *= 2;
  const left = await refRootRfc9162(hash, leaves.slice(0, k));
  const right = await refRootRfc9162(hash, leaves.slice(k));
  return refHash(hash, concat(Uint8Array.of(1), left, right));
}

/**
 * refRootDuplicating is the classic/Bitcoin construction: hash each leaf (or take the given
 * hashes), then repeatedly pair neighbours, pairing a lone last node with itself.
 */
export async function refRootDuplicating(
  hash: HashName,
  leafHashes: readonly Uint8Array[],
  node: (left: Uint8Array, right: Uint8Array) => Promise<Uint8Array>,
): Promise<Uint8Array> {
  if (leafHashes.length === 0) return refHash(hash, new Uint8Array(0));
  let level = [...leafHashes];
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(await node(level[i]!, level[i + 1] ?? level[i]!));
    level = next;
  }
  return level[0]!;
}

export async function refRootClassic(hash: HashName, leaves: readonly Uint8Array[]): Promise<Uint8Array> {
  const leafHashes = await Promise.all(leaves.map((leaf) => refHash(hash, leaf)));
  return refRootDuplicating(hash, leafHashes, (l, r) => refHash(hash, concat(l, r)));
}

export async function refRootBitcoin(txids: readonly Uint8Array[]): Promise<Uint8Array> {
  return refRootDuplicating('sha256', txids, async (l, r) => refHash('sha256', await refHash('sha256', concat(l, r))));
}

/** A seeded PRNG (mulberry32) so failures reproduce; the seed is printed by the tests. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytes(random: () => number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

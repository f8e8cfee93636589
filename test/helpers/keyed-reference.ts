/**
 * The keyed tree's definition (docs/keyed.md) written out naively over node:crypto, one hash
 * call at a time: the independent oracle for keyed roots (SHA-256 trees).
 */
import { createHash } from 'node:crypto';

const sha256 = (...parts: Uint8Array[]) => new Uint8Array(createHash('sha256').update(Buffer.concat(parts)).digest());
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The definition, written out with one hash call at a time. */
export function referenceRoot(pairs: Map<string, Uint8Array>, bucketBits: number, salt = new Uint8Array(0)): string {
  const buckets: Array<Array<[Buffer, Uint8Array]>> = Array.from({ length: 2 ** bucketBits }, () => []);
  for (const [k, digest] of pairs) {
    const key = Buffer.from(k, 'latin1');
    const token = sha256(Uint8Array.of(3), salt, key);
    const bucket = ((token[0]! << 16) | (token[1]! << 8) | token[2]!) >>> (24 - bucketBits);
    buckets[bucket]!.push([key, digest]);
  }
  const mth = (leaves: Uint8Array[]): Uint8Array => {
    if (leaves.length === 1) return leaves[0]!;
    let k = 1;
    while (k * 2 < leaves.length) k *= 2;
    return sha256(Uint8Array.of(1), mth(leaves.slice(0, k)), mth(leaves.slice(k)));
  };
  let level = buckets.map((entries) => {
    entries.sort((x, y) => Buffer.compare(x[0], y[0]));
    if (entries.length === 0) return sha256(Uint8Array.of(2), u32(0));
    const leaves = entries.map(([key, digest]) => sha256(Uint8Array.of(0), u32(key.length), key, digest));
    return sha256(Uint8Array.of(2), u32(entries.length), mth(leaves));
  });
  while (level.length > 1) level = Array.from({ length: level.length / 2 }, (_, i) => sha256(Uint8Array.of(1), level[2 * i]!, level[2 * i + 1]!));
  return hex(sha256(Uint8Array.of(4, bucketBits, salt.length), salt, level[0]!));
}


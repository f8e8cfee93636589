/**
 * Proof round trips for every profile, every single-bit flip of a proof refused, and the
 * CVE-2012-2459 duplicate-node forgery refused for the duplicating profiles.
 */
import { describe, expect, it } from 'vitest';
import { buildTree } from '../src/api/build.js';
import { ProofError, RootMismatchError } from '../src/errors.js';
import { proveConsistency, proveInclusion, verifyProof, type InclusionProof } from '../src/api/proofs.js';
import { randomBytes, seededRandom } from './helpers/reference.js';

const flipBit = (hexText: string, bit: number): string => {
  const bytes = Buffer.from(hexText, 'hex');
  bytes[bit >> 3]! ^= 1 << (bit & 7);
  return bytes.toString('hex');
};

describe.each(['rfc9162', 'classic'] as const)('%s inclusion proofs', (profile) => {
  const random = seededRandom(2024);
  it('round trip at random indices of random sizes, with the leaf checked from its data (seed 2024)', async () => {
    for (const size of [1, 2, 3, 5, 8, 13, 100, 257]) {
      const records = Array.from({ length: size }, () => randomBytes(random, Math.floor(random() * 40)));
      const tree = await buildTree({ records }, { profile });
      for (let k = 0; k < 5; k++) {
        const index = Math.floor(random() * size);
        const proof = await proveInclusion(tree, index);
        await verifyProof(proof, { root: tree.rootHex, leaf: { data: records[index]! } });
        if (size > 1) {
          const other = records[(index + 1) % size]!;
          if (Buffer.compare(other, records[index]!) !== 0) {
            await expect(verifyProof(proof, { root: tree.rootHex, leaf: { data: other } })).rejects.toThrow(/leaf hash mismatch/);
          }
        }
      }
    }
  });

  it('every single-bit flip in the path, leaf hash or root is refused', async () => {
    const records = Array.from({ length: 11 }, (_, i) => new Uint8Array([i, i * 3]));
    const tree = await buildTree({ records }, { profile });
    const proof = await proveInclusion(tree, 6);
    await verifyProof(proof, { root: tree.rootHex });
    for (const [k, node] of proof.path.entries()) {
      for (let bit = 0; bit < 256; bit++) {
        const path = proof.path.map((n, j) => (j === k ? flipBit(n, bit) : n));
        await expect(verifyProof({ ...proof, path }, { root: tree.rootHex }), `path[${k}] bit ${bit}`).rejects.toBeInstanceOf(ProofError);
      }
      expect(node).toHaveLength(64);
    }
    for (let bit = 0; bit < 256; bit++) {
      await expect(verifyProof({ ...proof, leafHash: flipBit(proof.leafHash, bit) }, { root: tree.rootHex })).rejects.toBeInstanceOf(RootMismatchError);
      await expect(verifyProof(proof, { root: flipBit(tree.rootHex, bit) })).rejects.toBeInstanceOf(RootMismatchError);
    }
  });

  it('refuses a wrong index, size, path length and bad hex, saying got/want', async () => {
    const tree = await buildTree({ records: Array.from({ length: 6 }, (_, i) => new Uint8Array([i])) }, { profile });
    const proof = await proveInclusion(tree, 2);
    await expect(verifyProof({ ...proof, index: 6 })).rejects.toThrow(/index 6 out of range for tree size 6/);
    await expect(verifyProof({ ...proof, index: 3 })).rejects.toBeInstanceOf(ProofError);
    await expect(verifyProof({ ...proof, treeSize: 12 })).rejects.toBeInstanceOf(ProofError);
    await expect(verifyProof({ ...proof, path: proof.path.slice(1) })).rejects.toThrow(/wrong proof size 2, want 3/);
    await expect(verifyProof({ ...proof, path: [...proof.path, proof.path[0]!] })).rejects.toThrow(/wrong proof size 4, want 3/);
    await expect(verifyProof({ ...proof, path: ['zz', ...proof.path.slice(1)] })).rejects.toThrow(/proof\.path\[0\]: invalid hex/);
    await expect(verifyProof({ ...proof, hash: 'md5' } as unknown as InclusionProof)).rejects.toThrow(/proof\.hash must be one of/);
    await expect(verifyProof({ ...proof, profile: 'bitcoin', hash: 'blake3' } as InclusionProof)).rejects.toThrow(/does not fit profile bitcoin/);
  });
});

describe('CVE-2012-2459: duplicated last node', () => {
  it.each(['classic', 'bitcoin'] as const)('%s: a proof for a phantom duplicate leaf is refused', async (profile) => {
    const random = seededRandom(5);
    const leaves = Array.from({ length: 3 }, () => randomBytes(random, 32));
    // [a, b, c] and [a, b, c, c] have the same root under the duplicating rule.
    const honest = await buildTree({ leafHashes: leaves }, { profile });
    const mutated = await buildTree({ leafHashes: [...leaves, leaves[2]!] }, { profile });
    expect(mutated.rootHex).toBe(honest.rootHex);
    expect(mutated.ambiguous).toBe(true);
    expect(honest.ambiguous).toBe(false);
    const forged = await proveInclusion(mutated, 3);
    await expect(verifyProof(forged, { root: honest.rootHex })).rejects.toThrow(/CVE-2012-2459/);
    // The honest proofs still verify.
    for (let i = 0; i < 3; i++) await verifyProof(await proveInclusion(honest, i), { root: honest.rootHex });
  });

  it('rfc9162 is not affected: the phantom tree has a different root', async () => {
    const leaves = [new Uint8Array([1]), new Uint8Array([2]), new Uint8Array([3])];
    const honest = await buildTree({ records: leaves });
    const mutated = await buildTree({ records: [...leaves, leaves[2]!] });
    expect(mutated.rootHex).not.toBe(honest.rootHex);
  });
});

describe('rfc9162 consistency proofs', () => {
  it('verify for every old size of random trees, and refuse bit flips and size 0', async () => {
    const random = seededRandom(31);
    const records = Array.from({ length: 70 }, () => randomBytes(random, 16));
    const trees = await Promise.all(Array.from({ length: 71 }, (_, n) => buildTree({ records: records.slice(0, n) })));
    for (const size2 of [1, 2, 7, 8, 9, 31, 64, 70]) {
      for (let size1 = 1; size1 <= size2; size1++) {
        const proof = await proveConsistency(trees[size1]!, trees[size2]!);
        await verifyProof(proof);
        if (proof.path.length > 0) {
          const path = [flipBit(proof.path[0]!, 9), ...proof.path.slice(1)];
          await expect(verifyProof({ ...proof, path }), `${size1} → ${size2}`).rejects.toBeInstanceOf(ProofError);
        }
      }
    }
    await expect(proveConsistency(trees[0]!, trees[5]!)).rejects.toThrow(/from size 0/);
    await expect(proveConsistency(trees[6]!, trees[5]!)).rejects.toThrow(/larger than the new one/);
  });

  it('is refused for profiles without consistency proofs', async () => {
    const a = await buildTree({ records: [new Uint8Array([1])] }, { profile: 'classic' });
    await expect(proveConsistency(a, a)).rejects.toThrow(/no consistency proofs/);
  });
});

describe('b3tree proofs', () => {
  it('verify a chunk group against the BLAKE3 root; a one-group tree needs the data', async () => {
    const data = new Uint8Array(5000).map((_, i) => i % 251);
    const tree = await buildTree(data, { profile: 'b3tree', blockSize: 1024 });
    const proof = await proveInclusion(tree, 3);
    await verifyProof(proof, { root: tree.rootHex, leaf: { data: data.subarray(3072, 4096) } });
    await expect(verifyProof(proof, { root: tree.rootHex, leaf: { data: data.subarray(2048, 3072) } })).rejects.toThrow(/leaf hash mismatch/);
    const small = await buildTree(data.subarray(0, 700), { profile: 'b3tree', blockSize: 1024 });
    const single = await proveInclusion(small, 0);
    await verifyProof(single, { root: small.rootHex, leaf: { data: data.subarray(0, 700) } });
    await expect(verifyProof(single, { root: small.rootHex })).rejects.toThrow(/one-leaf b3tree tree's root is computed from the leaf's data/);
  });
});

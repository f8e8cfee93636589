/**
 * RFC 6962/9162 against transparency-dev's published vectors: roots of sizes 0–8, every node
 * hash by level, inclusion and consistency proofs, and all 196 generated probes (most of them
 * negative) agreeing with their `wantErr`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { treeFromRecords } from '../src/builders/memory.js';
import { RootMismatchError } from '../src/errors.js';
import { consistencyProofNodes, inclusionProofNodes, rootFromInclusionProof, verifyConsistency } from '../src/tree/proof.js';
import { treeHasher } from './helpers/hashers.js';
import { kVectorsDir, listJsonFiles, readVectors } from './helpers/vectors.js';

/** verifyInclusion throws unless the inclusion proof leads from leafHash to `root`. */
function verifyInclusion(...args: [...Parameters<typeof rootFromInclusionProof>, root: Uint8Array]): void {
  const root = args.pop() as Uint8Array;
  const calculated = rootFromInclusionProof(...(args as unknown as Parameters<typeof rootFromInclusionProof>));
  if (Buffer.compare(calculated, root) !== 0) throw new RootMismatchError(Buffer.from(root).toString('hex'), Buffer.from(calculated).toString('hex'));
}

interface Rfc6962Vectors {
  empty_root: string;
  leaves: string[];
  leaf_hashes: string[];
  node_hashes_by_level: string[][];
  roots: Array<{ size: number; root: string }>;
  inclusion: Array<{ index: number; size: number; path: string[] }>;
  consistency: Array<{ size1: number; size2: number; path: string[] }>;
}
const vectors = readVectors<Rfc6962Vectors>('rfc6962_vectors.json');
const fromHex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fromBase64 = (text: string | null | undefined): Uint8Array => new Uint8Array(Buffer.from(text ?? '', 'base64'));

const hasher = await treeHasher('rfc9162');
const leaves = vectors.leaves.map(fromHex);
const treeOfSize = (size: number) => treeFromRecords(leaves.slice(0, size), hasher, 'carry');

describe('RFC 6962 vectors', () => {
  it('empty root is SHA-256("")', () => {
    expect(hex(treeOfSize(0).root)).toBe(vectors.empty_root);
  });

  it('roots of sizes 1..8', () => {
    expect(vectors.roots.length).toBeGreaterThanOrEqual(8);
    for (const { size, root } of vectors.roots) expect(hex(treeOfSize(size).root), `size ${size}`).toBe(root);
  });

  it('every node hash by level of the 8-leaf tree', () => {
    const tree = treeOfSize(8);
    expect(tree.levels.map((level) => Buffer.from(level).toString('hex').match(/.{64}/g))).toEqual(vectors.node_hashes_by_level);
    expect(vectors.leaf_hashes).toEqual(vectors.node_hashes_by_level[0]);
  });

  it('inclusion proofs: generated paths equal the published ones, and verify', () => {
    for (const { index, size, path: want } of vectors.inclusion) {
      const tree = treeOfSize(size);
      const path = inclusionProofNodes(index, size).map(({ level, index: i }) => hex(tree.levels[level]!.subarray(i * 32, i * 32 + 32)));
      expect(path, `index ${index} size ${size}`).toEqual(want);
      verifyInclusion(hasher, 'carry', index, size, tree.levels[0]!.subarray(index * 32, index * 32 + 32), want.map(fromHex), tree.root);
    }
  });

  it('consistency proofs: generated paths equal the published ones, and verify', () => {
    for (const { size1, size2, path: want } of vectors.consistency) {
      const tree = treeOfSize(size2);
      const path = consistencyProofNodes(size1, size2).map(({ level, index }) => hex(tree.levels[level]!.subarray(index * 32, index * 32 + 32)));
      expect(path, `${size1} → ${size2}`).toEqual(want);
      verifyConsistency(hasher, size1, size2, treeOfSize(size1).root, tree.root, want.map(fromHex));
    }
  });
});

interface InclusionProbe {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}
interface ConsistencyProbe {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

const inclusionProbes = listJsonFiles('rfc6962_probes/inclusion');
const consistencyProbes = listJsonFiles('rfc6962_probes/consistency');
const relative = (file: string): string => path.relative(kVectorsDir, file);

describe('rfc6962_probes', () => {
  it('has all 196 probes', () => {
    expect(inclusionProbes.length + consistencyProbes.length).toBe(196);
  });

  it.each(inclusionProbes.map((file) => [relative(file), file]))('inclusion %s', (_name, file) => {
    const probe = JSON.parse(readFileSync(file, 'utf8')) as InclusionProbe;
    const run = () =>
      verifyInclusion(hasher, 'carry', probe.leafIdx, probe.treeSize, fromBase64(probe.leafHash), (probe.proof ?? []).map(fromBase64), fromBase64(probe.root));
    if (probe.wantErr) expect(run, probe.desc).toThrow();
    else expect(run, probe.desc).not.toThrow();
  });

  it.each(consistencyProbes.map((file) => [relative(file), file]))('consistency %s', (_name, file) => {
    const probe = JSON.parse(readFileSync(file, 'utf8')) as ConsistencyProbe;
    const run = () => verifyConsistency(hasher, probe.size1, probe.size2, fromBase64(probe.root1), fromBase64(probe.root2), (probe.proof ?? []).map(fromBase64));
    if (probe.wantErr) expect(run, probe.desc).toThrow();
    else expect(run, probe.desc).not.toThrow();
  });
});

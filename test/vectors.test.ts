/**
 * The copied vectors are the suite's oracle, so a missing or altered file must fail loudly rather
 * than quietly shrink what the other suites check.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kRepoRoot, kVectorsDir, listJsonFiles } from './helpers/vectors.js';

const kOriginalDir = path.resolve(kRepoRoot, '..', 'shared', 'vectors');
const kTopLevel = ['README.md', 'sha256_vectors.json', 'blake3_test_vectors.json', 'rfc6962_vectors.json', 'bitcoin_blocks.json'];

const digestOf = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
const relative = (files: string[], root: string): string[] => files.map((f) => path.relative(root, f)).sort();

describe('test/vectors', () => {
  it('holds every vector file the suites read, and names their sources', () => {
    for (const name of [...kTopLevel, 'PROVENANCE.md']) expect(existsSync(path.join(kVectorsDir, name)), name).toBe(true);
    expect(listJsonFiles('rfc6962_probes/inclusion').length).toBeGreaterThan(0);
    expect(listJsonFiles('rfc6962_probes/consistency').length).toBeGreaterThan(0);
    const provenance = readFileSync(path.join(kVectorsDir, 'PROVENANCE.md'), 'utf8');
    for (const name of kTopLevel.slice(1)) expect(provenance, name).toContain(name);
  });

  it.skipIf(!existsSync(kOriginalDir))('is byte-identical to ../shared/vectors (skipped on a lone clone: nothing to compare with)', () => {
    const copied = [...kTopLevel.map((n) => path.join(kVectorsDir, n)), ...listJsonFiles('rfc6962_probes')];
    const originals = [...kTopLevel.map((n) => path.join(kOriginalDir, n)), ...listJsonFiles('rfc6962_probes', kOriginalDir)];
    expect(relative(copied, kVectorsDir)).toEqual(relative(originals, kOriginalDir));
    for (const file of copied) expect(digestOf(file), file).toBe(digestOf(path.join(kOriginalDir, path.relative(kVectorsDir, file))));
  });
});

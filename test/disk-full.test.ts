/**
 * Disk full: a small tmpfs (mounted by the test; it needs root, and is skipped by name without
 * it) fills during build -o, append, sync and a checkpointed build. Each fails with an error
 * naming the file and "no space left", leaves what was there before byte for byte, and leaves
 * no temporary file behind.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTree } from '../src/api/build.js';
import { startSyncServer } from '../src/sync/server.js';
import { merkle, merkleAsync } from './helpers/cli.js';
import { randomBytes, seededRandom } from './helpers/reference.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'merkle-disk-full-'));
const full = path.join(scratch, 'small-fs');
mkdirSync(full);
const kSize = 192 * 1024;

function tryMount(): string | undefined {
  const result = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kSize}`, 'tmpfs', full], { encoding: 'utf8' });
  return result.status === 0 ? undefined : (result.stderr || result.error?.message || `mount exited ${result.status}`).trim();
}
const mountProblem = process.platform === 'linux' ? tryMount() : 'not Linux';
afterAll(() => {
  if (mountProblem === undefined) execFileSync('umount', [full]);
  rmSync(scratch, { recursive: true, force: true });
});

const outside = (name: string) => path.join(scratch, name);
const inside = (name: string) => path.join(full, name);
const random = seededRandom(77);
const big = Buffer.from(randomBytes(random, 4 * 1024 * 1024)); // 4 MiB of 1 KiB blocks: a 256 KiB tree
const small = Buffer.from(randomBytes(random, 64 * 1024));

beforeAll(() => {
  writeFileSync(outside('big.bin'), big);
  writeFileSync(outside('small.bin'), small);
});

/** The names in the small file system, so a stray temporary file shows. */
const listing = () => readdirSync(full).sort();

describe.skipIf(mountProblem !== undefined)(mountProblem === undefined ? 'disk full (a tmpfs of 192 KiB)' : `disk full: skipped, no tmpfs could be mounted (${mountProblem})`, () => {
  it('build -o: a named error, the previous tree file intact, no temporary file', () => {
    expect(merkle(['build', outside('small.bin'), '--block-size', '1KiB', '-o', inside('t.mtree')]).code).toBe(0);
    const before = readFileSync(inside('t.mtree'));
    const result = merkle(['build', outside('big.bin'), '--block-size', '1KiB', '-o', inside('t.mtree')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`${inside('t.mtree').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: cannot write: no space left on the device \\(ENOSPC\\)`));
    expect(Buffer.compare(readFileSync(inside('t.mtree')), before)).toBe(0);
    expect(listing()).toEqual(['t.mtree']);
  });

  it('append: a named error, the tree file intact, no temporary file', () => {
    writeFileSync(outside('more.bin'), big);
    const before = readFileSync(inside('t.mtree'));
    const result = merkle(['append', inside('t.mtree'), outside('more.bin')]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/t\.mtree: cannot write: no space left on the device \(ENOSPC\)/);
    expect(Buffer.compare(readFileSync(inside('t.mtree')), before)).toBe(0);
    expect(listing()).toEqual(['t.mtree']);
  });

  it('sync: a named error, the local file intact, no temporary file', async () => {
    writeFileSync(outside('remote.bin'), Buffer.concat([small, Buffer.from(randomBytes(random, 256 * 1024))]));
    await buildTree(outside('remote.bin'), { blockSize: 4096, out: outside('remote.mtree') });
    const server = await startSyncServer({ tree: outside('remote.mtree'), data: outside('remote.bin') });
    try {
      writeFileSync(inside('replica.bin'), small);
      const result = await merkleAsync(['sync', server.url, inside('replica.bin')]);
      expect(result.code, result.stderr).not.toBe(0);
      expect(result.stderr).toMatch(/replica\.bin: cannot write: no space left on the device \(ENOSPC\)/);
      expect(Buffer.compare(readFileSync(inside('replica.bin')), small)).toBe(0);
      expect(listing()).toEqual(['replica.bin', 't.mtree']);
    } finally {
      await server.close();
      rmSync(inside('replica.bin'));
    }
  });

  it('a checkpointed build: a named error, no tree file, and a checkpoint (when one was written) that reads back whole', () => {
    rmSync(inside('t.mtree'));
    const checkpoints = inside('ck');
    const result = merkle(['build', outside('big.bin'), '--block-size', '1KiB', '-o', inside('c.mtree'), '--checkpoint', checkpoints, '--segment-size', '64KiB']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot write: no space left on the device \(ENOSPC\)/);
    expect(listing()).not.toContain('c.mtree');
    // The build's own record of progress is what --resume continues from: it must read back whole.
    for (const name of readdirSync(checkpoints).filter((n) => n.startsWith('checkpoint.json'))) {
      expect(name).toBe('checkpoint.json');
      expect(() => JSON.parse(readFileSync(path.join(checkpoints, name), 'utf8'))).not.toThrow();
    }
  });
});

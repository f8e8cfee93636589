/**
 * The parallel file builder against the in-memory builder: random file sizes (0, 1, block ± 1,
 * segment ± 1 block, several segments + a short tail) × profiles × hashes × threads 1/2 ×
 * segment sizes — the root and every node. Then faults: a crashed worker, abort, a file that
 * changes during the build.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTree } from '../src/api/build.js';
import { InputError } from '../src/errors.js';
import { fileSegmentBytes } from '../src/builders/parallel.js';
import { DataChangedError, SegmentError } from '../src/errors.js';
import { fileMapper } from '../src/io/mapped-file.js';
import type { HashName } from '../src/hash/types.js';
import { tempDir } from './helpers/cli.js';
import { randomBytes, seededRandom } from './helpers/reference.js';
import { kRepoRoot } from './helpers/vectors.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('parallel file builds equal in-memory builds', () => {
  const random = seededRandom(4242);
  const blockSize = 1024;
  const segmentSize = 8 * blockSize;
  const sizes = [0, 1, blockSize - 1, blockSize, blockSize + 1, segmentSize - blockSize, segmentSize - 1, segmentSize, segmentSize + 1,
    segmentSize + blockSize, 5 * segmentSize + 3 * blockSize + 17, 16 * segmentSize, 16 * segmentSize + 1];
  const combos: Array<{ profile: 'rfc9162' | 'classic' | 'b3tree'; hash: HashName }> = [
    { profile: 'b3tree', hash: 'blake3' },
    { profile: 'rfc9162', hash: 'sha256' },
    { profile: 'classic', hash: 'sha256' },
    { profile: 'rfc9162', hash: 'blake3' },
    { profile: 'classic', hash: 'xxh128' },
  ];

  it.each(combos)('$profile/$hash: every size × threads 1, 2 × segment sizes (seed 4242)', async ({ profile, hash }) => {
    for (const size of sizes) {
      const data = randomBytes(random, size);
      const file = path.join(dir, `data-${size}.bin`);
      writeFileSync(file, data);
      const want = await buildTree(data, { profile, hash, blockSize });
      // Pool start-up dominates here, so one thread is checked at the smallest segment only, and
      // reading (mmap: false) and choosing window by window (the default, 'auto') at one
      // segment size each, besides mapping.
      const runs = [[1, blockSize, true], [2, blockSize, true], [2, segmentSize, true], [2, 4 * segmentSize, true], [2, segmentSize, false], [2, 4 * segmentSize, 'auto']] as const;
      for (const [threads, segment, mmap] of runs) {
        {
          const got = await buildTree(file, { profile, hash, blockSize, threads, segmentSize: segment, mmap, keepLevels: true });
          const where = `${size} bytes, ${threads} threads, segments of ${segment}, mmap ${mmap}`;
          expect(hex(got.root), where).toBe(hex(want.root));
          expect(got.size, where).toBe(want.size);
          expect(got.bytes, where).toBe(size);
          expect(got.levels!.levels.map(hex), where).toEqual(want.levels!.levels.map(hex));
          expect(got.ambiguous, where).toBe(want.ambiguous);
          // Without kept levels the hashing threads send back segment roots only.
          const rootOnly = await buildTree(file, { profile, hash, blockSize, threads, segmentSize: segment, mmap });
          expect(hex(rootOnly.root), `${where}, roots only`).toBe(hex(want.root));
          expect(rootOnly.ambiguous, `${where}, roots only`).toBe(want.ambiguous);
        }
      }
    }
  });

  it('builds at once in one process share the warm pool and each gets its own root', async () => {
    const random = seededRandom(99);
    const inputs = [3, 5, 8].map((segments, i) => {
      const data = randomBytes(random, segments * 8192 + i * 100);
      const file = path.join(dir, `shared-${i}.bin`);
      writeFileSync(file, data);
      return { data, file };
    });
    const options = { blockSize: 1024, segmentSize: 8192, threads: 2 };
    const got = await Promise.all(inputs.map(({ file }) => buildTree(file, options)));
    const again = await Promise.all(inputs.map(({ file }) => buildTree(file, { ...options, profile: 'b3tree' as const })));
    for (const [i, { data }] of inputs.entries()) {
      expect(hex(got[i]!.root), `sha256 ${i}`).toBe(hex((await buildTree(data, { blockSize: 1024 })).root));
      expect(hex(again[i]!.root), `b3tree ${i}`).toBe(hex((await buildTree(data, { blockSize: 1024, profile: 'b3tree' })).root));
    }
  });

  it('picks the default segment size by the file size: 8-32 MiB, at least 16 segments per thread', () => {
    const MiB = 1024 * 1024;
    expect(fileSegmentBytes(0, 2)).toBe(8 * MiB);
    expect(fileSegmentBytes(512 * MiB - 1, 2)).toBe(8 * MiB);
    expect(fileSegmentBytes(512 * MiB, 2)).toBe(16 * MiB);
    expect(fileSegmentBytes(1024 * MiB, 2)).toBe(32 * MiB);
    expect(fileSegmentBytes(1024 * MiB, 4)).toBe(16 * MiB);
    expect(fileSegmentBytes(1024 * MiB * 1024 * 1024, 2)).toBe(32 * MiB);
    expect(fileSegmentBytes(1024 * MiB, 1)).toBe(32 * MiB);
  });

  it('a file of several default-sized segments (no segmentSize given) has the in-memory root', async () => {
    const data = randomBytes(seededRandom(31), 2 * 8 * 1024 * 1024 + 4096 * 3 + 5);
    const file = path.join(dir, 'default-segments.bin');
    writeFileSync(file, data);
    for (const threads of [1, 2]) {
      const got = await buildTree(file, { blockSize: 4096, threads });
      expect(hex(got.root), `threads ${threads}`).toBe(hex((await buildTree(data, { blockSize: 4096 })).root));
    }
  });

  it('reports progress up to the whole file, and uses the threads asked for', async () => {
    const file = path.join(dir, 'progress.bin');
    writeFileSync(file, randomBytes(random, 40 * 4096 + 5));
    const seen: number[] = [];
    const tree = await buildTree(file, { blockSize: 4096, segmentSize: 4 * 4096, threads: 2, onProgress: (p) => seen.push(p.bytesDone) });
    expect(seen.at(-1)).toBe(40 * 4096 + 5);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(tree.threads).toBe(2);
    expect(tree.levels).toBeUndefined();
  });
});

describe('faults', () => {
  const file = path.join(dir, 'faults.bin');
  writeFileSync(file, randomBytes(seededRandom(1), 64 * 1024));
  const options = { blockSize: 1024, segmentSize: 4096, threads: 2 };

  it('a worker that dies fails the build with an error naming the segment', async () => {
    const workerFile = path.join(kRepoRoot, 'test', 'fixtures', 'crashing-worker.mjs');
    const build = buildTree(file, { ...options, workerFile } as never);
    await expect(build).rejects.toBeInstanceOf(SegmentError);
    await expect(build).rejects.toThrow(/segment 2 \(bytes 8192–12288\) failed/);
  });

  it('a file that grows during the build fails it: "data changed during build"', async () => {
    const growing = path.join(dir, 'growing.bin');
    writeFileSync(growing, randomBytes(seededRandom(2), 64 * 1024));
    const workerFile = path.join(kRepoRoot, 'test', 'fixtures', 'appending-worker.mjs');
    const build = buildTree(growing, { ...options, threads: 1, workerFile } as never);
    await expect(build).rejects.toBeInstanceOf(InputError);
    await expect(build).rejects.toBeInstanceOf(DataChangedError);
    await expect(build).rejects.toThrow(/data changed during build/);
  });

  it('a file that shrinks under its mappings fails the build, and the process lives on', async () => {
    const shrinking = path.join(dir, 'shrinking.bin');
    writeFileSync(shrinking, randomBytes(seededRandom(3), 64 * 1024));
    const workerFile = path.join(kRepoRoot, 'test', 'fixtures', 'truncating-worker.mjs');
    // Segments of four pages, cut 100 bytes into segment 1: its later pages, and every later
    // segment, lie past the end (whichever worker meets them first reports it).
    const build = buildTree(shrinking, { ...options, segmentSize: 16384, mmap: true, workerFile } as never);
    await expect(build).rejects.toBeInstanceOf(DataChangedError);
    await expect(build).rejects.toMatchObject({ code: 'ERR_MERKLE_DATA_CHANGED' });
    const mapped = !('unavailable' in fileMapper());
    await expect(build).rejects.toThrow(mapped ? /data changed during build \(the file ended inside bytes \d+–\d+ while they were hashed\)/ : /data changed during build/);
  });

  it('an AbortSignal stops the build', async () => {
    const controller = new AbortController();
    const build = buildTree(file, { ...options, signal: controller.signal, onProgress: () => controller.abort(new Error('stop now')) });
    await expect(build).rejects.toThrow(/stop now/);
  });

  it('validates threads, segment size and mmap, naming the option', async () => {
    await expect(buildTree(file, { threads: 0 })).rejects.toThrow(/options\.threads must be a whole number from 1 to 256, got 0/);
    await expect(buildTree(file, { mmap: 'yes' as never })).rejects.toThrow(/options\.mmap must be true, false or 'auto', got yes/);
    await expect(buildTree(file, { blockSize: 4096, segmentSize: 100 })).rejects.toThrow(/options\.segmentSize must be a whole number of bytes of at least the block size \(4096\)/);
  });
});

describe('tree files from file builds', () => {
  it('a failed rebuild leaves the existing tree file byte-for-byte, and no temp file', async () => {
    const { readFileSync, readdirSync } = await import('node:fs');
    const data = path.join(dir, 'keep.bin');
    writeFileSync(data, randomBytes(seededRandom(11), 64 * 1024));
    const out = path.join(dir, 'keep.mtree');
    await buildTree(data, { blockSize: 1024, segmentSize: 4096, out });
    const before = readFileSync(out);
    const workerFile = path.join(kRepoRoot, 'test', 'fixtures', 'crashing-worker.mjs');
    writeFileSync(data, randomBytes(seededRandom(12), 64 * 1024));
    await expect(buildTree(data, { blockSize: 1024, segmentSize: 4096, threads: 2, out, workerFile } as never)).rejects.toBeInstanceOf(SegmentError);
    expect(readFileSync(out)).toEqual(before);
    const controller = new AbortController();
    await expect(buildTree(data, { blockSize: 1024, segmentSize: 4096, out, signal: controller.signal, onProgress: () => controller.abort() })).rejects.toThrow();
    expect(readFileSync(out)).toEqual(before);
    expect(readdirSync(dir).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });
});

/**
 * Mapped file ranges (src/io/mapped-file.ts over native/file/): the bytes equal the file's
 * at any offset and length; a mapping is gone after unmap; a file cut short under a mapping
 * reads zeros past its end and reports it, without SIGBUS killing the process; bad arguments
 * are refused by name. Skipped, saying why, where the addon has no mappings.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileMapper, type FileMapper } from '../src/io/mapped-file.js';
import { tempDir } from './helpers/cli.js';
import { randomBytes, seededRandom } from './helpers/reference.js';
import { kRepoRoot } from './helpers/vectors.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);
const mapper = fileMapper();
const unavailable = 'unavailable' in mapper ? mapper.unavailable : undefined;
if (unavailable) console.warn(`mapped-file tests skipped: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('mapped file ranges', () => {
  const m = mapper as FileMapper;
  const file = path.join(dir, 'data.bin');
  const random = seededRandom(77);
  const data = randomBytes(random, 5 * 4096 + 123);
  writeFileSync(file, data);

  it('map gives the file bytes at every page boundary and random offsets, and unmap releases them', () => {
    const fd = openSync(file, 'r');
    try {
      const ranges: Array<[number, number]> = [[0, data.length], [0, 1], [4095, 2], [4096, 4096], [1, 4095 * 3], [data.length - 1, 1]];
      for (let i = 0; i < 40; i++) {
        const offset = Math.floor(random() * data.length);
        ranges.push([offset, 1 + Math.floor(random() * (data.length - offset))]);
      }
      for (const [offset, length] of ranges) {
        const view = m.map(fd, offset, length)!;
        expect(view.length).toBe(length);
        expect(Buffer.from(view).equals(Buffer.from(data.subarray(offset, offset + length))), `${offset}+${length}`).toBe(true);
        expect(m.unmap(view)).toBe(true);
        expect(view.length, 'the view is detached after unmap').toBe(0);
      }
    } finally {
      closeSync(fd);
    }
  });

  it('with a first-touch limit, maps a range only where using its pages costs less than the limit', () => {
    const big = path.join(dir, 'probed.bin');
    const bytes = randomBytes(random, 1024 * 1024 + 77);
    writeFileSync(big, bytes);
    const fd = openSync(big, 'r');
    try {
      // No page is used in under a nanosecond: a limit of 0 always finds reading cheaper...
      expect(m.map(fd, 0, bytes.length, 0)).toBeUndefined();
      expect(m.map(fd, 4096 + 3, 512 * 1024, 0)).toBeUndefined();
      // ...unless the range is too short to probe (under one aligned 64 KiB run); no limit, or
      // one no probe can exceed, always maps.
      for (const [offset, length, limit] of [[0, 1000, 0], [0, bytes.length, undefined], [77, bytes.length - 77, Number.MAX_SAFE_INTEGER]] as const) {
        const view = m.map(fd, offset, length, limit);
        expect(view, `${offset}+${length}, limit ${limit}`).toBeDefined();
        expect(Buffer.from(view!).equals(Buffer.from(bytes.subarray(offset, offset + length))), `${offset}+${length}`).toBe(true);
        expect(m.unmap(view!)).toBe(true);
      }
    } finally {
      closeSync(fd);
    }
  });

  it('refuses bad arguments by name', () => {
    const fd = openSync(file, 'r');
    try {
      expect(() => m.map(-1, 0, 1)).toThrow(/fd must be an open file descriptor/);
      expect(() => m.map(fd, -1, 1)).toThrow(/offset must be a byte offset >= 0/);
      expect(() => m.map(fd, 0, 0)).toThrow(/length must be a byte count > 0/);
      expect(() => m.map(fd, 0, 10, -1)).toThrow(/firstTouchLimitNs must be a number of nanoseconds >= 0, got -1/);
      expect(() => m.map(fd, 0, 10, Number.NaN)).toThrow(/firstTouchLimitNs must be a number of nanoseconds >= 0, got NaN/);
      expect(() => m.unmap(new Uint8Array(8))).toThrow(/not a live mapping/);
      expect(() => m.unmap(new Uint8Array(8).subarray(1))).toThrow(/a Uint8Array that map returned/);
      const view = m.map(fd, 0, 10)!;
      m.unmap(view);
      expect(() => m.unmap(view)).toThrow(/not a live mapping/);
    } finally {
      closeSync(fd);
    }
    const writeOnly = openSync(path.join(dir, 'w.bin'), 'w');
    try {
      expect(() => m.map(writeOnly, 0, 10)).toThrow(/mapFileRange: Permission denied/);
    } finally {
      closeSync(writeOnly);
    }
  });

  it('a file cut short under a mapping reads zeros past its end, reports it, and nothing crashes', () => {
    // In a child process, so a missing guard shows as a SIGBUS death, not a lost test runner.
    const script = `
      import { openSync, truncateSync, writeFileSync } from 'node:fs';
      import { fileMapper } from ${JSON.stringify(path.join(kRepoRoot, 'dist', 'io', 'mapped-file.js'))};
      import { loadTreeHasher } from ${JSON.stringify(path.join(kRepoRoot, 'dist', 'hash', 'load.js'))};
      import { kProfiles } from ${JSON.stringify(path.join(kRepoRoot, 'dist', 'tree', 'profile.js'))};
      const file = process.argv[1];
      writeFileSync(file, new Uint8Array(64 * 1024).fill(7));
      const m = fileMapper();
      const fd = openSync(file, 'r');
      // JS reads past the end.
      let view = m.map(fd, 0, 64 * 1024);
      truncateSync(file, 5000);
      const head = view[4999], tail = view[5000], far = view[64 * 1024 - 1];
      const js = m.unmap(view);
      // A native kernel reads past the end.
      writeFileSync(file, new Uint8Array(64 * 1024).fill(7));
      view = m.map(fd, 0, 64 * 1024);
      truncateSync(file, 8192);
      const { hasher } = await loadTreeHasher(kProfiles.rfc9162, 'sha256', 'native');
      hasher.leavesFromBlocks(view, 4096, 0, new Uint8Array(16 * 32));
      const kernel = m.unmap(view);
      // An intact mapping of what is left is still intact.
      view = m.map(fd, 0, 8192);
      const whole = view.every((b) => b === 7);
      const again = m.unmap(view);
      console.log(JSON.stringify({ head, tail, far, js, kernel, whole, again }));
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, path.join(dir, 'cut.bin')], { encoding: 'utf8' });
    expect(child.signal, child.stderr).toBeNull();
    expect(child.status, child.stderr).toBe(0);
    expect(JSON.parse(child.stdout.trim())).toEqual({ head: 7, tail: 0, far: 0, js: false, kernel: false, whole: true, again: true });
  });
});

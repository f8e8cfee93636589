/**
 * fdSource: the native fd reader (pipe, FIFO opened non-blocking, regular file, short reads,
 * the end mid-buffer, read errors naming the input, abort) and the portable fallback, each
 * checked byte for byte and, through buildTree and the CLI, root for root.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, constants, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildTree } from '../src/api/build.js';
import { InputError } from '../src/errors.js';
import { loadNativeAddon } from '../src/addon/loader.js';
import { fdSource, isFillableSource, type FillableSource } from '../src/io/fd-source.js';
import { merkle, tempDir, waitUntilPolling } from './helpers/cli.js';
import { kRepoRoot } from './helpers/vectors.js';

const state = loadNativeAddon();
const kPinned = process.env.MERKLE_BACKEND === 'node' || process.env.MERKLE_BACKEND === 'wasm';
const kNoReader = kPinned
  ? `MERKLE_BACKEND=${process.env.MERKLE_BACKEND} pins a portable backend`
  : 'unavailable' in state
    ? state.unavailable
    : state.addon.io === undefined
      ? 'the addon has no io functions'
      : undefined;

const fds: number[] = [];
const children: ChildProcess[] = [];
let dir: string;
let cleanup: () => void;

beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());
afterEach(() => {
  for (const fd of fds.splice(0)) closeSync(fd);
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

function open(file: string, flags: number | string = 'r'): number {
  const fd = openSync(file, flags);
  fds.push(fd);
  return fd;
}

/** dataFile writes `bytes` to a fresh file in the temp dir and returns its path. */
function dataFile(name: string, bytes: Uint8Array): string {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

/**
 * fifoWriter makes a FIFO and starts a child that writes `bytes` into it in `piece`-byte
 * writes, pausing `pauseMs` every `pauseEvery` writes, so the reader sees short reads and
 * waits. Returns the FIFO's path; open its read end afterwards.
 */
async function fifoWriter(name: string, bytes: Uint8Array, piece: number, pauseEvery = 16, pauseMs = 2): Promise<string> {
  const fifo = path.join(dir, name);
  await new Promise<void>((resolve, reject) => {
    const mk = spawn('mkfifo', [fifo]);
    mk.on('error', reject);
    mk.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`mkfifo exited ${code}`))));
  });
  const source = dataFile(`${name}.src`, bytes);
  const script = `
    const fs = require('node:fs');
    const data = fs.readFileSync(${JSON.stringify(source)});
    const fd = fs.openSync(${JSON.stringify(fifo)}, 'w');
    const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
    for (let at = 0, n = 0; at < data.length; at += ${piece}, n++) {
      fs.writeSync(fd, data, at, Math.min(${piece}, data.length - at));
      if (n % ${pauseEvery} === ${pauseEvery} - 1) sleep(${pauseMs});
    }
    fs.closeSync(fd);`;
  children.push(spawn(process.execPath, ['-e', script], { stdio: 'ignore' }));
  return fifo;
}

/** readAll fills `size`-byte buffers until the source ends; returns the bytes and each fill's count. */
async function readAll(source: FillableSource, size: number): Promise<{ bytes: Buffer; counts: number[] }> {
  const parts: Buffer[] = [];
  const counts: number[] = [];
  for (;;) {
    const into = new Uint8Array(size);
    const n = await source.fill(into);
    counts.push(n);
    parts.push(Buffer.from(into.subarray(0, n)));
    if (n < size) return { bytes: Buffer.concat(parts), counts };
  }
}

describe('fdSource arguments', () => {
  it('rejects a bad fd or name by name', () => {
    expect(() => fdSource(-1)).toThrow(/^fd must be an integer from 0 to 2\^31-1, got -1$/);
    expect(() => fdSource(1.5)).toThrow(RangeError);
    expect(() => fdSource('0' as unknown as number)).toThrow(/^fd must be an integer from 0 to 2\^31-1, got string$/);
    expect(() => fdSource(0, { name: 7 as unknown as string })).toThrow(/^options.name must be a string, got number$/);
  });

  it('takes only its own sources as fillable (a Buffer has a fill method too)', () => {
    expect(isFillableSource(Buffer.alloc(4))).toBe(false);
    expect(isFillableSource({ fill: async () => 0 })).toBe(false);
  });
});

describe.skipIf(kNoReader !== undefined)('native fd reader', () => {
  it('reads a regular file whole, the end landing mid-buffer, then reports 0', async () => {
    const data = randomBytes(3 * 65536 + 5);
    const source = fdSource(open(dataFile('regular.bin', data)));
    expect(isFillableSource(source)).toBe(true);
    const { bytes, counts } = await readAll(source as FillableSource, 65536);
    expect(counts).toEqual([65536, 65536, 65536, 5]);
    expect(bytes.equals(data)).toBe(true);
    expect(await (source as FillableSource).fill(new Uint8Array(10))).toBe(0);
  });

  it('fills whole buffers from a pipe written in short pieces with pauses (FIFO opened non-blocking)', async () => {
    const data = randomBytes(1_000_003);
    const fifo = await fifoWriter('short.fifo', data, 1000);
    // O_NONBLOCK: the open does not wait for the writer, and every read may say EAGAIN.
    const source = fdSource(open(fifo, constants.O_RDONLY | constants.O_NONBLOCK), { name: 'short.fifo' }) as FillableSource;
    const { bytes, counts } = await readAll(source, 300_000);
    expect(counts).toEqual([300_000, 300_000, 300_000, 100_003]);
    expect(bytes.equals(data)).toBe(true);
  });

  it('reads a blocking pipe to its end; an exact multiple ends in an empty fill', async () => {
    const data = randomBytes(4 * 131072);
    const fifo = await fifoWriter('blocking.fifo', data, 65536, 2, 1);
    const source = fdSource(open(fifo, 'r')) as FillableSource;
    const { bytes, counts } = await readAll(source, 131072);
    expect(counts).toEqual([131072, 131072, 131072, 131072, 0]);
    expect(bytes.equals(data)).toBe(true);
  });

  it('names the input when a read fails', async () => {
    const source = fdSource(open(dir), { name: 'the-folder' }) as FillableSource;
    const failure = source.fill(new Uint8Array(16));
    await expect(failure).rejects.toThrow(InputError);
    await expect(failure).rejects.toThrow(/^the-folder: read failed \(EISDIR: .+\)$/);
  });

  it('stops waiting on a stalled pipe when the signal aborts', async () => {
    const fifo = await fifoWriter('stalled.fifo', randomBytes(1000), 100, 1, 60_000);
    const source = fdSource(open(fifo, constants.O_RDONLY | constants.O_NONBLOCK)) as FillableSource;
    const abort = new AbortController();
    const started = Date.now();
    setTimeout(() => abort.abort(new Error('stop now')), 50);
    await expect(source.fill(new Uint8Array(4096), abort.signal)).rejects.toThrow('stop now');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('rejects a second fill while one is reading, and a non-Uint8Array buffer', async () => {
    const fifo = await fifoWriter('busy.fifo', randomBytes(1000), 100, 1, 30);
    const source = fdSource(open(fifo, constants.O_RDONLY | constants.O_NONBLOCK)) as FillableSource;
    const first = source.fill(new Uint8Array(1000));
    await expect(source.fill(new Uint8Array(10))).rejects.toThrow(/fill called while another fill is reading/);
    await expect(source.fill([] as unknown as Uint8Array)).rejects.toThrow(/^into must be a Uint8Array, got object$/);
    expect(await first).toBe(1000);
  });

  it('`merkle build -` stops at Ctrl-C (SIGINT) while its stdin is open and silent', async () => {
    const child = spawn(process.execPath, [path.join(kRepoRoot, 'bin', 'merkle.cjs'), 'build', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Interrupt once the build waits on stdin: a fixed sleep was too short on a loaded machine
    // or under AddressSanitizer (whose own SIGINT handler hides when the CLI installs its own).
    await waitUntilPolling(child.pid!);
    const started = Date.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect({ code, stderr: stderr.trim() }).toEqual({ code: 2, stderr: 'merkle: interrupted (SIGINT)' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('builds the same root as the file builder, for sizes around segment boundaries', async () => {
    const blockSize = 4096;
    const segmentSize = 16 * blockSize;
    for (const size of [0, 1, segmentSize - 1, segmentSize, segmentSize + 1, 3 * segmentSize, 5 * segmentSize + 777]) {
      const file = dataFile(`build-${size}.bin`, randomBytes(size));
      const options = { blockSize, segmentSize, threads: 2 };
      const expected = await buildTree(file, options);
      const fifo = await fifoWriter(`build-${size}.fifo`, readFileSync(file), 5000, 4, 1);
      const streamed = await buildTree(fdSource(open(fifo, constants.O_RDONLY | constants.O_NONBLOCK)), options);
      expect({ size, root: streamed.rootHex, bytes: streamed.bytes }).toEqual({ size, root: expected.rootHex, bytes: size });
    }
  });
});

describe('portable fallback', () => {
  it('MERKLE_BACKEND=wasm reads through a Node stream, with the same bytes', async () => {
    const data = randomBytes(200_001);
    const saved = process.env.MERKLE_BACKEND;
    process.env.MERKLE_BACKEND = 'wasm';
    try {
      const source = fdSource(open(dataFile('fallback.bin', data)));
      expect(isFillableSource(source)).toBe(false);
      const parts: Buffer[] = [];
      for await (const chunk of source) parts.push(Buffer.from(chunk));
      expect(Buffer.concat(parts).equals(data)).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.MERKLE_BACKEND;
      else process.env.MERKLE_BACKEND = saved;
    }
  });

  it('`merkle build -` gives the file root from a pipe, natively and with MERKLE_BACKEND=wasm', () => {
    const data = randomBytes(3 * 65536 + 100);
    const file = dataFile('cli.bin', data);
    const args = ['--block-size', '4096', '--segment-size', '64KiB', '--hash', 'sha256'];
    const expected = merkle(['build', file, ...args]);
    expect(expected.code).toBe(0);
    for (const env of [{}, { MERKLE_BACKEND: 'wasm' }] as Record<string, string>[]) {
      const piped = merkle(['build', '-', ...args], { input: data, env });
      expect({ env, stdout: piped.stdout, stderr: piped.stderr }).toEqual({ env, stdout: expected.stdout, stderr: '' });
    }
  });

  it('`merkle build - --records` reads 1.3 MB of text whole (the source iterated in 1 MiB chunks), natively and with MERKLE_BACKEND=wasm', () => {
    const text = Array.from({ length: 150_000 }, (_, i) => (i * 7919).toString(16).padStart(8, '0')).join('\n') + '\n';
    const expected = merkle(['build', dataFile('records.txt', Buffer.from(text)), '--records']);
    expect(expected.code).toBe(0);
    for (const env of [{}, { MERKLE_BACKEND: 'wasm' }] as Record<string, string>[]) {
      const piped = merkle(['build', '-', '--records'], { input: text, env });
      expect({ env, stdout: piped.stdout, stderr: piped.stderr }).toEqual({ env, stdout: expected.stdout, stderr: '' });
    }
  });
});

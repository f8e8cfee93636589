/**
 * Streams through the pool: the streamed root and every node equal the file builder's for
 * random sizes and random chunkings (1 byte to MiBs, boundaries anywhere), every profile that
 * takes data; backpressure bounds the segments in flight; tree files written from streams.
 */
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTree } from '../src/api/build.js';
import { createTreeStream } from '../src/api/tree-stream.js';
import { StreamTreeBuilder } from '../src/builders/stream.js';
import { loadTreeHasher } from '../src/hash/load.js';
import { openTree } from '../src/api/open-tree.js';
import { kProfiles } from '../src/tree/profile.js';
import { tempDir } from './helpers/cli.js';
import { randomBytes, seededRandom } from './helpers/reference.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

async function* chunked(data: Uint8Array, random: () => number, maxChunk: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < data.length; ) {
    // Mostly small cuts, sometimes a single byte, sometimes large.
    const roll = random();
    const take = roll < 0.1 ? 1 : Math.floor(random() * maxChunk) + 1;
    yield data.subarray(at, at + take);
    at += take;
  }
}

describe('streamed trees equal file trees', () => {
  it.each(['rfc9162', 'classic', 'b3tree'] as const)('%s: random sizes and chunkings, threads 1 and 2 (seed 808)', async (profile) => {
    const random = seededRandom(808);
    const blockSize = profile === 'b3tree' ? 1024 : 512;
    const segmentSize = 8 * blockSize;
    for (const size of [0, 1, blockSize - 1, blockSize, blockSize + 1, segmentSize, segmentSize + 1, 2 * segmentSize, 9 * segmentSize + 700, 40_000]) {
      const data = randomBytes(random, size);
      const file = path.join(dir, `s-${size}.bin`);
      writeFileSync(file, data);
      const want = await buildTree(file, { profile, blockSize, segmentSize, threads: 2, keepLevels: true });
      for (const threads of [1, 2]) {
        const got = await buildTree(chunked(data, random, 3 * segmentSize), { profile, blockSize, segmentSize, threads, keepLevels: true });
        const where = `${size} bytes, ${threads} threads`;
        expect(hex(got.root), where).toBe(hex(want.root));
        expect(got.levels!.levels.map(hex), where).toEqual(want.levels!.levels.map(hex));
        expect(got.bytes, where).toBe(size);
      }
    }
  });

  it('a Node Readable works as input (stream.pipeline-friendly)', async () => {
    const data = randomBytes(seededRandom(3), 100_000);
    const readable = Readable.from([Buffer.from(data.subarray(0, 77_777)), Buffer.from(data.subarray(77_777))]);
    const got = await buildTree(readable, { blockSize: 1024, segmentSize: 8192 });
    expect(got.rootHex).toBe((await buildTree(data, { blockSize: 1024 })).rootHex);
  });

  it('a stream that yields non-bytes is refused by name', async () => {
    async function* strings() {
      yield 'text' as unknown as Uint8Array;
    }
    await expect(buildTree(strings())).rejects.toThrow(/the stream yielded a string, not bytes/);
  });
});

describe('createTreeStream', () => {
  it('works with stream.pipeline and resolves to the same tree as the file builder', async () => {
    const { pipeline } = await import('node:stream/promises');
    const data = randomBytes(seededRandom(21), 200_003);
    const treeStream = createTreeStream({ blockSize: 1024, segmentSize: 8192, threads: 2 });
    await pipeline(Readable.from(chunked(data, seededRandom(22), 30_000)), treeStream);
    const tree = await treeStream.result;
    expect(tree.rootHex).toBe((await buildTree(data, { blockSize: 1024 })).rootHex);
    expect(tree.bytes).toBe(data.length);
  });

  it('write() returns false while the builder has no room, and an AbortSignal stops it', async () => {
    const treeStream = createTreeStream({ blockSize: 4096, segmentSize: 16 * 4096, threads: 1 });
    let refused = 0;
    for (let i = 0; i < 40; i++) {
      if (!treeStream.write(Buffer.alloc(64 * 1024, i))) {
        refused++;
        await new Promise((resolve) => treeStream.once('drain', resolve));
      }
    }
    treeStream.end();
    expect((await treeStream.result).bytes).toBe(40 * 64 * 1024);
    expect(refused).toBeGreaterThan(0);

    const controller = new AbortController();
    const aborted = createTreeStream({ signal: controller.signal });
    aborted.on('error', () => undefined);
    aborted.write(Buffer.alloc(10));
    controller.abort(new Error('stop the stream'));
    aborted.write(Buffer.alloc(10));
    await expect(aborted.result).rejects.toThrow(/stop the stream/);
  });

  it('bad options reject the result and error the stream', async () => {
    const bad = createTreeStream({ blockSize: 0 });
    const errored = new Promise((resolve) => bad.on('error', resolve));
    await expect(bad.result).rejects.toThrow(/options\.blockSize must be/);
    bad.write(Buffer.alloc(1));
    expect(String(await errored)).toMatch(/blockSize/);
  });
});

describe('backpressure', () => {
  it('write() waits while 2 × threads segments are in flight, so memory stays bounded', async () => {
    const profile = kProfiles.rfc9162;
    const { hasher, backend } = await loadTreeHasher(profile, 'sha256', 'auto');
    const builder = new StreamTreeBuilder({ profile, hash: 'sha256', backend, hasher, blockSize: 4096, threads: 1, segmentLevel: 4 });
    const segment = new Uint8Array(16 * 4096);
    let maxInFlight = 0;
    for (let i = 0; i < 20; i++) {
      await builder.write(segment);
      maxInFlight = Math.max(maxInFlight, builder.segmentsInFlight);
    }
    expect(maxInFlight).toBeLessThanOrEqual(2);
    const result = await builder.finish();
    expect(result.size).toBe(20 * 16);
    expect(result.root).toEqual((await buildTree(new Uint8Array(20 * 16 * 4096), { blockSize: 4096 })).root);
  });

  it('a Writable wrapper sees write() return false under a slow pool', async () => {
    const profile = kProfiles.rfc9162;
    const { hasher, backend } = await loadTreeHasher(profile, 'sha256', 'auto');
    const builder = new StreamTreeBuilder({ profile, hash: 'sha256', backend, hasher, blockSize: 4096, threads: 1, segmentLevel: 2 });
    const sink = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, callback) {
        builder.write(chunk).then(() => callback(), callback);
      },
    });
    let refused = 0;
    for (let i = 0; i < 64; i++) {
      if (!sink.write(Buffer.alloc(32 * 1024, i))) {
        refused++;
        await new Promise((resolve) => sink.once('drain', resolve));
      }
    }
    await new Promise<void>((resolve, reject) => sink.end((error?: Error | null) => (error ? reject(error) : resolve())));
    expect(refused).toBeGreaterThan(0);
    expect((await builder.finish()).bytes).toBe(64 * 32 * 1024);
  });
});

describe('tree files from streams', () => {
  it('spills levels while streaming and publishes one .mtree equal to the file build, leaving no spill behind', async () => {
    const data = randomBytes(seededRandom(9), 300_001);
    const file = path.join(dir, 'spill.bin');
    writeFileSync(file, data);
    const fromFile = path.join(dir, 'from-file.mtree');
    const fromStream = path.join(dir, 'from-stream.mtree');
    await buildTree(file, { blockSize: 1024, segmentSize: 16 * 1024, out: fromFile });
    const streamed = await buildTree(chunked(data, seededRandom(10), 50_000), { blockSize: 1024, segmentSize: 16 * 1024, out: fromStream });
    const a = await openTree(fromFile);
    const b = await openTree(fromStream, { verify: true });
    try {
      expect(b.rootHex).toBe(streamed.rootHex);
      expect(b.rootHex).toBe(a.rootHex);
      expect(b.size).toBe(a.size);
      // Same levels; the headers differ only in the file build's recorded source identity.
      expect(readFileSync(fromStream).subarray(4096)).toEqual(readFileSync(fromFile).subarray(4096));
    } finally {
      await a.close();
      await b.close();
    }
    expect(readdirSync(dir).filter((name) => name.includes('.spill-') || name.includes('.tmp-'))).toEqual([]);
  });
});

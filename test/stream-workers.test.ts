/**
 * The stream builder's worker threads (src/pool/task-workers.ts): a worker that throws or
 * dies fails the build with an error naming the segment — never a hang — and the shared
 * segment buffers give the file builder's root for blocks small enough that a segment's
 * levels outgrow its data (they come back moved instead of in place).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTree } from '../src/api/build.js';
import { SegmentError } from '../src/errors.js';
import { randomBytes, seededRandom } from './helpers/reference.js';
import { kRepoRoot } from './helpers/vectors.js';

async function* chunks(data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

const options = { blockSize: 1024, segmentSize: 4096, threads: 2 };
const data = randomBytes(seededRandom(77), 10 * 4096 + 100);

describe('stream segment workers', () => {
  it('a worker that throws fails the build with a SegmentError naming the segment and the cause', async () => {
    const workerFile = path.join(kRepoRoot, 'test', 'fixtures', 'throwing-worker.mjs');
    const build = buildTree(chunks(data, 3000), { ...options, workerFile } as never);
    await expect(build).rejects.toBeInstanceOf(SegmentError);
    await expect(build).rejects.toThrow(/^segment 1 \(bytes 4096–8192\) failed: injected failure in segment 1$/);
  });

  it('a worker that dies fails the build instead of hanging', async () => {
    const workerFile = path.join(kRepoRoot, 'test', 'fixtures', 'crashing-worker.mjs');
    await expect(buildTree(chunks(data, 5000), { ...options, workerFile } as never)).rejects.toThrow(/^segment \d+ \(bytes \d+–\d+\) failed: a worker thread exited \(code 3\)$/);
  });

  it('blocks of 16 bytes (levels larger than the segment) give the file root', async () => {
    const small = randomBytes(seededRandom(78), 5 * 1024 + 3);
    const expected = await buildTree(small, { blockSize: 16 });
    const streamed = await buildTree(chunks(small, 700), { blockSize: 16, segmentSize: 1024, threads: 2 });
    expect(streamed.rootHex).toBe(expected.rootHex);
  });
});

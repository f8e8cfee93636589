/**
 * Builds across machines on a real queue: a throwaway redis-server, `merkle worker` children,
 * the coordinator in this process (the API) or as a child (the CLI). Every root and tree file is
 * compared with a single-machine build of the same bytes. Skipped, by name, where redis-server
 * is not installed (.ci/run installs it).
 */
import { spawn } from 'node:child_process';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTree } from '../src/api/build.js';
import { buildOnQueue } from '../src/distributed/coordinator.js';
import { bullmq } from '../src/distributed/bullmq.js';
import { checkRangeJob } from '../src/distributed/identity.js';
import { hashRange } from '../src/distributed/range-hash.js';
import { kProfiles, kProfileNames } from '../src/tree/profile.js';
import { merkle, merkleAsync, tempDir } from './helpers/cli.js';
import { haveRedis, startRedis, WorkerFleet, type RedisServer } from './helpers/redis.js';
import { startRangeServer } from './helpers/range-server.js';
import { randomBytes, seededRandom } from './helpers/reference.js';
import { kRepoRoot } from './helpers/vectors.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);
let redis: RedisServer;
let queueCount = 0;
/** A queue of its own per test, so no test sees another's jobs or workers. */
const nextQueue = () => `t${++queueCount}`;

// Block-leaf profiles (bitcoin takes txids, not data blocks).
const kBlockProfiles = kProfileNames.filter((name) => kProfiles[name].leavesFromData && kProfiles[name].construction !== undefined);
const kBlock = 1024;
const kSegment = 4 * kBlock; // 4 leaves a segment: many segments from little data
const kSmall = { blockSize: kBlock, segmentSize: kSegment, rangeSize: 3 * kSegment };

describe.skipIf(!haveRedis)(haveRedis ? 'queue builds (a throwaway redis-server)' : 'queue builds: skipped, redis-server is not installed', () => {
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('gives the root and tree file of a single-machine build for every profile, 0 to many segments, 1 to 4 workers', async () => {
    expect(kBlockProfiles).toContain('b3tree');
    const sizes = [0, 1, kSegment, kSegment + 1, 37 * kSegment + 555];
    for (let workers = 1; workers <= 4; workers++) {
      const queueName = nextQueue();
      const fleet = new WorkerFleet(redis.url, ['--queue-name', queueName]);
      try {
        await fleet.resize(workers);
        for (const profile of kBlockProfiles) {
          for (const size of sizes) {
            const data = path.join(dir, `data-${profile}-${size}.bin`);
            writeFileSync(data, randomBytes(seededRandom(size + workers), size));
            const local = await buildTree(data, { profile, blockSize: kBlock, out: `${data}.local.mtree` }).catch((error: Error) => error);
            const queued = await buildOnQueue(data, { ...kSmall, profile, queue: redis.url, queueName, out: `${data}.queued.mtree` }).catch((error: Error) => error);
            if (local instanceof Error) {
              // A profile that refuses the input (too few leaves) refuses it the same way.
              expect((queued as Error).message, `${profile} ${size}`).toBe(local.message);
              continue;
            }
            if (queued instanceof Error) throw queued;
            expect(queued.rootHex, `${profile} ${size} B, ${workers} workers`).toBe(local.rootHex);
            expect(readFileSync(`${data}.queued.mtree`).equals(readFileSync(`${data}.local.mtree`)), `${profile} ${size} tree file`).toBe(true);
            expect(queued.local).toBe(size <= kSegment);
            if (!queued.local) expect(queued.jobStarts).toBe(queued.ranges);
          }
        }
        // Every range of every multi-segment build was hashed by a worker, once.
        const ids = fleet.lines.map((line) => line.job);
        expect(new Set(ids).size).toBe(ids.length);
      } finally {
        await fleet.stopAll();
      }
    }
  });

  it('builds an http:// object read with Range requests, and the CLI prints a summary per worker', async () => {
    const bytes = randomBytes(seededRandom(7), 40 * kSegment + 3);
    const server = await startRangeServer(bytes);
    const queueName = nextQueue();
    const fleet = new WorkerFleet(redis.url, ['--queue-name', queueName]);
    try {
      await fleet.resize(2);
      const local = await buildTree(bytes, { profile: 'b3tree', blockSize: kBlock, out: path.join(dir, 'http.local.mtree') });
      const out = path.join(dir, 'http.queued.mtree');
      const run = await merkleAsync(['build', server.url, '--queue', redis.url, '--queue-name', queueName, '--profile', 'b3tree', '--block-size', '1KiB', '--segment-size', '4KiB', '--range-size', '8KiB', '-o', out, '--json']);
      expect(run.stderr).toBe('');
      const summary = JSON.parse(run.stdout);
      expect(summary.root).toBe(local.rootHex);
      expect(readFileSync(out).equals(readFileSync(path.join(dir, 'http.local.mtree')))).toBe(true);
      expect(summary.ranges).toBe(21);
      const counted = Object.values(summary.workers as Record<string, { ranges: number }>).reduce((sum, w) => sum + w.ranges, 0);
      expect(counted).toBe(21);
      expect(server.requests()).toBeGreaterThanOrEqual(41);
    } finally {
      await fleet.stopAll();
      await server.close();
    }
  });

  it('survives 10 random worker SIGKILLs: stalled jobs are taken back and the root is the same', async () => {
    // A slow object store (25 ms a request) keeps the build running while workers are killed.
    const bytes = randomBytes(seededRandom(10), 96 * 8 * kBlock + 100);
    const server = await startRangeServer(bytes, { delayMs: 25 });
    const queueName = nextQueue();
    const fleet = new WorkerFleet(redis.url, ['--queue-name', queueName, '--max-stalls', '50']);
    try {
      await fleet.resize(3);
      const want = await buildTree(bytes, { blockSize: kBlock });
      const building = buildOnQueue(server.url, { queue: redis.url, queueName, blockSize: kBlock, segmentSize: 8 * kBlock, rangeSize: 16 * kBlock });
      let kills = 0;
      const random = seededRandom(99);
      while (kills < 10) {
        await new Promise((resolve) => setTimeout(resolve, 150 + Math.floor(random() * 200)));
        const live = fleet.live();
        live[Math.floor(random() * live.length)]!.kill('SIGKILL');
        kills++;
        await fleet.spawn();
      }
      const built = await building;
      expect(built.rootHex).toBe(want.rootHex);
      // Jobs were killed mid-hash and started again elsewhere.
      expect(built.jobStarts).toBeGreaterThan(built.ranges);
    } finally {
      await fleet.stopAll();
      await server.close();
    }
  });

  it('continues after the coordinator is killed: the same command finishes with the same root, no range hashed twice', async () => {
    const bytes = randomBytes(seededRandom(11), 64 * 8 * kBlock);
    const server = await startRangeServer(bytes, { delayMs: 20 });
    const queueName = nextQueue();
    const fleet = new WorkerFleet(redis.url, ['--queue-name', queueName]);
    const args = ['build', server.url, '--queue', redis.url, '--queue-name', queueName, '--block-size', '1KiB', '--segment-size', '8KiB', '--range-size', '16KiB', '--json', '-o', path.join(dir, 'rerun.mtree')];
    try {
      await fleet.resize(2);
      const local = await buildTree(bytes, { blockSize: kBlock, out: path.join(dir, 'rerun.local.mtree') });
      const first = spawn(process.execPath, [path.join(kRepoRoot, 'bin', 'merkle.cjs'), ...args], { stdio: 'ignore' });
      while (fleet.lines.length < 8) await new Promise((resolve) => setTimeout(resolve, 20));
      first.kill('SIGKILL');
      await new Promise((resolve) => first.once('exit', resolve));
      const rerun = await merkleAsync(args);
      const summary = JSON.parse(rerun.stdout);
      expect(summary.root).toBe(local.rootHex);
      expect(readFileSync(path.join(dir, 'rerun.mtree')).equals(readFileSync(path.join(dir, 'rerun.local.mtree')))).toBe(true);
      expect(summary.rangesDoneBefore).toBeGreaterThanOrEqual(8);
      expect(summary.jobStarts).toBe(summary.ranges);
      const ranges = fleet.lines.map((line) => line.range).sort((a, b) => a - b);
      expect(ranges).toEqual(Array.from({ length: summary.ranges }, (_, i) => i));
    } finally {
      await fleet.stopAll();
      await server.close();
    }
  });

  it('fails by name when the input changes after it was queued (mtime), and no tree file is written', async () => {
    const data = path.join(dir, 'changing.bin');
    writeFileSync(data, randomBytes(seededRandom(12), 20 * kSegment));
    const queueName = nextQueue();
    const out = path.join(dir, 'changing.mtree');
    const building = buildOnQueue(data, { ...kSmall, queue: redis.url, queueName, out }).catch((error: Error) => error);
    const { Queue } = bullmq();
    const queue = new Queue(queueName, { connection: { host: '127.0.0.1', port: redis.port } });
    while ((await queue.getWaitingCount()) === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    await queue.close();
    utimesSync(data, new Date(), new Date(Date.now() + 5000));
    const fleet = new WorkerFleet(redis.url, ['--queue-name', queueName]);
    try {
      await fleet.resize(1);
      const error = (await building) as Error & { code?: string };
      expect(error).toBeInstanceOf(Error);
      expect(error.code).toBe('ERR_MERKLE_QUEUE_JOB');
      expect(error.message).toMatch(/range \d+ \(job [0-9a-f]+-r\d+, bytes \d+–\d+ of .*changing\.bin\) failed: .*input changed since the build was queued/);
      expect(() => readFileSync(out)).toThrow();
    } finally {
      await fleet.stopAll();
    }
  });

  it('refuses a result for the wrong range, or whose levels do not rise to its roots', async () => {
    const data = path.join(dir, 'hostile.bin');
    writeFileSync(data, randomBytes(seededRandom(13), 12 * kSegment));
    const { Worker } = bullmq();
    for (const [tamper, pattern] of [
      [(result: Record<string, unknown>) => ({ ...result, range: (result.range as number) + 1 }), /range 0 \(job [0-9a-f]+-r0, segments 0–2, bytes 0–12288\): refused the result from [^:]+:\d+: it is for range 1/],
      [(result: Record<string, unknown>) => {
        const levels = Buffer.from(result.levels as string, 'base64');
        levels[5]! ^= 1;
        return { ...result, levels: levels.toString('base64') };
      }, /range 0 .*refused the result .*segment 0's levels do not rise to its root/],
      [(result: Record<string, unknown>) => ({ ...result, input: { size: 1, version: '0' } }), /refused the result .*another version of the input/],
    ] as const) {
      const queueName = nextQueue();
      // A worker that hashes correctly and then lies about the first range.
      const hostile = new Worker(queueName, async (job) => {
        const checked = checkRangeJob(job.id, job.data);
        if (typeof checked === 'string') throw new Error(checked);
        const result = await hashRange(checked.data, checked.span, checked.plan, { threads: 1, backend: 'auto', mmap: true });
        return checked.span.range === 0 ? tamper(result as unknown as Record<string, unknown>) : result;
      }, { connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null } });
      try {
        const error = await buildOnQueue(data, { ...kSmall, queue: redis.url, queueName, out: path.join(dir, 'hostile.mtree') }).catch((e: Error) => e);
        expect((error as { code?: string }).code).toBe('ERR_MERKLE_QUEUE_RESULT');
        expect((error as Error).message).toMatch(pattern);
        expect(() => readFileSync(path.join(dir, 'hostile.mtree'))).toThrow();
      } finally {
        await hostile.close();
      }
    }
  });

  it('fails by name when the http object is replaced during the build (ETag), and no tree file is written', async () => {
    const bytes = randomBytes(seededRandom(15), 64 * 8 * kBlock);
    const server = await startRangeServer(bytes, { delayMs: 20 });
    const queueName = nextQueue();
    const fleet = new WorkerFleet(redis.url, ['--queue-name', queueName]);
    const out = path.join(dir, 'replaced.mtree');
    try {
      await fleet.resize(1);
      const building = buildOnQueue(server.url, { queue: redis.url, queueName, blockSize: kBlock, segmentSize: 8 * kBlock, rangeSize: 16 * kBlock, out }).catch((error: Error) => error);
      while (fleet.lines.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
      const changed = new Uint8Array(bytes);
      changed[0]! ^= 1;
      server.replace(changed);
      const error = (await building) as Error & { code?: string };
      expect(error.code).toBe('ERR_MERKLE_QUEUE_JOB');
      expect(error.message).toMatch(/range \d+ \(job [0-9a-f]+-r\d+, bytes \d+–\d+ of http:\/\/127\.0\.0\.1:\d+\/object\.bin\) failed: .*the object changed since the build was queued/);
      expect(() => readFileSync(out)).toThrow();
    } finally {
      await fleet.stopAll();
      await server.close();
    }
  });

  it('a worker fails a job whose data is not a range job of this engine, and goes on working', async () => {
    const queueName = nextQueue();
    const fleet = new WorkerFleet(redis.url, ['--queue-name', queueName]);
    const { Queue } = bullmq();
    const queue = new Queue(queueName, { connection: { host: '127.0.0.1', port: redis.port } });
    try {
      await fleet.resize(1);
      const bogus = [
        { build: 'x', range: 0, spec: { version: 1 } },
        { build: '0'.repeat(24), range: -1, spec: { version: 1, input: { kind: 'file', path: '/etc/passwd', size: 1e30, mtimeNs: '1' }, profile: 'rfc9162', hash: 'sha256', blockSize: 1, segmentLevel: 0, segmentsPerRange: 1, withLevels: true } },
        'not an object',
      ];
      const jobs = await Promise.all(bogus.map((data, i) => queue.add('range', data, { jobId: `bogus-${i}` })));
      for (const job of jobs) {
        for (;;) {
          const state = await job.getState();
          if (state === 'failed') break;
          expect(state).not.toBe('completed');
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        const failed = await queue.getJob(job.id!);
        expect(failed!.failedReason).toMatch(new RegExp(`^job ${job.id} is not a range job of this engine: `));
        // UnrecoverableError: no retry could make it right.
        expect(failed!.attemptsMade).toBe(1);
      }
      // The worker is still there, waiting for real jobs.
      expect(fleet.live()).toHaveLength(1);
      const data = path.join(dir, 'after-bogus.bin');
      writeFileSync(data, randomBytes(seededRandom(16), 9 * kSegment));
      const built = await buildOnQueue(data, { ...kSmall, queue: redis.url, queueName });
      expect(built.rootHex).toBe((await buildTree(data, { blockSize: kBlock })).rootHex);
    } finally {
      await queue.close();
      await fleet.stopAll();
    }
  });

  it('says within seconds that Redis is unreachable, for the coordinator, a worker and queue status', async () => {
    const closed = `redis://127.0.0.1:${redis.port + 1 === 65536 ? 1 : redis.port + 1}`;
    for (const args of [['build', path.join(kRepoRoot, 'examples', 'hello.txt'), '--queue', closed], ['worker', '--queue', closed], ['queue', 'status', '--queue', closed]]) {
      const started = Date.now();
      const run = merkle(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(new RegExp(`^merkle: redis://127\\.0\\.0\\.1:\\d+: cannot reach Redis \\(connect ECONNREFUSED`));
      expect(Date.now() - started).toBeLessThan(5000);
    }
  });

  it('fails by name within seconds when Redis goes away mid-build', async () => {
    const lost = await startRedis();
    const data = path.join(dir, 'lost.bin');
    writeFileSync(data, randomBytes(seededRandom(14), 20 * kSegment));
    const queueName = nextQueue();
    // No workers: the build waits on the queue until Redis is gone.
    const building = buildOnQueue(data, { ...kSmall, queue: lost.url, queueName }).catch((error: Error) => error);
    const { Queue } = bullmq();
    const queue = new Queue(queueName, { connection: { host: '127.0.0.1', port: lost.port } });
    while ((await queue.getWaitingCount()) === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    await queue.close();
    const stopped = Date.now();
    await lost.stop();
    const error = (await building) as Error & { code?: string };
    expect(error.code).toBe('ERR_MERKLE_QUEUE_UNREACHABLE');
    expect(error.message).toMatch(/^redis:\/\/127\.0\.0\.1:\d+\/?: lost Redis/);
    expect(Date.now() - stopped).toBeLessThan(15_000);
  });

  it('refuses bad queue options by name', () => {
    const file = path.join(kRepoRoot, 'examples', 'hello.txt');
    expect(merkle(['build', file, '--queue', 'http://x']).stderr).toMatch(/--queue must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(merkle(['build', file, '--queue', 'redis://127.0.0.1:1', '--threads', '2']).stderr).toMatch(/--threads does not apply to a build with --queue/);
    expect(merkle(['build', file, '--queue', 'redis://127.0.0.1:1', '--queue-name', 'a:b']).stderr).toMatch(/--queue-name must be 1 to 100 letters/);
    expect(merkle(['build', file, '--range-size', '1MiB']).stderr).toMatch(/--range-size needs --queue/);
    expect(merkle(['build', '-', '--queue', 'redis://127.0.0.1:1']).stderr).toMatch(/not standard input/);
    expect(merkle(['worker']).stderr).toMatch(/needs --queue/);
  });

  it('queue status shows workers and job counts', async () => {
    const queueName = nextQueue();
    const fleet = new WorkerFleet(redis.url, ['--queue-name', queueName]);
    try {
      await fleet.resize(2);
      const run = await merkleAsync(['queue', 'status', '--queue', redis.url, '--queue-name', queueName, '--json']);
      const status = JSON.parse(run.stdout);
      expect(status.queue).toBe(queueName);
      expect(status.workers).toHaveLength(2);
      expect(status.workers[0].name).toMatch(/:\d+$/);
      expect(status.counts.waiting).toBe(0);
    } finally {
      await fleet.stopAll();
    }
  });
});

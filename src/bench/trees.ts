/**
 * Tree suite: end-to-end builds in memory and from page-cached files (block sizes × threads),
 * streaming with peak RSS, inclusion proofs per proof from memory and from a tree file, and
 * diff of two tree files with k changed blocks. Peers that build whole trees (merkletreejs,
 * b3sum) and the page-cache read rate (dd) are measured here too, on the same inputs.
 */
import { execFile } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { copyFile, open, stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildTree } from '../api/build.js';
import { diffTrees } from '../api/diff.js';
import type { HashName } from '../hash/types.js';
import { openTree } from '../api/open-tree.js';
import { proveInclusion, verifyProof, type NodeSource } from '../api/proofs.js';
import type { ProfileName } from '../tree/profile.js';
import { kDefaultSegmentSize } from '../api/options.js';
import { importPeer } from './peers.js';
import type { BenchRow, ProgressSink } from './results.js';
import { percentile, secondsNow, timeOnce } from './timing.js';

const run = promisify(execFile);

export interface TreeSuiteOptions {
  readonly workDir: string;
  /** log2 leaf counts of the in-memory builds (64-byte leaves). */
  readonly memoryLeavesLog2: readonly number[];
  /** merkletreejs stops at the first size whose build takes longer than this. */
  readonly peerTreeCapSeconds: number;
  readonly fileBytes: number;
  readonly fileBlockSizes: readonly number[];
  readonly threads: readonly number[];
  /** Repetitions of each file build (median taken). */
  readonly runs: number;
  /** Stream sizes in bytes; peak RSS is compared between the smallest and the largest. */
  readonly streamBytes: readonly number[];
  readonly proofMemoryLeavesLog2: number;
  readonly proofFileLeavesLog2: number;
  readonly proofCount: number;
  readonly diffBytes: number;
  readonly diffChanges: readonly number[];
}

interface TreeConfig {
  readonly hash: HashName;
  readonly profile: ProfileName;
}
const kFileConfigs: readonly TreeConfig[] = [
  { hash: 'sha256', profile: 'rfc9162' },
  { hash: 'blake3', profile: 'b3tree' },
];

const label = (c: TreeConfig) => `merkle-engine ${c.profile}/${c.hash}`;

/** makeDataFile writes `bytes` random bytes to `file` in 1 MiB writes. */
async function makeDataFile(file: string, bytes: number): Promise<void> {
  const handle = await open(file, 'w');
  try {
    const chunk = new Uint8Array(Math.min(bytes, 1 << 20));
    for (let done = 0; done < bytes; done += chunk.length) {
      randomFillSync(chunk);
      await handle.write(chunk, 0, Math.min(chunk.length, bytes - done));
    }
  } finally {
    await handle.close();
  }
}

/** ddReadRate reads `file` with dd (which also warms the page cache) and returns bytes/s, or why not. */
async function ddReadRate(file: string): Promise<{ bytesPerSecond: number } | { skipped: string }> {
  try {
    const start = secondsNow();
    await run('dd', [`if=${file}`, 'of=/dev/null', 'bs=1M']);
    const seconds = secondsNow() - start;
    return { bytesPerSecond: (await stat(file)).size / seconds };
  } catch (error) {
    return { skipped: `dd failed: ${(error as Error).message.split('\n')[0]}` };
  }
}

async function memoryBuilds(o: TreeSuiteOptions, progress: ProgressSink): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  let merkletreejs: { MerkleTree: new (leaves: Buffer[], fn: (d: Buffer) => Buffer, opts: object) => unknown } | undefined;
  let missing = '';
  const loaded = await importPeer('merkletreejs');
  if ('missing' in loaded) missing = loaded.missing as string;
  else merkletreejs = loaded as unknown as typeof merkletreejs;
  let peerStopped: string | undefined;
  for (const log2 of o.memoryLeavesLog2) {
    const leaves = 2 ** log2;
    const data = new Uint8Array(leaves * 64);
    randomFillSync(data);
    progress(`trees: in-memory build of 2^${log2} 64-byte leaves`);
    const seconds = await timeOnce(() => buildTree(data, { blockSize: 64, threads: 1 }), o.runs);
    rows.push({ suite: 'trees', test: 'memory-build', implementation: 'merkle-engine rfc9162/sha256', hash: 'sha256', size: 64, leaves, bytes: data.length, threads: 1, seconds, hashesPerSecond: leaves / seconds, bytesPerSecond: data.length / seconds });
    const peer = { suite: 'trees' as const, test: 'memory-build', implementation: 'merkletreejs', hash: 'sha256', size: 64, leaves };
    if (!merkletreejs) rows.push({ ...peer, skipped: missing });
    else if (peerStopped) rows.push({ ...peer, skipped: peerStopped });
    else {
      progress(`trees: merkletreejs on 2^${log2} leaves`);
      const buffers = Array.from({ length: leaves }, (_, i) => Buffer.from(data.buffer, data.byteOffset + i * 64, 64));
      const sha256 = (d: Buffer) => createHash('sha256').update(d).digest();
      const start = secondsNow();
      new merkletreejs.MerkleTree(buffers, sha256, { hashLeaves: true });
      const peerSeconds = secondsNow() - start;
      rows.push({ ...peer, bytes: data.length, threads: 1, seconds: peerSeconds, hashesPerSecond: leaves / peerSeconds, bytesPerSecond: data.length / peerSeconds });
      if (peerSeconds > o.peerTreeCapSeconds) peerStopped = `stopped after 2^${log2} leaves took ${peerSeconds.toFixed(1)} s (cap ${o.peerTreeCapSeconds} s)`;
    }
  }
  return rows;
}

async function fileBuilds(o: TreeSuiteOptions, dataFile: string, progress: ProgressSink): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const dd = await ddReadRate(dataFile);
  rows.push({ suite: 'trees', test: 'page-cache-read', implementation: 'dd bs=1M', bytes: o.fileBytes, ...('skipped' in dd ? { skipped: dd.skipped } : { bytesPerSecond: dd.bytesPerSecond }) });
  for (const config of kFileConfigs) {
    try {
      rows.push(...(await fileBuildsOf(config, o, dataFile, progress)));
    } catch (error) {
      // A configuration this build cannot run (b3tree without the BLAKE3 tree kernel) is a skipped row.
      rows.push({ suite: 'trees', test: 'file-build', implementation: label(config), hash: config.hash, bytes: o.fileBytes, skipped: (error as Error).message.split('\n')[0]! });
    }
  }
  rows.push(...(await b3sumRows(o, dataFile, progress)));
  rows.push(...(await commandRows(o, dataFile, progress)));
  return rows;
}

async function fileBuildsOf(config: TreeConfig, o: TreeSuiteOptions, dataFile: string, progress: ProgressSink): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const shapes = o.fileBlockSizes.flatMap((blockSize) => o.threads.map((threads) => ({ blockSize, threads })));
  const build = (shape: { blockSize: number; threads: number }) => buildTree(dataFile, { ...config, ...shape });
  // One build of each shape first, not counted: it starts the warm worker pool and settles
  // the page cache, as in any process that builds more than one file. Then the shapes take
  // turns, run by run, so drift in the machine's speed hits them alike: the targets compare
  // them with each other (2 threads against 1, 4 KiB blocks against 64 KiB).
  progress(`trees: ${config.profile}/${config.hash} file builds of ${o.fileBytes} bytes, ${shapes.length} shapes in turn × ${o.runs} run(s)`);
  let kernel = '';
  for (const shape of shapes) kernel = (await build(shape)).kernel;
  const seconds = shapes.map((): number[] => []);
  for (let run = 0; run < o.runs; run++) {
    for (const [i, shape] of shapes.entries()) {
      const start = secondsNow();
      await build(shape);
      seconds[i]!.push(secondsNow() - start);
    }
  }
  for (const [i, { blockSize, threads }] of shapes.entries()) {
    const median = percentile(seconds[i]!, 50);
    rows.push({ suite: 'trees', test: 'file-build', implementation: label(config), hash: config.hash, kernel, size: blockSize, threads, bytes: o.fileBytes, seconds: median, bytesPerSecond: o.fileBytes / median });
  }
  for (const blockSize of o.fileBlockSizes) {
    // One build with a tree file, for the tree-bytes / data-bytes ratio of real .mtree files.
    const out = path.join(o.workDir, `tree-${config.hash}-${blockSize}.mtree`);
    await buildTree(dataFile, { ...config, blockSize, out });
    const treeBytes = (await stat(out)).size;
    rows.push({ suite: 'overhead', test: 'tree-size', implementation: label(config), hash: config.hash, size: blockSize, bytes: o.fileBytes, extra: { treeBytes, ratio: treeBytes / o.fileBytes } });
  }
  return rows;
}

async function b3sumRows(o: TreeSuiteOptions, dataFile: string, progress: ProgressSink): Promise<BenchRow[]> {
  const base = { suite: 'trees' as const, test: 'file-build', implementation: 'b3sum', hash: 'blake3', bytes: o.fileBytes };
  try {
    await run('b3sum', ['--version']);
  } catch {
    return [{ ...base, skipped: 'b3sum is not installed (apt-get install -y b3sum)' }];
  }
  const rows: BenchRow[] = [];
  for (const threads of o.threads) {
    progress(`trees: b3sum --num-threads ${threads}`);
    const seconds = await timeOnce(() => run('b3sum', ['--num-threads', String(threads), dataFile]), o.runs);
    rows.push({ ...base, threads, seconds, bytesPerSecond: o.fileBytes / seconds });
  }
  return rows;
}

const kCli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'merkle.cjs');
// This environment without NODE_EXTRA_CA_CERTS, or undefined when it is not set.
const kWithoutCaCerts: NodeJS.ProcessEnv | undefined = process.env['NODE_EXTRA_CA_CERTS'] === undefined
  ? undefined
  : Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_EXTRA_CA_CERTS'));

/**
 * Whole commands, start-up included, the way a user runs them: `merkle build` beside
 * `b3sum` on the same page-cached file, run in turn (A B A B …) so drift hits both alike.
 * The medians of each are the rows; issue 4 states its target this way.
 *
 * When NODE_EXTRA_CA_CERTS is set, every Node process parses that certificate file before it
 * runs any code (0.036 s on this machine's CA bundle; b3sum pays nothing). Each round then
 * also runs our command with it removed from the environment, as a separate row beside the
 * one taken as the environment is.
 */
async function commandRows(o: TreeSuiteOptions, dataFile: string, progress: ProgressSink): Promise<BenchRow[]> {
  const pairs = [
    { ours: ['--hash', 'blake3', '--profile', 'classic', '--threads', '1', '--block-size', '1MiB'], threads: 1, size: 1 << 20, label: 'merkle build classic/blake3 (command)' },
    { ours: ['--profile', 'b3tree', '--threads', '2'], threads: 2, size: 65536, label: 'merkle build b3tree/blake3 (command)' },
  ];
  const rows: BenchRow[] = [];
  for (const pair of pairs) {
    const base = { suite: 'trees' as const, test: 'command', hash: 'blake3', bytes: o.fileBytes, threads: pair.threads };
    try {
      await run('b3sum', ['--version']);
    } catch {
      rows.push({ ...base, implementation: 'b3sum (command)', skipped: 'b3sum is not installed (apt-get install -y b3sum)' });
      continue;
    }
    progress(`trees: merkle build ${pair.ours.join(' ')} vs b3sum --num-threads ${pair.threads}, whole commands`);
    const ours: number[] = [];
    const oursWithoutCaCerts: number[] = [];
    const theirs: number[] = [];
    const timed = async (list: number[], file: string, args: string[], env?: NodeJS.ProcessEnv) => {
      const start = secondsNow();
      await run(file, args, env ? { env } : {});
      list.push(secondsNow() - start);
    };
    for (let i = 0; i < Math.max(3, o.runs); i++) {
      await timed(ours, process.execPath, [kCli, 'build', dataFile, ...pair.ours]);
      await timed(theirs, 'b3sum', ['--num-threads', String(pair.threads), dataFile]);
      if (kWithoutCaCerts) await timed(oursWithoutCaCerts, process.execPath, [kCli, 'build', dataFile, ...pair.ours], kWithoutCaCerts);
    }
    const oursSeconds = percentile(ours, 50);
    const theirSeconds = percentile(theirs, 50);
    rows.push({ ...base, implementation: pair.label, size: pair.size, seconds: oursSeconds, bytesPerSecond: o.fileBytes / oursSeconds, extra: { command: `merkle build FILE ${pair.ours.join(' ')}` } });
    if (kWithoutCaCerts) {
      const seconds = percentile(oursWithoutCaCerts, 50);
      rows.push({ ...base, implementation: `${pair.label.slice(0, -')'.length)}, NODE_EXTRA_CA_CERTS unset)`, size: pair.size, seconds, bytesPerSecond: o.fileBytes / seconds, extra: { command: `env -u NODE_EXTRA_CA_CERTS merkle build FILE ${pair.ours.join(' ')}` } });
    }
    rows.push({ ...base, implementation: 'b3sum (command)', seconds: theirSeconds, bytesPerSecond: o.fileBytes / theirSeconds, extra: { command: `b3sum --num-threads ${pair.threads} FILE` } });
  }
  return rows;
}

/** What stream-child.js prints last. */
interface StreamChildResult {
  readonly seconds: number;
  readonly root: string;
  readonly bytes: number;
  readonly threads: number;
  readonly kernel: string;
  readonly maxRssBytes: number;
}

const MiB = 1024 * 1024;
// By way of ../bench so that the path holds in dist/bench/ and in the CLI bundle (dist/cli/).
const kStreamChild = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'bench', 'stream-child.js');

/**
 * pipedBuild runs `PRODUCER | node stream-child.js --stdin …`: the CLI's `merkle build -` on a
 * real pipe, in a child of its own (its peak RSS is the build's). `producer` is a shell command
 * that may use "$2" for `arg`. Needs a POSIX shell.
 */
async function pipedBuild(producer: string, arg: string, threads: number): Promise<StreamChildResult> {
  return pipedChild(producer, arg, `--stdin 65536 ${threads}`);
}

/** pipedChild runs `PRODUCER | node stream-child.js MODE` (see pipedBuild). */
async function pipedChild(producer: string, arg: string, mode: string): Promise<StreamChildResult> {
  const script = `${producer} | "$0" "$1" ${mode}`;
  const { stdout } = await run('/bin/sh', ['-c', script, process.execPath, kStreamChild, arg], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as StreamChildResult;
}

/**
 * streaming measures `merkle build -` as the issue asks: generated data piped through it at
 * each stream size (peak RSS must stay flat) and at the data file's size against the file
 * builder (timed in turn), and the data file itself piped through it. The in-process rows
 * build from an async iterable that reuses one buffer (no pipe).
 */
async function streaming(o: TreeSuiteOptions, dataFile: string, progress: ProgressSink): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const threads = Math.max(...o.threads);
  const base = { suite: 'trees' as const, implementation: 'merkle-engine rfc9162/sha256', hash: 'sha256', size: 65536 };
  const config = { blockSize: 65536, threads, hash: 'sha256' as const, profile: 'rfc9162' as const };
  const firstLine = (error: unknown) => (error as Error).message.split('\n')[0];

  // The comparison: generated data piped through `merkle build -` against the file
  // builder on a file of as many bytes (the file-build data file; hashing cost does not depend
  // on the bytes), timed in turn pair by pair. `cat FILE |` pipes the file's own bytes: its
  // root must equal the file builder's, and its producer costs two more copies per byte.
  progress(`trees: dd and cat of ${o.fileBytes} bytes | merkle build -, against the file builder (${o.runs} round(s))`);
  const generatedRow = { ...base, test: 'stream-stdin-vs-file', bytes: o.fileBytes, threads };
  const sameBytesRow = { ...base, test: 'stream-stdin-file', bytes: o.fileBytes, threads };
  // The pipe's own cost, the roofline of any piped build: the same dd into the same reader, nothing hashed.
  const pipeOnlyRow = { suite: 'trees' as const, implementation: 'dd | read only (no hashing)', hash: 'none', size: kDefaultSegmentSize, test: 'stream-stdin-read-only', bytes: o.fileBytes, threads: 1 };
  try {
    if (o.fileBytes % MiB !== 0) throw new Error(`the file size must be whole MiB for dd, got ${o.fileBytes}`);
    const expected = (await buildTree(dataFile, config)).rootHex;
    const generated: StreamChildResult[] = [];
    const sameBytes: StreamChildResult[] = [];
    const pipeOnly: StreamChildResult[] = [];
    const file: number[] = [];
    const dd = `dd if=/dev/zero bs=1048576 count=${o.fileBytes / MiB} 2>/dev/null`;
    for (let i = 0; i < o.runs; i++) {
      generated.push(await pipedBuild(dd, '', threads));
      pipeOnly.push(await pipedChild(dd, '', '--read-only'));
      file.push(await timeOnce(() => buildTree(dataFile, config), 1));
      const piped = await pipedBuild('cat "$2"', dataFile, threads);
      if (piped.root !== expected) throw new Error(`the piped root ${piped.root} differs from the file builder's ${expected}`);
      sameBytes.push(piped);
    }
    const fileSeconds = percentile(file, 50);
    const paired = { fileSeconds, fileBytesPerSecond: o.fileBytes / fileSeconds, pairs: o.runs };
    for (const [row, results, producer] of [[generatedRow, generated, 'dd if=/dev/zero bs=1M'], [sameBytesRow, sameBytes, 'cat FILE']] as const) {
      const seconds = percentile(results.map((r) => r.seconds), 50);
      const last = results.at(-1)!;
      rows.push({ ...row, kernel: last.kernel, threads: last.threads, seconds, bytesPerSecond: o.fileBytes / seconds, extra: { producer, peakRssBytes: Math.max(...results.map((r) => r.maxRssBytes)), ...paired } });
    }
    if (pipeOnly.some((r) => r.bytes !== o.fileBytes)) throw new Error(`the read-only child read ${pipeOnly.map((r) => r.bytes).join(', ')} bytes, want ${o.fileBytes}`);
    const pipeSeconds = percentile(pipeOnly.map((r) => r.seconds), 50);
    rows.push({ ...pipeOnlyRow, kernel: 'none', seconds: pipeSeconds, bytesPerSecond: o.fileBytes / pipeSeconds, extra: { producer: 'dd if=/dev/zero bs=1M', ...paired } });
  } catch (error) {
    rows.push({ ...generatedRow, skipped: `piped builds failed: ${firstLine(error)}` }, { ...sameBytesRow, skipped: `piped builds failed: ${firstLine(error)}` }, { ...pipeOnlyRow, skipped: `piped builds failed: ${firstLine(error)}` });
  }

  for (const bytes of o.streamBytes) {
    progress(`trees: dd if=/dev/zero of ${bytes} bytes | merkle build - (peak RSS)`);
    const pipedRow = { ...base, test: 'stream-stdin', bytes };
    try {
      if (bytes % MiB !== 0) throw new Error(`stream sizes are whole MiB for dd, got ${bytes}`);
      const r = await pipedBuild(`dd if=/dev/zero bs=1048576 count=${bytes / MiB} 2>/dev/null`, '', threads);
      if (r.bytes !== bytes) throw new Error(`read ${r.bytes} bytes from the pipe, want ${bytes}`);
      rows.push({ ...pipedRow, kernel: r.kernel, threads: r.threads, seconds: r.seconds, bytesPerSecond: bytes / r.seconds, extra: { producer: 'dd if=/dev/zero bs=1M', peakRssBytes: r.maxRssBytes } });
    } catch (error) {
      rows.push({ ...pipedRow, skipped: `piped stream failed: ${firstLine(error)}` });
    }
  }

  for (const bytes of o.streamBytes) {
    progress(`trees: in-process stream of ${bytes} bytes from a reused buffer (child process, peak RSS)`);
    const generated = { ...base, test: 'stream-build', bytes };
    try {
      const { stdout } = await run(process.execPath, [kStreamChild, '--generate', String(bytes), '65536', String(threads)], { maxBuffer: 1 << 20 });
      const r = JSON.parse(stdout.trim().split('\n').pop()!) as StreamChildResult;
      rows.push({ ...generated, kernel: r.kernel, threads: r.threads, seconds: r.seconds, bytesPerSecond: bytes / r.seconds, extra: { producer: 'async iterable, one reused 1 MiB buffer', peakRssBytes: r.maxRssBytes } });
    } catch (error) {
      rows.push({ ...generated, skipped: `stream child failed: ${firstLine(error)}` });
    }
  }
  return rows;
}

/** timeProofs makes and verifies `count` inclusion proofs at random indices, timing each. */
async function timeProofs(source: NodeSource, count: number): Promise<{ p50: number; p99: number; proofNodes: number }> {
  const times: number[] = [];
  let proofNodes = 0;
  for (let i = 0; i < count; i++) {
    const index = Math.floor(Math.random() * source.size);
    const start = secondsNow();
    const proof = await proveInclusion(source, index);
    await verifyProof(proof);
    times.push(secondsNow() - start);
    proofNodes = proof.path.length;
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99), proofNodes };
}

async function proofs(o: TreeSuiteOptions, progress: ProgressSink): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const memLeaves = 2 ** o.proofMemoryLeavesLog2;
  progress(`trees: proofs from memory, 2^${o.proofMemoryLeavesLog2} leaves`);
  const hashes = Array.from({ length: memLeaves }, () => randomFillSync(new Uint8Array(32)));
  const inMemory = await buildTree({ leafHashes: hashes });
  const m = await timeProofs(inMemory, o.proofCount);
  rows.push({ suite: 'trees', test: 'proof-memory', implementation: 'merkle-engine rfc9162/sha256', hash: 'sha256', leaves: memLeaves, seconds: m.p50, extra: { p50Seconds: m.p50, p99Seconds: m.p99, proofs: o.proofCount, proofNodes: m.proofNodes } });

  // A tree file of 2^k leaves, made fast: 16-byte blocks of a sparse (all-zero) file, so no
  // data is written and the hashing is the tree's own; the leaf hashes of identical blocks
  // are equal, which changes nothing for proof cost (positions, not values, decide the reads).
  const fileLeaves = 2 ** o.proofFileLeavesLog2;
  const sparse = path.join(o.workDir, 'sparse.bin');
  const treeFile = path.join(o.workDir, 'proofs.mtree');
  await writeFile(sparse, '');
  await truncate(sparse, fileLeaves * 16);
  progress(`trees: making a tree file of 2^${o.proofFileLeavesLog2} leaves`);
  const start = secondsNow();
  await buildTree(sparse, { blockSize: 16, out: treeFile });
  const makeSeconds = secondsNow() - start;
  progress(`trees: proofs from the tree file`);
  const tree = await openTree(treeFile);
  try {
    const f = await timeProofs(tree, o.proofCount);
    rows.push({ suite: 'trees', test: 'proof-file', implementation: 'merkle-engine rfc9162/sha256', hash: 'sha256', leaves: fileLeaves, seconds: f.p50, extra: { p50Seconds: f.p50, p99Seconds: f.p99, proofs: o.proofCount, proofNodes: f.proofNodes, treeFileBytes: (await stat(treeFile)).size, makeSeconds } });
  } finally {
    await tree.close();
  }
  return rows;
}

async function diffs(o: TreeSuiteOptions, progress: ProgressSink): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const blockSize = 4096;
  const a = path.join(o.workDir, 'diff-a.bin');
  const b = path.join(o.workDir, 'diff-b.bin');
  await makeDataFile(a, o.diffBytes);
  const treeA = path.join(o.workDir, 'diff-a.mtree');
  await buildTree(a, { blockSize, out: treeA });
  const blocks = Math.ceil(o.diffBytes / blockSize);
  for (const k of o.diffChanges) {
    progress(`trees: diff with ${k} changed block(s)`);
    await copyFile(a, b);
    const handle = await open(b, 'r+');
    try {
      for (let i = 0; i < k; i++) {
        const block = Math.floor((i + 0.5) * (blocks / k)); // spread evenly: k distinct blocks
        // Flip every bit of one byte, so the block surely changes (a random byte may equal the old one).
        const byte = new Uint8Array(1);
        await handle.read(byte, 0, 1, block * blockSize);
        byte[0] = byte[0]! ^ 0xff;
        await handle.write(byte, 0, 1, block * blockSize);
      }
    } finally {
      await handle.close();
    }
    const treeB = path.join(o.workDir, 'diff-b.mtree');
    await buildTree(b, { blockSize, out: treeB });
    const [ta, tb] = [await openTree(treeA), await openTree(treeB)];
    try {
      let result = await diffTrees(ta, tb);
      const seconds = await timeOnce(async () => {
        result = await diffTrees(ta, tb);
      }, Math.max(3, o.runs));
      const differing = result.ranges.reduce((sum, r) => sum + r.end - r.begin, 0);
      rows.push({ suite: 'trees', test: 'diff', implementation: 'merkle-engine rfc9162/sha256', hash: 'sha256', size: blockSize, leaves: blocks, seconds, extra: { changes: k, differingLeaves: differing, nodesCompared: result.nodesCompared } });
    } finally {
      await ta.close();
      await tb.close();
    }
  }
  return rows;
}

export async function runTreeSuite(o: TreeSuiteOptions, progress: ProgressSink): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  rows.push(...(await memoryBuilds(o, progress)));
  const dataFile = path.join(o.workDir, 'data.bin');
  progress(`trees: writing a ${o.fileBytes}-byte data file`);
  await makeDataFile(dataFile, o.fileBytes);
  rows.push(...(await fileBuilds(o, dataFile, progress)));
  rows.push(...(await streaming(o, dataFile, progress)));
  rows.push(...(await proofs(o, progress)));
  rows.push(...(await diffs(o, progress)));
  return rows;
}

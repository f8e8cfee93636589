/**
 * Peer implementations timed in the same run on the same inputs: node:crypto, hash-wasm,
 * @chainsafe/hashtree, @chainsafe/as-sha256, @napi-rs/blake-hash, blake3-wasm, and the
 * `openssl speed` / `b3sum` command-line tools. npm peers are devDependencies, loaded by
 * dynamic import; one that is not installed becomes a skipped row saying so.
 */
import { execFile } from 'node:child_process';
import { createHash, hash as oneShotHash } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { randomBytes } from './kernels.js';
import type { BenchRow, ProgressSink } from './results.js';
import { timeSync, secondsNow } from './timing.js';
import { importModule } from '../import-module.js';

const run = promisify(execFile);

export interface PeerSuiteOptions {
  readonly leafSizes: readonly number[];
  readonly batchNodes: number;
  readonly budgetSeconds: number;
  /** Leaf sizes to give `openssl speed` (1 s each); [] skips it. */
  readonly opensslSizes: readonly number[];
}

/** A hash function of one peer, one message per call. */
type OneShot = (data: Uint8Array) => Uint8Array | string;
/** A peer's batched node call: hashes every 64-byte block of `input` into `output`. */
type NodeBatch = (input: Uint8Array, output: Uint8Array) => void;

interface Peer {
  readonly name: string;
  readonly hash: 'sha256' | 'blake3';
  readonly oneShot: OneShot;
  readonly nodeBatch?: NodeBatch;
}

const kBenchPackage = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'package.json');

/**
 * importPeer loads a peer from the package's own node_modules, else from bench/node_modules
 * (peers whose lock entries would break `npm ci` live in bench/package.json: `npm run bench:peers`).
 */
export async function importPeer(name: string): Promise<Record<string, unknown> | { missing: string }> {
  try {
    return await importModule(name);
  } catch (rootError) {
    try {
      const resolved = createRequire(kBenchPackage).resolve(name);
      return await importModule(pathToFileURL(resolved).href);
    } catch {
      // Not in bench/ either: report the root failure, which says what is missing.
      return { missing: `${name} is not installed (npm run bench:peers, or npm install -D ${name}): ${(rootError as Error).message.split('\n')[0]}` };
    }
  }
}

async function loadPeers(): Promise<Array<Peer | { name: string; hash: string; skipped: string }>> {
  const peers: Array<Peer | { name: string; hash: string; skipped: string }> = [];
  const sha256 = typeof oneShotHash === 'function'
    ? (data: Uint8Array) => oneShotHash('sha256', data, 'buffer') as unknown as Uint8Array
    : (data: Uint8Array) => createHash('sha256').update(data).digest();
  peers.push({ name: 'node:crypto', hash: 'sha256', oneShot: sha256 });

  const hashWasm = await importPeer('hash-wasm');
  if ('missing' in hashWasm) peers.push({ name: 'hash-wasm', hash: 'sha256', skipped: hashWasm.missing as string });
  else {
    type Hasher = { init(): Hasher; update(d: Uint8Array): Hasher; digest(f: 'binary'): Uint8Array };
    for (const [hash, factory] of [['sha256', 'createSHA256'], ['blake3', 'createBLAKE3']] as const) {
      const hasher = await (hashWasm[factory] as () => Promise<Hasher>)();
      peers.push({ name: 'hash-wasm', hash, oneShot: (d) => hasher.init().update(d).digest('binary') });
    }
  }

  const hashtree = await importPeer('@chainsafe/hashtree');
  if ('missing' in hashtree) peers.push({ name: '@chainsafe/hashtree', hash: 'sha256', skipped: hashtree.missing as string });
  else {
    const hashInto = hashtree['hashInto'] as NodeBatch;
    const out = new Uint8Array(32);
    // hashtree hashes only 64-byte pairs; its one-shot is a batch of one.
    peers.push({ name: '@chainsafe/hashtree', hash: 'sha256', oneShot: (d) => (hashInto(d, out), out), nodeBatch: hashInto });
  }

  const asSha = await importPeer('@chainsafe/as-sha256');
  if ('missing' in asSha) peers.push({ name: '@chainsafe/as-sha256', hash: 'sha256', skipped: asSha.missing as string });
  else {
    const digest = asSha['digest'] as OneShot;
    const digest64 = asSha['digest64'] as OneShot;
    peers.push({ name: '@chainsafe/as-sha256', hash: 'sha256', oneShot: (d) => (d.length === 64 ? digest64(d) : digest(d)), nodeBatch: asSha['hashInto'] as NodeBatch });
  }

  const napiBlake = await importPeer('@napi-rs/blake-hash');
  if ('missing' in napiBlake) peers.push({ name: '@napi-rs/blake-hash', hash: 'blake3', skipped: napiBlake.missing as string });
  else peers.push({ name: '@napi-rs/blake-hash', hash: 'blake3', oneShot: napiBlake['blake3'] as OneShot });

  const blake3Wasm = await importPeer('blake3-wasm');
  if ('missing' in blake3Wasm) peers.push({ name: 'blake3-wasm', hash: 'blake3', skipped: blake3Wasm.missing as string });
  else peers.push({ name: 'blake3-wasm', hash: 'blake3', oneShot: blake3Wasm['hash'] as OneShot });
  return peers;
}

export async function runPeerSuite(options: PeerSuiteOptions, progress: ProgressSink): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const peer of await loadPeers()) {
    if ('skipped' in peer) {
      rows.push({ suite: 'peers', test: 'peer', implementation: peer.name, hash: peer.hash, skipped: peer.skipped });
      continue;
    }
    progress(`peers: ${peer.name} ${peer.hash}`);
    const base = { suite: 'peers' as const, implementation: peer.name, hash: peer.hash };
    if (!peer.nodeBatch || peer.name !== '@chainsafe/hashtree') {
      for (const size of options.leafSizes) {
        const data = randomBytes(size);
        const t = timeSync(() => peer.oneShot(data), options.budgetSeconds);
        rows.push({ ...base, test: 'leaf', size, mode: 'one-per-call', bytesPerSecond: size / t.seconds, hashesPerSecond: 1 / t.seconds });
      }
    }
    const node = randomBytes(64);
    const single = timeSync(() => peer.oneShot(node), options.budgetSeconds);
    rows.push({ ...base, test: 'node64', size: 64, mode: 'one-per-call', hashesPerSecond: 1 / single.seconds, bytesPerSecond: 64 / single.seconds });
    if (peer.nodeBatch) {
      const input = randomBytes(options.batchNodes * 64);
      const output = new Uint8Array(options.batchNodes * 32);
      const batched = timeSync(() => peer.nodeBatch!(input, output), options.budgetSeconds);
      rows.push({ ...base, test: 'node64', size: 64, mode: 'batched', hashesPerSecond: options.batchNodes / batched.seconds, bytesPerSecond: (options.batchNodes * 64) / batched.seconds });
    }
  }
  rows.push(...(await opensslSpeed(options.opensslSizes, progress)));
  return rows;
}

/** Parses the last table line of `openssl speed`: numbers are in 1000s of bytes per second. */
function parseOpensslSpeed(stdout: string): number | undefined {
  const line = stdout.split('\n').reverse().find((l) => /^sha256\s/i.test(l.trim()));
  const last = line?.trim().split(/\s+/).pop();
  if (!last || !/^[\d.]+k$/.test(last)) return undefined;
  return Number(last.slice(0, -1)) * 1000;
}

async function opensslVersion(): Promise<string | undefined> {
  try {
    return (await run('openssl', ['version'])).stdout.trim();
  } catch {
    return undefined; // not installed: the caller reports it as skipped
  }
}

/** opensslSpeed runs `openssl speed -evp sha256` at each size (1 thread) and once with -multi 2 at 64 KiB. */
async function opensslSpeed(sizes: readonly number[], progress: ProgressSink): Promise<BenchRow[]> {
  if (sizes.length === 0) return [];
  const version = await opensslVersion();
  const base = { suite: 'peers' as const, implementation: 'openssl speed', hash: 'sha256' };
  if (!version) return [{ ...base, test: 'leaf', skipped: 'openssl is not installed (apt-get install openssl)' }];
  const rows: BenchRow[] = [];
  const cases: Array<{ size: number; threads: number }> = sizes.map((size) => ({ size, threads: 1 }));
  cases.push({ size: 65536, threads: 2 });
  for (const { size, threads } of cases) {
    progress(`peers: openssl speed -evp sha256 -bytes ${size}${threads > 1 ? ` -multi ${threads}` : ''}`);
    const args = ['speed', '-seconds', '1', '-evp', 'sha256', '-bytes', String(size)];
    if (threads > 1) args.splice(1, 0, '-multi', String(threads));
    const start = secondsNow();
    try {
      const { stdout } = await run('openssl', args, { maxBuffer: 1 << 20 });
      const rate = parseOpensslSpeed(stdout);
      if (rate === undefined) rows.push({ ...base, test: 'leaf', size, threads, skipped: `could not parse openssl speed output (${version})` });
      else rows.push({ ...base, test: 'leaf', size, threads, mode: 'one-per-call', bytesPerSecond: rate, hashesPerSecond: rate / size, extra: { version, wallSeconds: secondsNow() - start } });
    } catch (error) {
      rows.push({ ...base, test: 'leaf', size, threads, skipped: `openssl speed failed: ${(error as Error).message.split('\n')[0]}` });
    }
  }
  return rows;
}

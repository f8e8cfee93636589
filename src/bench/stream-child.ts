/**
 * Child process of the streaming bench, in one of two modes; prints one JSON line (the last)
 * with the build's seconds and root and this process's peak RSS. A separate process is the
 * only honest way to get a peak RSS of one build (peak RSS never goes down).
 *
 *   node stream-child.js --stdin BLOCK_SIZE THREADS
 *     runs the CLI's own `merkle build - --block-size BLOCK_SIZE --threads THREADS --json`
 *     (the same main() as bin/merkle.cjs) on this process's standard input: the bench pipes
 *     `dd if=/dev/zero` or `cat FILE` into it.
 *   node stream-child.js --read-only
 *     the pipe alone: reads standard input to its end through the same native reader as
 *     `merkle build -`, one default-sized segment buffer at a time, and hashes nothing.
 *   node stream-child.js --generate TOTAL_BYTES BLOCK_SIZE THREADS
 *     builds in-process from an async iterable that yields one reused 1 MiB buffer (its first
 *     4 bytes a counter, the rest zeros) until TOTAL_BYTES: the builder copies each chunk into
 *     its segment buffers, so reuse is safe and the source allocates nothing per chunk.
 */
import { readFileSync } from 'node:fs';
import { buildTree } from '../api/build.js';
import { main } from '../cli/main.js';
import { withOutputTo } from '../cli/output.js';
import { fdSource, isFillableSource } from '../io/fd-source.js';
import { kDefaultSegmentSize } from '../api/options.js';

const kChunkBytes = 1024 * 1024;

async function* generate(total: number): AsyncGenerator<Uint8Array> {
  const chunk = new Uint8Array(kChunkBytes);
  const view = new DataView(chunk.buffer);
  for (let made = 0, counter = 0; made < total; made += kChunkBytes) {
    view.setUint32(0, counter++);
    yield total - made >= kChunkBytes ? chunk : chunk.subarray(0, total - made);
  }
}

/**
 * peakRssBytes returns this process's own peak RSS. Linux's getrusage maxrss (Node's
 * resourceUsage().maxRSS) survives exec: a child forked from a big parent reports the parent's
 * RSS at fork time. VmHWM in /proc/self/status belongs to this process's own memory map, so it
 * starts afresh at exec; maxRSS is the fallback where /proc is absent.
 */
function peakRssBytes(): number {
  try {
    const kib = /^VmHWM:\s*(\d+)\s*kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kib !== undefined) return Number(kib) * 1024;
  } catch {
    // No /proc (not Linux): fall through to getrusage.
  }
  return process.resourceUsage().maxRSS * 1024;
}

const [mode, ...args] = process.argv.slice(2);
const started = process.hrtime.bigint();
let built: { root: string; bytes: number; threads: number; kernel: string };
if (mode === '--stdin') {
  const [blockSize, threads] = args;
  // main() prints the build's --json output; catch it to report it with the peak RSS.
  let printed = '';
  const code = await withOutputTo(
    (text) => (printed += text),
    () => main(['build', '-', '--block-size', blockSize!, '--threads', threads!, '--hash', 'sha256', '--profile', 'rfc9162', '--json', '--no-progress']),
  );
  if (code !== 0) throw new Error(`merkle build - exited ${code}: ${printed}`);
  const json = JSON.parse(printed) as { root: string; bytes: number; threads: number; kernel: string };
  built = { root: json.root, bytes: json.bytes, threads: json.threads, kernel: json.kernel };
} else if (mode === '--read-only') {
  const source = fdSource(0);
  if (!isFillableSource(source)) throw new Error('the native fd reader is not available here');
  const segment = new Uint8Array(kDefaultSegmentSize);
  let bytes = 0;
  for (;;) {
    const got = await source.fill(segment);
    bytes += got;
    if (got < segment.length) break; // fill comes back short only at the end of the input
  }
  built = { root: '', bytes, threads: 1, kernel: 'none (read only)' };
} else if (mode === '--generate') {
  const [total, blockSize, threads] = args;
  const tree = await buildTree(generate(Number(total)), { blockSize: Number(blockSize), threads: Number(threads), hash: 'sha256', profile: 'rfc9162' });
  built = { root: tree.rootHex, bytes: tree.bytes, threads: tree.threads, kernel: tree.kernel };
} else {
  throw new Error(`usage: stream-child.js --stdin BLOCK_SIZE THREADS | --read-only | --generate TOTAL_BYTES BLOCK_SIZE THREADS (got ${mode})`);
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
process.stdout.write(`${JSON.stringify({ seconds, ...built, maxRssBytes: peakRssBytes() })}\n`);

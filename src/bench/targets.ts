/**
 * The performance targets of the kernel, parallel and streaming issues, judged against the
 * peer and limit figures of the same run. A target whose inputs are missing is "not measured"
 * with the reason — never guessed.
 */
import type { BenchEnvironment } from './environment.js';
import type { BenchRow } from './results.js';

export type TargetStatus = 'met' | 'not met' | 'not measured';

export interface TargetResult {
  readonly id: string;
  readonly target: string;
  readonly status: TargetStatus;
  /** Our figure divided by the reference figure, when both were measured. */
  readonly ratio?: number;
  readonly threshold?: number;
  /** The figures compared, or why the target could not be judged. */
  readonly detail: string;
}

const MiB = 1024 * 1024;
const fmtRate = (bps: number) => `${(bps / 1e6).toFixed(0)} MB/s`;
const fmtHps = (hps: number) => `${(hps / 1e6).toFixed(2)} M/s`;

type Where = Partial<Pick<BenchRow, 'suite' | 'test' | 'implementation' | 'hash' | 'backend' | 'size' | 'mode' | 'threads'>>;

function find(rows: readonly BenchRow[], where: Where): BenchRow | undefined {
  return rows.find((r) => !r.skipped && Object.entries(where).every(([k, v]) => (r as unknown as Record<string, unknown>)[k] === v));
}

/** ourKernel is the row of the kernel `auto` dispatches to for `hash` (what a user gets). */
function ourKernel(rows: readonly BenchRow[], env: BenchEnvironment, hash: string, where: Where): BenchRow | undefined {
  const auto = env.backends.find((b) => b.hash === hash)?.auto;
  if (!auto) return undefined;
  return find(rows, { suite: 'kernels', implementation: `merkle-engine ${hash}/${auto}/dispatched`, ...where });
}

function judge(id: string, target: string, ours: number | undefined, theirs: number | undefined, threshold: number, describe: (o: number, t: number) => string, missing: string): TargetResult {
  if (ours === undefined || theirs === undefined || !(theirs > 0)) return { id, target, status: 'not measured', threshold, detail: missing };
  const ratio = ours / theirs;
  return { id, target, status: ratio >= threshold ? 'met' : 'not met', ratio, threshold, detail: describe(ours, theirs) };
}

/** evaluateTargets judges every target from one run's rows. */
export function evaluateTargets(rows: readonly BenchRow[], env: BenchEnvironment): TargetResult[] {
  const results: TargetResult[] = [];

  for (const size of [4096, 65536, MiB]) {
    const ours = ourKernel(rows, env, 'sha256', { test: 'leaf', size, mode: 'batched' })?.bytesPerSecond;
    const openssl = find(rows, { implementation: 'openssl speed', size, threads: 1 })?.bytesPerSecond;
    results.push(judge(`sha256-leaf-${size}`, `SHA-256 leaves of ${size} B ≥ 0.95× openssl speed -evp sha256 (1 thread)`, ours, openssl, 0.95,
      (o, t) => `ours ${fmtRate(o)} vs openssl ${fmtRate(t)}`, `needs our ${size}-byte leaf row and openssl speed at ${size} bytes`));
  }

  const ourNodes = ourKernel(rows, env, 'sha256', { test: 'node64', mode: 'batched' })?.hashesPerSecond;
  results.push(judge('sha256-nodes-hashtree', 'SHA-256 64-byte nodes (batched) ≥ 1.0× @chainsafe/hashtree (batched)', ourNodes,
    find(rows, { implementation: '@chainsafe/hashtree', test: 'node64', mode: 'batched' })?.hashesPerSecond, 1.0,
    (o, t) => `ours ${fmtHps(o)} vs hashtree ${fmtHps(t)}`, 'needs our node row and @chainsafe/hashtree installed'));
  results.push(judge('sha256-nodes-node-crypto', 'SHA-256 nodes (batched) ≥ 10× node:crypto one hash per call', ourNodes,
    find(rows, { implementation: 'node:crypto', test: 'node64', mode: 'one-per-call' })?.hashesPerSecond, 10,
    (o, t) => `ours ${fmtHps(o)} vs node:crypto ${fmtHps(t)}`, 'needs our node row and the node:crypto row'));

  for (const size of [65536, MiB]) {
    results.push(judge(`blake3-leaf-${size}`, `BLAKE3 leaves of ${size} B ≥ 1.0× @napi-rs/blake-hash`,
      ourKernel(rows, env, 'blake3', { test: 'leaf', size, mode: 'batched' })?.bytesPerSecond,
      find(rows, { implementation: '@napi-rs/blake-hash', test: 'leaf', size })?.bytesPerSecond, 1.0,
      (o, t) => `ours ${fmtRate(o)} vs @napi-rs/blake-hash ${fmtRate(t)}`, `needs our BLAKE3 ${size}-byte row and @napi-rs/blake-hash installed`));
  }
  results.push(judge('blake3-1k-vs-64k', 'BLAKE3 1 KiB leaves ≥ 0.8× our 64 KiB rate',
    ourKernel(rows, env, 'blake3', { test: 'leaf', size: 1024, mode: 'batched' })?.bytesPerSecond,
    ourKernel(rows, env, 'blake3', { test: 'leaf', size: 65536, mode: 'batched' })?.bytesPerSecond, 0.8,
    (o, t) => `1 KiB ${fmtRate(o)} vs 64 KiB ${fmtRate(t)}`, 'needs our BLAKE3 1 KiB and 64 KiB rows'));

  const fileRow = (hash: string, size: number, threads: number) =>
    find(rows, { test: 'file-build', implementation: `merkle-engine ${hash === 'sha256' ? 'rfc9162' : 'b3tree'}/${hash}`, size, threads });
  const file2 = fileRow('sha256', 65536, 2);
  const fileNote = file2?.bytes !== undefined && file2.bytes < 1024 * MiB ? ` (file of ${(file2.bytes / MiB).toFixed(0)} MiB, not 1 GiB: quick run)` : '';
  // openssl -multi 2 well under 2× its own 1-thread rate means the two cores were not both ours
  // while it ran: the limit it sets is then too low, and the verdict says so.
  const multi = find(rows, { implementation: 'openssl speed', size: 65536, threads: 2 })?.bytesPerSecond;
  const single = find(rows, { implementation: 'openssl speed', size: 65536, threads: 1 })?.bytesPerSecond;
  const sharedNote = multi !== undefined && single !== undefined && multi < 1.6 * single
    ? `; caution: openssl -multi 2 reached only ${(multi / single).toFixed(2)}× its 1-thread rate, so the cores were shared and this limit is understated`
    : '';
  results.push(judge('file-2t-openssl', 'SHA-256 file build, 2 threads, 64 KiB blocks ≥ 0.90× openssl speed -multi 2 -bytes 65536',
    file2?.bytesPerSecond, multi, 0.9,
    (o, t) => `ours ${fmtRate(o)} vs openssl -multi 2 ${fmtRate(t)}${fileNote}${sharedNote}`, 'needs the 2-thread file build and openssl speed -multi 2'));
  results.push(judge('file-2t-scaling', 'SHA-256 file build: 2 threads ≥ 1.8× 1 thread (64 KiB blocks)',
    file2?.bytesPerSecond, fileRow('sha256', 65536, 1)?.bytesPerSecond, 1.8,
    (o, t) => `2 threads ${fmtRate(o)} vs 1 thread ${fmtRate(t)}${fileNote}`, 'needs the 1- and 2-thread file builds'));
  const b3 = fileRow('blake3', 65536, 2);
  const b3sum = find(rows, { implementation: 'b3sum', threads: 2 });
  results.push(judge('b3tree-b3sum', 'b3tree file build, 2 threads, wall time ≤ b3sum --num-threads 2',
    b3sum?.seconds, b3?.seconds, 1.0, (o, t) => `b3sum ${o.toFixed(3)} s vs ours ${t.toFixed(3)} s (ratio = b3sum time / our time)`,
    'needs the b3tree 2-thread build and b3sum'));
  const command = (implementation: string, threads: number) => find(rows, { test: 'command', implementation, threads });
  const b3tree2 = command('merkle build b3tree/blake3 (command)', 2);
  results.push(judge('b3tree-b3sum-command', 'merkle build --profile b3tree --threads 2, whole command (start-up included) ≤ b3sum --num-threads 2',
    command('b3sum (command)', 2)?.seconds, b3tree2?.seconds, 1.0,
    (o, t) => `b3sum ${o.toFixed(3)} s vs merkle build ${t.toFixed(3)} s (ratio = b3sum time / our time)`, 'needs b3sum and the command rows'));
  // Judged as the environment is; the run without NODE_EXTRA_CA_CERTS (see trees.ts) is shown beside it.
  const classicBare = command('merkle build classic/blake3 (command, NODE_EXTRA_CA_CERTS unset)', 1);
  results.push(judge('blake3-classic-b3sum-command', 'merkle build --hash blake3 --profile classic --threads 1 --block-size 1MiB ≤ 1.1× b3sum --num-threads 1 (whole commands)',
    command('b3sum (command)', 1)?.seconds, command('merkle build classic/blake3 (command)', 1)?.seconds, 1 / 1.1,
    (o, t) => `b3sum ${o.toFixed(3)} s vs merkle build ${t.toFixed(3)} s (ratio = b3sum time / our time; ≥ 0.909 means within 1.1×)${classicBare ? `; with NODE_EXTRA_CA_CERTS unset, merkle build ${classicBare.seconds!.toFixed(3)} s (ratio ${(o / classicBare.seconds!).toFixed(3)})` : ''}`,
    'needs b3sum and the command rows'));
  results.push(judge('blocks-4k-vs-64k', 'SHA-256 file build with 4 KiB blocks ≥ 0.85× the 64 KiB rate (2 threads)',
    fileRow('sha256', 4096, 2)?.bytesPerSecond, file2?.bytesPerSecond, 0.85,
    (o, t) => `4 KiB ${fmtRate(o)} vs 64 KiB ${fmtRate(t)}`, 'needs 4 KiB and 64 KiB 2-thread file builds'));

  // Streaming targets are judged on `merkle build -` reading a real pipe (see trees.ts streaming).
  const piped = rows.filter((r) => r.test === 'stream-stdin' && !r.skipped).sort((a, b) => a.bytes! - b.bytes!);
  const inProcess = rows.filter((r) => r.test === 'stream-build' && !r.skipped).sort((a, b) => a.bytes! - b.bytes!);
  const sameBytes = rows.find((r) => r.test === 'stream-stdin-file' && !r.skipped);
  const generatedVsFile = rows.find((r) => r.test === 'stream-stdin-vs-file' && !r.skipped);
  const rss = (r: BenchRow) => r.extra!['peakRssBytes'] as number;
  const mib = (bytes: number) => `${(bytes / MiB).toFixed(0)} MiB`;
  if (piped.length === 0) results.push({ id: 'stream-rss', target: 'streaming peak RSS ≤ 200 MiB', status: 'not measured', detail: 'no piped stream build ran' });
  else {
    const peak = Math.max(...piped.map(rss), ...(sameBytes ? [rss(sameBytes)] : []));
    results.push({ id: 'stream-rss', target: 'streaming peak RSS ≤ 200 MiB', status: peak <= 200 * MiB ? 'met' : 'not met', ratio: peak / (200 * MiB), threshold: 1,
      detail: `peak ${mib(peak)} over dd | merkle build - of ${piped.map((s) => `${mib(s.bytes!)} (${mib(rss(s))})`).join(', ')}${sameBytes ? `; cat FILE | merkle build -: ${mib(rss(sameBytes))}` : ''}${inProcess.length ? `; in-process streams: ${inProcess.map((s) => `${mib(s.bytes!)} (${mib(rss(s))})`).join(', ')}` : ''}` });
  }
  if (piped.length < 2) results.push({ id: 'stream-flat', target: 'streaming peak RSS flat (largest stream within 10 % of the smallest)', status: 'not measured', detail: 'needs two piped stream sizes' });
  else {
    const growth = rss(piped.at(-1)!) / rss(piped[0]!);
    results.push({ id: 'stream-flat', target: 'streaming peak RSS flat (largest stream within 10 % of the smallest)', status: growth <= 1.1 ? 'met' : 'not met', ratio: growth, threshold: 1.1,
      detail: `dd | merkle build - of ${mib(piped[0]!.bytes!)} → ${mib(piped.at(-1)!.bytes!)}: ${mib(rss(piped[0]!))} → ${mib(rss(piped.at(-1)!))} (lower ratio is better)` });
  }
  const pairedFile = generatedVsFile?.extra?.['fileBytesPerSecond'] as number | undefined;
  const pipeOnly = rows.find((r) => r.test === 'stream-stdin-read-only' && !r.skipped);
  const pipeNote = pipeOnly && pairedFile ? `; the pipe alone (the same dd into the same reader, nothing hashed): ${fmtRate(pipeOnly.bytesPerSecond!)}, ${(pipeOnly.bytesPerSecond! / pairedFile).toFixed(2)}× the file builder` : '';
  const catNote = sameBytes && pairedFile ? `; cat FILE | merkle build - (the file's own bytes, root checked): ${fmtRate(sameBytes.bytesPerSecond!)}, ${(sameBytes.bytesPerSecond! / pairedFile!).toFixed(2)}×` : '';
  results.push(judge('stream-vs-file', 'streaming throughput ≥ 0.8× the file builder (64 KiB blocks, same threads)',
    generatedVsFile?.bytesPerSecond, pairedFile, 0.8,
    (o, t) => `dd if=/dev/zero | merkle build - ${fmtRate(o)} vs the file builder ${fmtRate(t)} on ${mib(generatedVsFile!.bytes!)} (${generatedVsFile!.threads} threads, medians of ${generatedVsFile!.extra!['pairs']} round(s) run in turn)${pipeNote}${catNote}`,
    'needs the piped build at the file size (stream-stdin-vs-file)'));

  const proofFile = rows.find((r) => r.test === 'proof-file' && !r.skipped);
  if (!proofFile) results.push({ id: 'proof-file-p50', target: 'inclusion proof from a tree file (make + verify), p50 ≤ 1 ms', status: 'not measured', detail: 'the tree-file proof bench did not run' });
  else {
    const p50 = proofFile.extra!['p50Seconds'] as number;
    results.push({ id: 'proof-file-p50', target: 'inclusion proof from a tree file (make + verify), p50 ≤ 1 ms', status: p50 <= 0.001 ? 'met' : 'not met', ratio: 0.001 / p50, threshold: 1,
      detail: `p50 ${(p50 * 1e3).toFixed(3)} ms at 2^${Math.log2(proofFile.leaves!)} leaves (ratio = 1 ms / p50)` });
  }

  const wasmNodes = rows.filter((r) => r.suite === 'kernels' && r.backend === 'wasm' && r.hash === 'sha256' && r.test === 'node64' && r.mode === 'batched' && !r.skipped);
  const bestWasm = wasmNodes.length ? Math.max(...wasmNodes.map((r) => r.hashesPerSecond!)) : undefined;
  const bestWasmName = wasmNodes.find((r) => r.hashesPerSecond === bestWasm)?.implementation ?? '';
  results.push(judge('wasm-nodes-as-sha256', 'WASM SHA-256 nodes ≥ 3× @chainsafe/as-sha256 (batched hashInto)', bestWasm,
    find(rows, { implementation: '@chainsafe/as-sha256', test: 'node64', mode: 'batched' })?.hashesPerSecond, 3,
    (o, t) => `${bestWasmName} ${fmtHps(o)} vs as-sha256 ${fmtHps(t)}`, 'needs a WASM SHA-256 node row and @chainsafe/as-sha256 installed'));
  results.push(judge('wasm-nodes-hash-wasm', 'WASM SHA-256 nodes ≥ 3× hash-wasm (one node per call: it has no batch call)', bestWasm,
    find(rows, { implementation: 'hash-wasm', hash: 'sha256', test: 'node64', mode: 'one-per-call' })?.hashesPerSecond, 3,
    (o, t) => `${bestWasmName} ${fmtHps(o)} vs hash-wasm ${fmtHps(t)}`, 'needs a WASM SHA-256 node row and hash-wasm'));
  return results;
}

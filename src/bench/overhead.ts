/**
 * Overhead ratios derived from rows of the same run: build time over the time the raw leaf
 * hashing alone takes (1 thread, same block size, same kernel as `auto`), and the builder's
 * read rate against the page-cache read rate measured with dd (a roofline).
 */
import type { BenchEnvironment } from './environment.js';
import type { BenchRow } from './results.js';

export function deriveOverhead(rows: readonly BenchRow[], env: BenchEnvironment): BenchRow[] {
  const derived: BenchRow[] = [];
  const dd = rows.find((r) => r.test === 'page-cache-read' && !r.skipped)?.bytesPerSecond;
  for (const build of rows.filter((r) => r.test === 'file-build' && r.implementation.startsWith('merkle-engine') && !r.skipped)) {
    const auto = env.backends.find((b) => b.hash === build.hash)?.auto;
    const raw = rows.find((r) => r.suite === 'kernels' && r.implementation === `merkle-engine ${build.hash}/${auto}/dispatched` && r.test === 'leaf' && r.size === build.size && r.mode === 'batched' && !r.skipped);
    const base = { suite: 'overhead' as const, implementation: build.implementation, hash: build.hash, size: build.size, threads: build.threads, bytes: build.bytes };
    if (build.threads === 1) {
      derived.push(raw
        ? { ...base, test: 'build-vs-raw-hash', extra: { ratio: raw.bytesPerSecond! / build.bytesPerSecond!, buildBytesPerSecond: build.bytesPerSecond!, rawBytesPerSecond: raw.bytesPerSecond! } }
        : { ...base, test: 'build-vs-raw-hash', skipped: `no ${build.size}-byte leaf row for the ${build.hash} kernel auto picks` });
    }
    derived.push(dd
      ? { ...base, test: 'roofline', extra: { ratio: build.bytesPerSecond! / dd, buildBytesPerSecond: build.bytesPerSecond!, pageCacheBytesPerSecond: dd } }
      : { ...base, test: 'roofline', skipped: 'the page-cache read rate (dd) was not measured' });
  }
  return derived;
}

/**
 * The timing loop of `merkle bench`. Written here rather than taken from tinybench so that the
 * CLI's runtime has no dependency beyond the library's own: it needs only "median seconds per
 * call under a time budget", which is a few lines. (`npm run bench` cross-checks the kernel rows
 * with tinybench, a devDependency, in bench/kernels.tinybench.mjs.)
 */

/** One measured operation: the median over samples of seconds per call. */
export interface Timing {
  /** Median seconds per call. */
  readonly seconds: number;
  /** Calls per second at the median. */
  readonly perSecond: number;
  /** Samples taken, each a run of `callsPerSample` calls. */
  readonly samples: number;
  readonly callsPerSample: number;
}

const now = (): number => Number(process.hrtime.bigint()) / 1e9;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Fewer samples than this and a median says little; more only when the budget allows. */
const kMinSamples = 5;
const kMaxSamples = 100_000;
/**
 * Target length of one sample. Short samples (well above hrtime's resolution) let the median
 * drop the ones a preempting process landed in; long ones would average the preemption in.
 */
const kSampleSeconds = 0.0005;

/**
 * timeSync calls `fn` repeatedly for about `budgetSeconds` (at least kMinSamples samples) and
 * returns the median seconds per call. Each sample runs enough calls to last about
 * kSampleSeconds, so timer resolution and loop overhead vanish for fast calls.
 */
export function timeSync(fn: () => void, budgetSeconds: number): Timing {
  // Warm up (JIT, caches, lazily built tables) for a tenth of the budget, at least 3 calls;
  // the warm-up calls also give the estimate of one call that sizes the samples.
  let start = now();
  let warmCalls = 0;
  do {
    fn();
    warmCalls++;
  } while (warmCalls < 3 || now() - start < budgetSeconds / 10);
  const estimate = Math.max((now() - start) / warmCalls, 1e-9);
  const callsPerSample = Math.max(1, Math.round(kSampleSeconds / estimate));
  const perCall: number[] = [];
  const deadline = now() + budgetSeconds;
  while (perCall.length < kMinSamples || now() < deadline) {
    start = now();
    for (let i = 0; i < callsPerSample; i++) fn();
    perCall.push((now() - start) / callsPerSample);
    if (perCall.length >= kMaxSamples) break;
  }
  const seconds = median(perCall);
  return { seconds, perSecond: 1 / seconds, samples: perCall.length, callsPerSample };
}

/** timeOnce runs `fn` `runs` times and returns the median wall seconds (for long operations such as file builds). */
export async function timeOnce(fn: () => Promise<unknown>, runs: number): Promise<number> {
  const seconds: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = now();
    await fn();
    seconds.push(now() - start);
  }
  return median(seconds);
}

/** percentile returns the p-th percentile (0..100) of `values` by nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export { now as secondsNow };

/**
 * Builds across machines: `merkle worker` (takes range jobs from a queue and hashes them) and
 * `merkle queue status` (what a queue holds now). The coordinator is `merkle build INPUT
 * --queue URL` (commands.ts). Parses, calls src/distributed/, prints.
 */
import type { Command } from './commands.js';
import { InputError } from '../errors.js';
import { kBackendNames, type BackendChoice } from '../hash/types.js';
import { EXIT_OK } from './exit.js';
import { mappingChoice } from './mapping-flags.js';
import { writeOut } from './output.js';

type Values = Record<string, string | boolean | undefined>;
const str = (values: Values, key: string): string | undefined => values[key] as string | undefined;

function wholeNumber(values: Values, key: string): number | undefined {
  const text = str(values, key);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) throw new InputError(`--${key} must be a whole number of at least 1, got ${JSON.stringify(text)}`);
  return n;
}

function seconds(values: Values, key: string): number | undefined {
  const text = str(values, key);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InputError(`--${key} must be a number of seconds above 0, got ${JSON.stringify(text)}`);
  return n;
}

const worker: Command = {
  name: 'worker',
  summary: 'take range jobs of queued builds from Redis and hash them',
  positionals: [0, 0],
  options: {
    queue: { type: 'string' },
    'queue-name': { type: 'string' },
    threads: { type: 'string' },
    concurrency: { type: 'string' },
    backend: { type: 'string' },
    mmap: { type: 'boolean' },
    'no-mmap': { type: 'boolean' },
    'lock-seconds': { type: 'string' },
    'max-stalls': { type: 'string' },
    json: { type: 'boolean' },
  },
  help: `Usage: merkle worker --queue redis://HOST:PORT [options]

Takes range jobs of builds queued with 'merkle build INPUT --queue URL' (docs/distributed.md),
reads each range of INPUT (a path this machine can read, or the http(s) URL), hashes it and
returns its levels. Runs any number of times, on any machine, until SIGINT or SIGTERM (jobs in
hand are finished first). A worker that dies mid-job has its job taken back by the others.

  --queue URL          redis:// or rediss:// URL of the queue (required)
  --queue-name N       the queue to work (default merkle)
  --threads N          hashing threads per job, for file inputs (default 1)
  --concurrency N      jobs hashed at once (default 1)
  --backend B          auto | ${kBackendNames.join(' | ')} (default auto)
  --mmap, --no-mmap    always map file ranges, or always read them with read(2) (default:
                       map a window only where a probe finds mapping cheaper than reading)
  --lock-seconds S     a dead worker's job is taken back after about S seconds (default 30)
  --max-stalls N       times a job may be taken back from dead workers before it fails (default 5)
  --json               print one JSON line per job (job, build, range, segments, bytes,
                       seconds, error) and a summary line at the end
`,
  async run(values) {
    const queue = str(values, 'queue');
    if (queue === undefined) throw new InputError('merkle worker needs --queue redis://HOST:PORT');
    const backend = str(values, 'backend');
    if (backend !== undefined && !['auto', ...kBackendNames].includes(backend)) {
      throw new InputError(`--backend must be one of auto, ${kBackendNames.join(', ')}, got ${JSON.stringify(backend)}`);
    }
    const { runQueueWorker } = await import('../distributed/worker.js');
    const abort = new AbortController();
    const stop = () => abort.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      const summary = await runQueueWorker({
        queue,
        queueName: str(values, 'queue-name'),
        threads: wholeNumber(values, 'threads'),
        concurrency: wholeNumber(values, 'concurrency'),
        backend: backend as BackendChoice | undefined,
        mmap: mappingChoice(values),
        lockSeconds: seconds(values, 'lock-seconds'),
        maxStalls: wholeNumber(values, 'max-stalls'),
        signal: abort.signal,
        onReady: () => process.stderr.write(`merkle worker: waiting for jobs on ${queue} (${str(values, 'queue-name') ?? 'merkle'})\n`),
        onJob: (report) => {
          if (values.json) writeOut(`${JSON.stringify(report)}\n`);
          else if (report.error) process.stderr.write(`merkle worker: ${report.error}\n`);
        },
      });
      if (values.json) writeOut(`${JSON.stringify({ summary })}\n`);
      else process.stderr.write(`merkle worker: ${summary.jobs} jobs done, ${summary.failed} failed\n`);
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    return EXIT_OK;
  },
};

const status: Command = {
  name: 'status',
  summary: 'show a queue: job counts, workers, ranges being hashed, recent failures',
  positionals: [0, 0],
  options: { queue: { type: 'string' }, 'queue-name': { type: 'string' }, json: { type: 'boolean' } },
  help: `Usage: merkle queue status --queue redis://HOST:PORT [--queue-name N] [--json]

Shows what the queue of 'merkle build --queue' and 'merkle worker' holds now: its range jobs by
state, the workers connected, the ranges being hashed (build, range, worker, for how long) and
the last failures with their reasons.
`,
  async run(values) {
    const queue = str(values, 'queue');
    if (queue === undefined) throw new InputError('merkle queue status needs --queue redis://HOST:PORT');
    const { queueStatus } = await import('../distributed/status.js');
    const report = await queueStatus(queue, str(values, 'queue-name'));
    if (values.json) {
      writeOut(`${JSON.stringify(report, null, 2)}\n`);
      return EXIT_OK;
    }
    const c = report.counts;
    writeOut(`queue ${report.queue}: ${c.waiting ?? 0} waiting, ${c.active ?? 0} active, ${c.completed ?? 0} completed, ${c.failed ?? 0} failed, ${c.delayed ?? 0} delayed (retries)\n`);
    writeOut(`workers: ${report.workers.length}${report.workers.map((w) => `\n  ${w.name || '(unnamed)'} ${w.address}, idle ${w.idleSeconds} s`).join('')}\n`);
    for (const a of report.active) writeOut(`active: build ${a.build} range ${a.range} on ${a.worker || '?'} for ${a.seconds.toFixed(1)} s\n`);
    for (const f of report.failed) writeOut(`failed: ${f.job}: ${f.reason}\n`);
    return EXIT_OK;
  },
};

const queue: Command = {
  name: 'queue',
  summary: 'inspect the queue of builds across machines (queue status)',
  positionals: [0, 0],
  options: {},
  help: `Usage: merkle queue status --queue redis://HOST:PORT [--queue-name N] [--json]
`,
  subcommands: { status },
  async run() {
    writeOut(queue.help);
    return EXIT_OK;
  },
};

export const kQueueCommands: Record<string, Command> = { worker, queue };

/** What a queue holds now, for `merkle queue status`: job counts, connected workers, the ranges being hashed and recent failures. */
import { bullmq } from './bullmq.js';
import { checkReachable, connectionOptions, parseQueueName, parseRedisUrl } from './connection.js';

export interface QueueStatus {
  readonly queue: string;
  readonly counts: Record<string, number>;
  readonly workers: ReadonlyArray<{ readonly name: string; readonly address: string; readonly idleSeconds: number }>;
  /** Range jobs being hashed: which build, range and worker, for how long. */
  readonly active: ReadonlyArray<{ readonly job: string; readonly build: string; readonly range: number; readonly worker: string; readonly seconds: number }>;
  readonly failed: ReadonlyArray<{ readonly job: string; readonly reason: string }>;
}

const kListed = 100;

/** workerName is a connected worker's own name (host:pid): BullMQ names its connection `bull:QUEUE:w:NAME` and reports the queue's name as `name`. */
export function workerName(client: { rawname?: string; name?: string; id?: string }): string {
  const raw = client.rawname ?? '';
  const at = raw.indexOf(':w:');
  return at >= 0 ? raw.slice(at + 3) : (client.id ?? client.name ?? '?');
}

export async function queueStatus(queue: string, queueName?: string): Promise<QueueStatus> {
  const target = parseRedisUrl(queue);
  const name = parseQueueName(queueName);
  await checkReachable(target, name);
  const { Queue } = bullmq();
  const q = new Queue(name, { connection: connectionOptions(target, false) });
  q.on('error', () => undefined);
  try {
    const [counts, workers, active, failed] = await Promise.all([
      q.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized', 'waiting-children'),
      q.getWorkers(),
      q.getActive(0, kListed - 1),
      q.getFailed(0, 9),
    ]);
    const now = Date.now();
    return {
      queue: name,
      counts,
      workers: workers.map((w) => ({ name: workerName(w), address: String(w.addr ?? ''), idleSeconds: Number(w.idle ?? 0) })),
      active: active.map((job) => ({
        job: String(job.id),
        build: String((job.data as { build?: unknown })?.build ?? ''),
        range: Number((job.data as { range?: unknown })?.range),
        worker: String(job.processedBy ?? ''),
        seconds: job.processedOn ? (now - job.processedOn) / 1000 : 0,
      })),
      failed: failed.map((job) => ({ job: String(job.id), reason: String(job.failedReason ?? '') })),
    };
  } finally {
    await q.close().catch(() => undefined);
  }
}

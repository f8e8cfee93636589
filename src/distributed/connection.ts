/**
 * Where the queue is: a `redis://` or `rediss://` URL, checked once at the edge, and a first
 * connection that fails fast. ioredis retries a lost connection for ever by default, which is
 * right for a worker that should ride out a Redis restart, and wrong for a command whose Redis
 * was never there: so every command first connects once with no retries and a short timeout,
 * and reports an unreachable Redis by URL within seconds.
 */
import type { RedisOptions } from 'bullmq';
import { InputError, QueueError } from '../errors.js';
import { bullmq } from './bullmq.js';

export interface RedisTarget {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly tls: boolean;
  readonly username?: string;
  readonly password?: string;
  /** The URL as shown in messages: without its password. */
  readonly display: string;
}

/** The default queue name (`--queue-name`). */
export const kDefaultQueueName = 'merkle';

/** How long the first connection may take before the command fails. */
export const kConnectTimeoutMs = 3000;

/** parseRedisUrl checks `text` (the value of `option`) is redis://[user:password@]host[:port][/db]. */
export function parseRedisUrl(text: string, option = '--queue'): RedisTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InputError(`${option} must be a redis://HOST:PORT URL, got ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new InputError(`${option} must be a redis:// or rediss:// URL, got ${JSON.stringify(text)}`);
  }
  if (url.hostname === '') throw new InputError(`${option} ${JSON.stringify(text)} names no host`);
  const port = url.port === '' ? 6379 : Number(url.port);
  const dbText = url.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!/^\d*$/.test(dbText) || !Number.isSafeInteger(db) || db > 65535) {
    throw new InputError(`${option} ${JSON.stringify(text)}: the path must be a database number, got ${JSON.stringify(url.pathname)}`);
  }
  if (url.search !== '' || url.hash !== '') throw new InputError(`${option} ${JSON.stringify(text)}: no query or fragment is allowed`);
  const shown = new URL(text);
  shown.password = '';
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    db,
    tls: url.protocol === 'rediss:',
    username: url.username === '' ? undefined : decodeURIComponent(url.username),
    password: url.password === '' ? undefined : decodeURIComponent(url.password),
    display: shown.toString(),
  };
}

/** parseQueueName checks a `--queue-name`: BullMQ keys are `bull:NAME:…`, so no colon. */
export function parseQueueName(text: string | undefined, option = '--queue-name'): string {
  const name = text ?? kDefaultQueueName;
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(name)) {
    throw new InputError(`${option} must be 1 to 100 letters, digits, '_', '.' or '-', got ${JSON.stringify(name)}`);
  }
  return name;
}

/** connectionOptions are ioredis options for `target`; `blocking` ones never give up on a command (BullMQ workers need that). */
export function connectionOptions(target: RedisTarget, blocking: boolean): RedisOptions {
  return {
    host: target.host,
    port: target.port,
    db: target.db,
    username: target.username,
    password: target.password,
    tls: target.tls ? {} : undefined,
    connectTimeout: kConnectTimeoutMs,
    // ioredis waits this long for a socket that never connected to close before it destroys
    // it, and that timer keeps the process alive (2 s by default).
    disconnectTimeout: 200,
    // A command issued while the connection is down fails after a few reconnects instead of
    // waiting for ever: the coordinator and `queue status` then report it. Workers wait.
    maxRetriesPerRequest: blocking ? null : 3,
  };
}

/** checkReachable connects to `target` once, with no retries, and PINGs it; QueueError naming the URL if that fails. */
export async function checkReachable(target: RedisTarget, queueName: string): Promise<void> {
  const { Queue } = bullmq();
  // The queue about to be used: a probe of another name would leave its own key behind.
  const probe = new Queue(queueName, {
    connection: { ...connectionOptions(target, false), retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false },
  });
  let firstError: unknown;
  probe.on('error', (error) => (firstError ??= error));
  const timeout = new Promise<never>((_, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${kConnectTimeoutMs} ms`)), kConnectTimeoutMs + 500);
    timer.unref();
  });
  try {
    await Promise.race([(async () => {
      await probe.waitUntilReady();
      // BullMQ's client type is a union over the Redis clients it supports; this one is ioredis.
      await ((await probe.client) as unknown as { ping(): Promise<string> }).ping();
    })(), timeout]);
  } catch (error) {
    const why = (firstError ?? error) as Error;
    throw new QueueError('ERR_MERKLE_QUEUE_UNREACHABLE', `${target.display}: cannot reach Redis (${why.message})`, { cause: why });
  } finally {
    await probe.close().catch(() => undefined);
  }
}

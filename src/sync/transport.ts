/**
 * The client's side of the wire: one keep-alive connection to the peer, every answer read
 * against a length it must have (or a cap), every request under an idle and a total deadline,
 * and every byte on the socket counted.
 */
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { ROOT_HEADER } from './protocol.js';
import { IncompatibleTreesError, SyncProtocolError, SyncRemoteError, SyncRootChangedError, SyncTimeoutError } from '../errors.js';

/** Error bodies are short JSON; more than this is not read. */
const kMaxErrorBytes = 64 * 1024;

/** How a client reaches a peer that wants TLS with a private CA, or a token. */
export interface PeerAccess {
  /** PEM certificate(s) of the authorities an https:// peer's certificate must chain to (default: the system's). */
  readonly ca?: string | Uint8Array;
  /** Sent as `Authorization: Bearer TOKEN` on every request; never printed. */
  readonly token?: string;
}

export interface PeerOptions extends PeerAccess {
  /** Milliseconds without a byte moving before a request is abandoned. */
  readonly idleTimeoutMs: number;
  /** Milliseconds a whole request may take. */
  readonly totalTimeoutMs: number;
  readonly signal?: AbortSignal;
}

/** What an answer must look like: exactly `exact` bytes, or at most `max`. */
export type Expect = { readonly exact: number } | { readonly max: number };

export class Peer {
  /** Requests sent: each is one round trip. */
  roundTrips = 0;
  /** Bytes of request and response bodies. */
  payloadBytes = 0;
  /** Root every answer must carry once known (hex, storage order). */
  expectedRoot: string | undefined;
  /** The root header of the last successful answer. */
  lastRoot: string | undefined;
  private readonly agent: Agent;
  private readonly request: typeof httpRequest;
  private readonly sockets = new Set<Socket>();
  private readonly base: URL;

  constructor(
    baseUrl: string,
    private readonly options: PeerOptions,
  ) {
    let base: URL;
    try {
      base = new URL(baseUrl);
    } catch (error) {
      throw new SyncRemoteError(`not a URL: ${JSON.stringify(baseUrl)}`, { cause: error });
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new SyncRemoteError(`only http:// and https:// peers are supported, got ${base.protocol}`);
    if (options.ca !== undefined && base.protocol !== 'https:') throw new SyncRemoteError(`a CA certificate is for https:// peers; ${base.origin} is plain http`);
    this.base = base;
    if (base.protocol === 'https:') {
      this.agent = new HttpsAgent({ keepAlive: true, maxSockets: 1, ...(options.ca === undefined ? {} : { ca: Buffer.from(options.ca) }) });
      this.request = httpsRequest as unknown as typeof httpRequest;
    } else {
      this.agent = new Agent({ keepAlive: true, maxSockets: 1 });
      this.request = httpRequest;
    }
  }

  /** Bytes that crossed the wire in both directions, headers included. */
  get wireBytes(): number {
    let total = 0;
    for (const socket of this.sockets) total += socket.bytesRead + socket.bytesWritten;
    return total;
  }

  get(path: string, expect: Expect): Promise<Buffer> {
    return this.send('GET', path, undefined, expect);
  }

  post(path: string, body: unknown, expect: Expect): Promise<Buffer> {
    return this.send('POST', path, Buffer.from(JSON.stringify(body)), expect);
  }

  /** postBytes sends a binary request body. */
  postBytes(path: string, body: Buffer, expect: Expect): Promise<Buffer> {
    return this.send('POST', path, body, expect, 'application/octet-stream');
  }

  close(): void {
    this.agent.destroy();
  }

  private send(method: string, path: string, body: Buffer | undefined, expect: Expect, type = 'application/json'): Promise<Buffer> {
    const url = new URL(path, this.base);
    const what = `${method} ${url.pathname}`;
    this.roundTrips++;
    this.payloadBytes += body?.length ?? 0;
    return new Promise<Buffer>((resolve, reject) => {
      let settled = false;
      const finish = (error: Error | undefined, value?: Buffer) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        this.options.signal?.removeEventListener('abort', onAbort);
        if (error) {
          req.destroy();
          reject(error);
        } else {
          resolve(value!);
        }
      };
      const onAbort = () => finish(this.options.signal!.reason instanceof Error ? this.options.signal!.reason : new SyncRemoteError('sync aborted'));
      const deadline = setTimeout(() => finish(new SyncTimeoutError(`${what}: no complete answer within ${this.options.totalTimeoutMs} ms`)), this.options.totalTimeoutMs);
      const headers: Record<string, string | number> = body ? { 'content-type': type, 'content-length': body.length } : {};
      if (this.options.token !== undefined) headers.authorization = `Bearer ${this.options.token}`;
      const req = this.request(url, { method, agent: this.agent, headers });
      req.on('socket', (socket: Socket) => this.sockets.add(socket));
      req.setTimeout(this.options.idleTimeoutMs, () => finish(new SyncTimeoutError(`${what}: peer silent for ${this.options.idleTimeoutMs} ms`)));
      req.on('error', (error) => finish(new SyncRemoteError(`${what}: ${error.message}`, { cause: error })));
      req.on('response', (res) => this.receive(res, what, expect, finish));
      if (this.options.signal?.aborted) return onAbort();
      this.options.signal?.addEventListener('abort', onAbort, { once: true });
      req.end(body);
    });
  }

  private receive(res: IncomingMessage, what: string, expect: Expect, finish: (error: Error | undefined, value?: Buffer) => void): void {
    const status = res.statusCode ?? 0;
    const max = status !== 200 ? kMaxErrorBytes : 'exact' in expect ? expect.exact : expect.max;
    const declaredText = res.headers['content-length'];
    const declared = declaredText === undefined ? undefined : Number(declaredText);
    if (status === 200) {
      const root = res.headers[ROOT_HEADER];
      this.lastRoot = typeof root === 'string' ? root : undefined;
      if (this.expectedRoot !== undefined && root !== this.expectedRoot) {
        return finish(new SyncRootChangedError(`${what}: peer now serves root ${String(root)}, the sync began at ${this.expectedRoot}`));
      }
      if ('exact' in expect && declared !== expect.exact) {
        return finish(new SyncProtocolError(`${what}: answer declares ${String(declaredText)} bytes, want ${expect.exact}`));
      }
    }
    if (declared !== undefined && !(declared <= max)) {
      return finish(new SyncProtocolError(`${what}: answer of ${String(declaredText)} bytes, at most ${max} allowed`));
    }
    const chunks: Buffer[] = [];
    let length = 0;
    res.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > max) return finish(new SyncProtocolError(`${what}: answer runs past ${max} bytes`));
      chunks.push(chunk);
    });
    res.on('error', (error) => finish(new SyncProtocolError(`${what}: answer broken off after ${length} bytes (${error.message})`, { cause: error })));
    res.on('close', () => {
      if (!res.complete) finish(new SyncProtocolError(`${what}: answer broken off after ${length} bytes`));
    });
    res.on('end', () => {
      const bytes = Buffer.concat(chunks);
      this.payloadBytes += bytes.length;
      if (status !== 200) return finish(remoteError(what, status, bytes));
      if ('exact' in expect && bytes.length !== expect.exact) {
        return finish(new SyncProtocolError(`${what}: answer holds ${bytes.length} bytes, want ${expect.exact}`));
      }
      finish(undefined, bytes);
    });
  }
}

function remoteError(what: string, status: number, body: Buffer): Error {
  let message = `status ${status}`;
  let code: string | undefined;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { error?: { code?: unknown; message?: unknown } };
    if (typeof parsed.error?.message === 'string') message = `${parsed.error.message} (status ${status})`;
    if (typeof parsed.error?.code === 'string') code = parsed.error.code;
  } catch {
    message = `status ${status} with a body that is not JSON`;
  }
  if (status === 409 || code === 'ERR_SYNC_ROOT_CHANGED') return new SyncRootChangedError(`${what}: ${message}`);
  if (status === 401) return new SyncRemoteError(`${what}: the peer refused the request: it wants a valid bearer token (--token-file) (status 401)`);
  if (code === 'ERR_MERKLE_INCOMPATIBLE') return new IncompatibleTreesError(`${what}: ${message}`);
  return new SyncRemoteError(`${what}: ${message}`);
}

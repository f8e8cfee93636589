/**
 * What every sync server shares about HTTP: who may connect (TLS, a bearer token, and the rule
 * that a server reachable from other hosts needs one), bounded request bodies, errors answered
 * as `{ error: { code, message } }` with a status, the server's timeouts and connection cap,
 * and listen / close as promises.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { isIP, type AddressInfo } from 'node:net';
import { InputError, MerkleError } from '../errors.js';

/** How a sync server is reached. */
export interface ServerAccess {
  /** PEM certificate (chain) and private key: the server speaks HTTPS only. */
  readonly tls?: { readonly cert: string | Uint8Array; readonly key: string | Uint8Array };
  /** Every request must carry `Authorization: Bearer TOKEN`. */
  readonly token?: string;
  /** Allow binding a non-loopback address without a token (anyone who reaches it reads the data). */
  readonly insecure?: boolean;
}

/** isLoopback says whether `host` is reachable from this machine only. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** checkAccess refuses a non-loopback `host` without a token unless `access.insecure`, and an empty token. */
export function checkAccess(host: string, access: ServerAccess): void {
  if (access.token !== undefined && access.token.length === 0) throw new InputError('the access token is empty');
  if (!isLoopback(host) && access.token === undefined && !access.insecure) {
    throw new InputError(`refusing to serve ${host} without a token: every host that reaches it could read the data (give a token file, or --insecure to serve it openly)`);
  }
}

/**
 * createSyncServer makes the HTTP (or, with `access.tls`, HTTPS) server of `handle`, with the
 * token checked before `handle` sees a request, after checkAccess.
 */
export function createSyncServer(host: string, access: ServerAccess, handle: (req: IncomingMessage, res: ServerResponse) => void): Server {
  checkAccess(host, access);
  const expected = access.token === undefined ? undefined : digestOf(access.token);
  const guarded = (req: IncomingMessage, res: ServerResponse) => {
    if (expected !== undefined && !tokenMatches(req, expected)) {
      res.setHeader('www-authenticate', 'Bearer');
      sendError(res, new HttpError(401, 'ERR_SYNC_UNAUTHORIZED', 'this peer wants a valid bearer token'));
      return;
    }
    handle(req, res);
  };
  if (access.tls === undefined) return createHttpServer(guarded);
  try {
    return createHttpsServer({ cert: Buffer.from(access.tls.cert), key: Buffer.from(access.tls.key) }, guarded);
  } catch (error) {
    throw new InputError(`the TLS certificate and key cannot be used: ${(error as Error).message}`, { cause: error });
  }
}

function digestOf(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Compares digests of equal length in constant time, so the comparison says nothing of the token. */
function tokenMatches(req: IncomingMessage, expected: Buffer): boolean {
  const header = req.headers.authorization;
  const given = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : undefined;
  return given !== undefined && timingSafeEqual(digestOf(given), expected);
}

/** An error answered with `status` and a stable code. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** readBody reads a request body of at most `maxBytes`. */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared > maxBytes) throw new HttpError(413, 'ERR_SYNC_TOO_LARGE', `request body of ${declared} bytes, at most ${maxBytes}`);
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > maxBytes) throw new HttpError(413, 'ERR_SYNC_TOO_LARGE', `request body over ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** readJsonBody reads a request body of at most `maxBytes` and parses it as JSON. */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const body = await readBody(req, maxBytes);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'ERR_SYNC_BAD_REQUEST', 'request body is not JSON');
  }
}

/** sendError answers `error` (an HttpError's status and code; 500 otherwise) and closes the connection. */
export function sendError(res: ServerResponse, error: unknown): void {
  const known = error instanceof HttpError;
  const status = known ? error.status : 500;
  const code = known ? error.code : error instanceof MerkleError ? error.code : 'ERR_SYNC_SERVER';
  const body = Buffer.from(JSON.stringify({ error: { code, message: (error as Error).message } }));
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // An oversized or unread body is not drained: the connection closes after the answer.
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length, connection: 'close' });
  res.end(body);
}

/** boundServer applies the request timeout (ms) and the connection cap every sync server has. */
export function boundServer(server: Server, timeoutMs: number): void {
  server.requestTimeout = timeoutMs;
  server.headersTimeout = Math.min(timeoutMs, 10_000);
  server.keepAliveTimeout = 5_000;
  server.maxConnections = 64;
  server.setTimeout(timeoutMs);
}

/** listen resolves to the bound port once the server listens on `host`. */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** closeServer stops listening and drops every open connection. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** urlOf is the URL of a server on `host` and `port` (IPv6 hosts bracketed), https:// when it has TLS. */
export function urlOf(host: string, port: number, tls = false): string {
  return `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

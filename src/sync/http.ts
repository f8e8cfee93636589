/**
 * What every sync server shares about HTTP: bounded JSON request bodies, errors answered as
 * `{ error: { code, message } }` with a status, the server's timeouts and connection cap, and
 * listen / close as promises.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MerkleError } from '../errors.js';

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

/** urlOf is the http:// URL of a server on `host` and `port` (IPv6 hosts bracketed). */
export function urlOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * An HTTP server on 127.0.0.1 serving one object with Range requests, a strong ETag and
 * If-Match, as object stores do; optionally slow (a delay per request), and replaceable (a new
 * version gets a new ETag).
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';

export interface RangeServer {
  readonly url: string;
  /** Range requests answered so far. */
  readonly requests: () => number;
  replace(bytes: Uint8Array): void;
  close(): Promise<void>;
}

export async function startRangeServer(initial: Uint8Array, options: { delayMs?: number } = {}): Promise<RangeServer> {
  let bytes = initial;
  let etag = '';
  const setBytes = (next: Uint8Array) => {
    bytes = next;
    etag = `"${createHash('sha256').update(next).digest('hex').slice(0, 16)}"`;
  };
  setBytes(initial);
  let requests = 0;
  const server: Server = createServer((request, response) => {
    const answer = () => {
      response.setHeader('etag', etag);
      response.setHeader('accept-ranges', 'bytes');
      if (request.method === 'HEAD') {
        response.setHeader('content-length', bytes.length);
        return response.end();
      }
      const ifMatch = request.headers['if-match'];
      if (ifMatch !== undefined && ifMatch !== etag) {
        response.statusCode = 412;
        return response.end();
      }
      const match = /^bytes=(\d+)-(\d+)$/.exec(request.headers.range ?? '');
      if (!match) {
        response.setHeader('content-length', bytes.length);
        return response.end(bytes);
      }
      requests++;
      const begin = Number(match[1]);
      const end = Math.min(Number(match[2]), bytes.length - 1);
      response.statusCode = 206;
      response.setHeader('content-range', `bytes ${begin}-${end}/${bytes.length}`);
      response.setHeader('content-length', end - begin + 1);
      response.end(bytes.subarray(begin, end + 1));
    };
    if (options.delayMs) setTimeout(answer, options.delayMs);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/object.bin`,
    requests: () => requests,
    replace: setBytes,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

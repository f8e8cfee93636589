/**
 * The keyed sync server: serves one keyed tree and the rows behind it, read-only, over plain
 * node:http on loopback by default. Every request is bounded (body size, nodes, buckets, rows,
 * time) and names the root it expects; answers carry the root, so a client notices writes
 * that land during its sync.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { toHex } from '../../encoding.js';
import { boundServer, closeServer, HttpError, listen, readJsonBody, sendError, urlOf } from '../../sync/http.js';
import { ROOT_HEADER } from '../../sync/protocol.js';
import type { RowSource } from '../rows.js';
import type { KeyedTree } from '../tree.js';
import {
  encodeBuckets,
  encodeRows,
  kDefaultKeyedSyncLimits,
  KEYED_PROTOCOL_VERSION,
  parseBucketsRequest,
  parseNodesRequest,
  parseRowsRequest,
  PATH_KV_BUCKETS,
  PATH_KV_META,
  PATH_KV_NODES,
  PATH_KV_ROWS,
  type KeyedMeta,
  type KeyedSyncLimits,
} from './protocol.js';

export interface KeyedSyncServerOptions {
  readonly tree: KeyedTree;
  readonly rows: RowSource;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: any free port. */
  readonly port?: number;
  readonly limits?: Partial<KeyedSyncLimits>;
  readonly requestTimeoutMs?: number;
}

export interface KeyedSyncServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** startKeyedSyncServer listens and serves `tree` and `rows` until close(). */
export async function startKeyedSyncServer(options: KeyedSyncServerOptions): Promise<KeyedSyncServer> {
  const limits = { ...kDefaultKeyedSyncLimits, ...options.limits };
  const host = options.host ?? '127.0.0.1';
  const handler = new KeyedHandler(options.tree, options.rows, limits);
  const server = createServer((req, res) => void handler.handle(req, res));
  boundServer(server, options.requestTimeoutMs ?? 30_000);
  const port = await listen(server, options.port ?? 0, host);
  return { url: urlOf(host, port), port, close: () => closeServer(server) };
}

class KeyedHandler {
  constructor(
    private readonly tree: KeyedTree,
    private readonly rowSource: RowSource,
    private readonly limits: KeyedSyncLimits,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const root = toHex(this.tree.root());
      res.setHeader(ROOT_HEADER, root);
      const route = `${req.method} ${new URL(req.url ?? '/', 'http://kv.invalid').pathname}`;
      if (route === `GET ${PATH_KV_META}`) return this.send(res, Buffer.from(JSON.stringify(this.meta(root))), 'application/json');
      if (route !== `POST ${PATH_KV_NODES}` && route !== `POST ${PATH_KV_BUCKETS}` && route !== `POST ${PATH_KV_ROWS}`) {
        throw new HttpError(404, 'ERR_SYNC_NOT_FOUND', `no such endpoint: ${route}`);
      }
      const body = await readJsonBody(req, this.limits.maxRequestBytes);
      const bits = this.tree.params.bucketBits;
      const parse = <T>(fn: () => T): T => {
        try {
          return fn();
        } catch (error) {
          throw new HttpError(400, 'ERR_SYNC_BAD_REQUEST', (error as Error).message);
        }
      };
      const requireRoot = (asked: string) => {
        if (asked !== root) throw new HttpError(409, 'ERR_SYNC_ROOT_CHANGED', `this peer serves root ${root}, not ${asked}`);
      };
      if (route === `POST ${PATH_KV_NODES}`) {
        const request = parse(() => parseNodesRequest(body, bits, this.limits));
        requireRoot(request.root);
        return this.send(res, Buffer.concat(request.ranges.map(([begin, end]) => this.tree.levelHashes(request.level, begin, end - begin))));
      }
      if (route === `POST ${PATH_KV_BUCKETS}`) {
        const request = parse(() => parseBucketsRequest(body, bits, this.limits));
        requireRoot(request.root);
        const answer = encodeBuckets(request.buckets.map((b) => this.tree.bucketEntries(b)), this.tree.digestSize);
        if (answer.length > this.limits.maxBucketBytes) throw new HttpError(413, 'ERR_SYNC_TOO_LARGE', `buckets answer of ${answer.length} bytes, at most ${this.limits.maxBucketBytes}: ask for fewer buckets`);
        return this.send(res, answer);
      }
      const request = parse(() => parseRowsRequest(body, this.limits));
      requireRoot(request.root);
      const answer = encodeRows(this.rowSource.rows(request.keys));
      if (answer.length > this.limits.maxRowBytes) throw new HttpError(413, 'ERR_SYNC_TOO_LARGE', `rows answer of ${answer.length} bytes, at most ${this.limits.maxRowBytes}: ask for fewer rows`);
      return this.send(res, answer);
    } catch (error) {
      sendError(res, error);
    }
  }

  private meta(root: string): KeyedMeta {
    const p = this.tree.params;
    return {
      protocol: KEYED_PROTOCOL_VERSION,
      hash: p.hash,
      bucketBits: p.bucketBits,
      salt: toHex(p.salt),
      digestSize: this.tree.digestSize,
      entries: this.tree.size,
      root,
      top: toHex(this.tree.node(p.bucketBits, 0)),
    };
  }

  private send(res: ServerResponse, body: Buffer, type = 'application/octet-stream'): void {
    res.writeHead(200, { 'content-type': type, 'content-length': body.length });
    res.end(body);
  }
}

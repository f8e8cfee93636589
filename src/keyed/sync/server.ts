/**
 * The keyed sync server: serves one keyed tree and the rows behind it, read-only, over plain
 * node:http on loopback by default. Every request is bounded (body size, nodes, buckets, rows,
 * time) and names the root it expects; answers carry the root, so a client notices writes
 * that land during its sync.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toHex } from '../../encoding.js';
import { boundServer, closeServer, createSyncServer, HttpError, listen, readBody, readJsonBody, sendError, urlOf, type ServerAccess } from '../../sync/http.js';
import { ROOT_HEADER } from '../../sync/protocol.js';
import { describeParams, sameParams } from '../params.js';
import type { RowSource } from '../rows.js';
import type { KeyedParams } from '../store.js';
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
import {
  encodeFetchAnswer,
  encodeGroupsAnswer,
  fingerprintsOf,
  parseFetchRequest,
  parseReconcileRequest,
  PATH_KV_FETCH,
  PATH_KV_RECONCILE,
  type FetchedRow,
  type FingerprintGroup,
} from './fingerprints.js';

export interface KeyedSyncServerOptions {
  readonly tree: KeyedTree;
  readonly rows: RowSource;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: any free port. */
  readonly port?: number;
  readonly limits?: Partial<KeyedSyncLimits>;
  readonly requestTimeoutMs?: number;
  /** TLS, a bearer token; a non-loopback host needs a token (or `insecure`). */
  readonly access?: ServerAccess;
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
  const access = options.access ?? {};
  const handler = new KeyedHandler(options.tree, options.rows, limits);
  const server = createSyncServer(host, access, (req, res) => void handler.handle(req, res));
  boundServer(server, options.requestTimeoutMs ?? 30_000);
  const port = await listen(server, options.port ?? 0, host);
  return { url: urlOf(host, port, access.tls !== undefined), port, close: () => closeServer(server) };
}

function badRequestOf<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new HttpError(400, 'ERR_SYNC_BAD_REQUEST', (error as Error).message);
  }
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
      if (route === `POST ${PATH_KV_RECONCILE}` || route === `POST ${PATH_KV_FETCH}`) {
        const body = await readBody(req, this.limits.maxRequestBytes);
        return this.send(res, route === `POST ${PATH_KV_RECONCILE}` ? this.reconcile(body) : this.fetch(body));
      }
      if (route !== `POST ${PATH_KV_NODES}` && route !== `POST ${PATH_KV_BUCKETS}` && route !== `POST ${PATH_KV_ROWS}`) {
        throw new HttpError(404, 'ERR_SYNC_NOT_FOUND', `no such endpoint: ${route}`);
      }
      const body = await readJsonBody(req, this.limits.maxRequestBytes);
      const bits = this.tree.params.bucketBits;
      const requireRoot = (asked: string) => {
        if (asked !== root) throw new HttpError(409, 'ERR_SYNC_ROOT_CHANGED', `this peer serves root ${root}, not ${asked}`);
      };
      if (route === `POST ${PATH_KV_NODES}`) {
        const request = badRequestOf(() => parseNodesRequest(body, bits, this.limits));
        requireRoot(request.root);
        return this.send(res, Buffer.concat(request.ranges.map(([begin, end]) => this.tree.levelHashes(request.level, begin, end - begin))));
      }
      if (route === `POST ${PATH_KV_BUCKETS}`) {
        const request = badRequestOf(() => parseBucketsRequest(body, bits, this.limits));
        requireRoot(request.root);
        const answer = encodeBuckets(request.buckets.map((b) => this.tree.bucketEntries(b)), this.tree.digestSize);
        if (answer.length > this.limits.maxBucketBytes) throw new HttpError(413, 'ERR_SYNC_TOO_LARGE', `buckets answer of ${answer.length} bytes, at most ${this.limits.maxBucketBytes}: ask for fewer buckets`);
        return this.send(res, answer);
      }
      const request = badRequestOf(() => parseRowsRequest(body, this.limits));
      requireRoot(request.root);
      const answer = encodeRows(this.rowSource.rows(request.keys));
      if (answer.length > this.limits.maxRowBytes) throw new HttpError(413, 'ERR_SYNC_TOO_LARGE', `rows answer of ${answer.length} bytes, at most ${this.limits.maxRowBytes}: ask for fewer rows`);
      return this.send(res, answer);
    } catch (error) {
      sendError(res, error);
    }
  }

  /**
   * reconcile compares the client's fingerprints with this tree's and answers, under each node
   * that differs, this tree's fingerprints one step further down (entry fingerprints at buckets).
   */
  private reconcile(body: Buffer): Buffer {
    const request = badRequestOf(() => parseReconcileRequest(body, this.limits.maxNodes));
    this.requireShape(request.params);
    const { f, level, answerLevel } = request;
    const d = this.tree.digestSize;
    const differing: number[] = [];
    for (const group of request.groups) {
      const n = group.fingerprints.length / f;
      const mine = this.tree.levelHashes(level, group.first, n);
      for (let i = 0; i < n; i++) {
        if (Buffer.compare(group.fingerprints.subarray(i * f, (i + 1) * f), mine.subarray(i * d, i * d + f)) !== 0) differing.push(group.first + i);
      }
    }
    if (level === 0) {
      const { entries, leaves } = this.tree.bucketsWithLeaves(differing);
      const groups: FingerprintGroup[] = [];
      let at = 0;
      differing.forEach((bucket, i) => {
        groups.push({ first: bucket, fingerprints: fingerprintsOf(leaves.subarray(at * d, (at + entries[i]!.length) * d), d, f) });
        at += entries[i]!.length;
      });
      const answer = encodeGroupsAnswer(groups, f);
      if (answer.length > this.limits.maxBucketBytes) throw new HttpError(413, 'ERR_SYNC_TOO_LARGE', `entry fingerprints of ${answer.length} bytes, at most ${this.limits.maxBucketBytes}: send fewer buckets`);
      return answer;
    }
    const span = 2 ** (level - answerLevel);
    if (differing.length * span > this.limits.maxNodes) {
      throw new HttpError(413, 'ERR_SYNC_TOO_LARGE', `${differing.length} differing nodes × ${span} descendants, at most ${this.limits.maxNodes} fingerprints: send fewer nodes or descend fewer levels`);
    }
    const groups = differing.map((node) => ({ first: node * span, fingerprints: fingerprintsOf(this.tree.levelHashes(answerLevel, node * span, span), d, f) }));
    return encodeGroupsAnswer(groups, f);
  }

  /** fetch answers the rows of this tree's entries whose leaf fingerprints the client names. */
  private fetch(body: Buffer): Buffer {
    const request = badRequestOf(() => parseFetchRequest(body, this.limits.maxRows));
    this.requireShape(request.params);
    const { f, groups } = request;
    const d = this.tree.digestSize;
    const buckets = this.tree.bucketsWithLeaves(groups.map((g) => g.first));
    const keys: Uint8Array[] = [];
    const matchCounts: number[] = [];
    let leafAt = 0;
    for (const [g, group] of groups.entries()) {
      const entries = buckets.entries[g]!;
      const own = buckets.leaves.subarray(leafAt * d, (leafAt + entries.length) * d);
      leafAt += entries.length;
      for (let i = 0; i < group.fingerprints.length / f; i++) {
        const asked = group.fingerprints.subarray(i * f, (i + 1) * f);
        let matches = 0;
        entries.forEach((entry, e) => {
          if (Buffer.compare(asked, own.subarray(e * d, e * d + f)) === 0) {
            keys.push(entry.key);
            matches++;
          }
        });
        matchCounts.push(matches);
      }
    }
    const values = this.rowSource.rows(keys);
    const matches: FetchedRow[][] = [];
    let keyAt = 0;
    for (const count of matchCounts) {
      const rows: FetchedRow[] = [];
      for (let m = 0; m < count; m++, keyAt++) {
        const value = values[keyAt];
        if (value === undefined) throw new HttpError(500, 'ERR_SYNC_SERVER', `this peer's tree holds key ${toHex(keys[keyAt]!)} but its row source has no row for it`);
        rows.push({ key: keys[keyAt]!, value });
      }
      matches.push(rows);
    }
    const answer = encodeFetchAnswer(matches);
    if (answer.length > this.limits.maxRowBytes) throw new HttpError(413, 'ERR_SYNC_TOO_LARGE', `rows answer of ${answer.length} bytes, at most ${this.limits.maxRowBytes}: ask for fewer rows`);
    return answer;
  }

  private requireShape(params: KeyedParams): void {
    if (!sameParams(params, this.tree.params)) {
      throw new HttpError(422, 'ERR_MERKLE_INCOMPATIBLE', `this peer serves a keyed tree with ${describeParams(this.tree.params)}, not ${describeParams(params)}`);
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

/**
 * The sync server: serves one tree file and the one data file it was built from, read-only,
 * over plain node:http. Every request is bounded (body size, ranges, nodes, block bytes, time)
 * and answered only while the tree still matches the data (size and mtime).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { open, type FileHandle } from 'node:fs/promises';
import { toHex } from '../encoding.js';
import { InputError } from '../errors.js';
import { openTree, type OpenTree } from '../api/open-tree.js';
import { kLeafModeInfo } from '../store/leaf-modes.js';
import { checkSource } from '../store/source.js';
import { readFully } from '../store/io.js';
import { levelCount } from '../tree/levels.js';
import { boundServer, checkAccess, closeServer, createSyncServer, HttpError, listen, readJsonBody, sendError, urlOf, type ServerAccess } from './http.js';
import {
  blockBytes,
  kDefaultSyncLimits,
  parseBlocksRequest,
  parseNodesRequest,
  PATH_BLOCKS,
  PATH_META,
  PATH_NODES,
  PROTOCOL_VERSION,
  ROOT_HEADER,
  type SyncLimits,
  type TreeMeta,
} from './protocol.js';

export interface SyncServerOptions {
  /** The .mtree file to serve; it must have block leaves and record its data source. */
  readonly tree: string;
  /** The data file the tree was built from. */
  readonly data: string;
  /** Interface to bind (default 127.0.0.1: loopback only). */
  readonly host?: string;
  /** Port (default 0: any free port). */
  readonly port?: number;
  readonly limits?: Partial<SyncLimits>;
  /** Milliseconds a request may take from its first byte to the end of its answer (default 30 s). */
  readonly requestTimeoutMs?: number;
  /** TLS, a bearer token; a non-loopback host needs a token (or `insecure`). */
  readonly access?: ServerAccess;
}

export interface SyncServer {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/** A request the server refuses, with its HTTP status. */
/**
 * startSyncServer opens the tree and data, checks the tree is current, and listens.
 * Rejects with InputError for a tree without block leaves, TreeFileError for a stale tree.
 */
export async function startSyncServer(options: SyncServerOptions): Promise<SyncServer> {
  const limits: SyncLimits = { ...kDefaultSyncLimits, ...options.limits };
  const host = options.host ?? '127.0.0.1';
  const access = options.access ?? {};
  checkAccess(host, access); // before anything is opened: a server that must not start opens nothing
  const tree = await openTree(options.tree);
  let data: FileHandle | undefined;
  try {
    if (!kLeafModeInfo[tree.meta.leafMode].fixedBlocks) throw new InputError(`${options.tree}: only trees of block leaves can be served (this one has ${tree.meta.leafMode})`);
    await checkSource(tree.reader, options.data);
    data = await open(options.data, 'r');
  } catch (error) {
    await data?.close();
    await tree.close();
    throw error;
  }
  const handler = new SyncHandler(tree, data, options.data, limits);
  const release = async () => {
    await data!.close();
    await tree.close();
  };
  let server: ReturnType<typeof createSyncServer>;
  try {
    server = createSyncServer(host, access, (req, res) => void handler.handle(req, res));
  } catch (error) {
    await release();
    throw error;
  }
  boundServer(server, options.requestTimeoutMs ?? 30_000);
  const port = await listen(server, options.port ?? 0, host).catch(async (error) => {
    await release();
    throw error;
  });
  return {
    url: urlOf(host, port, access.tls !== undefined),
    host,
    port,
    close: async () => {
      await closeServer(server);
      await release();
    },
  };
}

class SyncHandler {
  private readonly rootHex: string;
  private readonly digestSize: number;

  constructor(
    private readonly tree: OpenTree,
    private readonly data: FileHandle,
    private readonly dataPath: string,
    private readonly limits: SyncLimits,
  ) {
    this.rootHex = toHex(tree.root);
    this.digestSize = tree.meta.digestSize;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader(ROOT_HEADER, this.rootHex);
    try {
      const url = new URL(req.url ?? '/', 'http://sync.invalid');
      const route = `${req.method} ${url.pathname}`;
      if (route !== `GET ${PATH_META}` && route !== `POST ${PATH_NODES}` && route !== `POST ${PATH_BLOCKS}`) {
        throw new HttpError(404, 'ERR_SYNC_NOT_FOUND', `no such endpoint: ${route}`);
      }
      await this.checkCurrent();
      if (route === `GET ${PATH_META}`) {
        const depthText = url.searchParams.get('depth') ?? '0';
        const depth = Number(depthText);
        if (!/^\d+$/.test(depthText) || depth > this.limits.maxDepth) {
          throw new HttpError(400, 'ERR_SYNC_BAD_REQUEST', `depth must be a whole number up to ${this.limits.maxDepth}, got ${JSON.stringify(depthText)}`);
        }
        const body = Buffer.from(JSON.stringify(await this.meta(depth)));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
        res.end(body);
        return;
      }
      const request = await readJsonBody(req, this.limits.maxRequestBytes);
      const body = route === `POST ${PATH_NODES}` ? await this.nodes(request) : await this.blocks(request);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
      res.end(body);
    } catch (error) {
      sendError(res, error);
    }
  }

  /** The tree must still describe the data: a changed data file makes every answer a lie. */
  private async checkCurrent(): Promise<void> {
    try {
      await checkSource(this.tree.reader, this.dataPath);
    } catch (error) {
      throw new HttpError(503, 'ERR_SYNC_STALE', (error as Error).message);
    }
  }

  private async meta(depth: number): Promise<TreeMeta> {
    const m = this.tree.meta;
    const levels = levelCount(m.leafCount);
    const top = [];
    for (let level = levels - 2; level >= Math.max(levels - 1 - depth, 0); level--) {
      const nodes = await this.tree.reader.getNodes(level, 0, m.levels[level]!.nodeCount);
      top.push({ level, nodes: Buffer.from(nodes.buffer, nodes.byteOffset, nodes.byteLength).toString('base64') });
    }
    return {
      protocol: PROTOCOL_VERSION,
      profile: m.profile,
      hash: m.hash,
      digestSize: m.digestSize,
      blockSize: m.blockSize,
      leafCount: m.leafCount,
      dataLength: m.dataLength,
      root: this.rootHex,
      top,
    };
  }

  private async nodes(body: unknown): Promise<Buffer> {
    const request = this.parse(() => parseNodesRequest(body, this.tree.size, this.digestSize, this.limits));
    this.requireRoot(request.root);
    const parts = await Promise.all(request.ranges.map((r) => this.tree.reader.getNodes(r.level, r.begin, r.end)));
    return Buffer.concat(parts);
  }

  private async blocks(body: unknown): Promise<Buffer> {
    const m = this.tree.meta;
    const request = this.parse(() => parseBlocksRequest(body, { ...m, leafCount: m.leafCount }, this.limits));
    this.requireRoot(request.root);
    const lengths = request.ranges.map((r) => blockBytes(r, m.blockSize, m.dataLength));
    const out = Buffer.allocUnsafe(lengths.reduce((sum, n) => sum + n, 0));
    let at = 0;
    for (const [k, range] of request.ranges.entries()) {
      await readFully(this.data, out.subarray(at, at + lengths[k]!), range.begin * m.blockSize, this.dataPath);
      at += lengths[k]!;
    }
    return out;
  }

  private parse<T>(parse: () => T): T {
    try {
      return parse();
    } catch (error) {
      throw new HttpError(400, 'ERR_SYNC_BAD_REQUEST', (error as Error).message);
    }
  }

  private requireRoot(root: string): void {
    if (root !== this.rootHex) {
      throw new HttpError(409, 'ERR_SYNC_ROOT_CHANGED', `this peer serves root ${this.rootHex}, not ${root}`);
    }
  }
}

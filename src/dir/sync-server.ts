/**
 * Serving a directory tree to `merkle sync URL DIR` peers (docs/directory.md, "Sync"): the
 * saved index, each file's leaf level, and byte ranges of the files, all under the tree's root
 * header so a client notices a tree that changed under it. The server answers only for paths
 * its index holds; what it sends is checked by the client against the root.
 *
 *   GET /dir/v1/index                          the index without what only the server needs
 *                                              (inodes, times, inline leaves), gzip-compressed
 *   GET /dir/v1/leaves?key=HEX                 a file's leaf hashes (files of 2 or more blocks)
 *   GET /dir/v1/data?key=HEX&offset=N&length=M bytes of a file (at most kMaxRangeBytes)
 *   POST /dir/v1/leaves  { keys: [HEX, …] }     the leaf levels of several files, back to back
 *   POST /dir/v1/data    { ranges: [[HEX, N, M], …] }   several ranges, back to back
 *                                              (each POST: at most kMaxBatch items, kMaxRangeBytes in all)
 */
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import { openTreeFile } from '../store/reader.js';
import { ROOT_HEADER } from '../sync/protocol.js';
import { boundServer, closeServer, createSyncServer, HttpError, listen, readJsonBody, sendError, urlOf, type ServerAccess } from '../sync/http.js';
import { decodeIndex, encodeIndex, type IndexEntry } from './index-file.js';
import { kIndexFile, objectPath } from './tree-dir.js';

/** Largest range one data request may ask for, and the most bytes one batched request answers. */
export const kMaxRangeBytes = 16 * 1024 * 1024;
/** Most files or ranges one batched request names. */
export const kMaxBatch = 4096;
const kMaxRequestBytes = 1024 * 1024;

export interface DirSyncServerOptions extends ServerAccess {
  /** The saved tree (DIR.tree). */
  readonly tree: string;
  /** The directory it describes, whose files are served. */
  readonly data: string;
  readonly host?: string;
  readonly port?: number;
}

export interface DirSyncServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** startDirectorySyncServer serves `tree` and the files of `data` until closed. */
export async function startDirectorySyncServer(options: DirSyncServerOptions): Promise<DirSyncServer> {
  const indexFile = path.join(options.tree, kIndexFile);
  const indexBytes = await readFile(indexFile);
  const index = decodeIndex(indexBytes, indexFile);
  const rootHex = Buffer.from(index.root).toString('hex');
  // A peer needs the records only: local stat fields and inline leaves stay here (leaves are
  // asked for per changed file), and the rest compresses well (paths share prefixes).
  const compact = gzipSync(encodeIndex({ ...index, entries: index.entries.map((e) => ({ key: e.key, record: e.record, fields: e.fields, ino: 0n, ctimeNs: 0n, mtimeNs: 0n })) }));
  const byKey = new Map(index.entries.map((e) => [Buffer.from(e.key).toString('hex'), e]));
  const blockSize = index.params.blockSize;

  /** entryOfKey is the file entry a request names by its key's hex; anything else is a 404. */
  const entryOfKey = (key: unknown): IndexEntry => {
    const entry = typeof key === 'string' ? byKey.get(key) : undefined;
    if (!entry || entry.fields.type !== 'file') throw new HttpError(404, 'ERR_SYNC_NO_SUCH_FILE', `this tree holds no file with key ${JSON.stringify(key)}`);
    return entry;
  };
  const fileEntry = (url: URL): IndexEntry => entryOfKey(url.searchParams.get('key') ?? '');
  const whole = (url: URL, name: string): number => {
    const text = url.searchParams.get(name) ?? '';
    if (!/^\d{1,15}$/.test(text)) throw new HttpError(400, 'ERR_SYNC_BAD_REQUEST', `${name} must be a whole number, got ${JSON.stringify(text)}`);
    return Number(text);
  };

  const leavesOf = async (entry: IndexEntry): Promise<Uint8Array> => {
    if (entry.leaves) return entry.leaves;
    const leafCount = Math.ceil(entry.fields.size / blockSize);
    if (leafCount < 2) throw new HttpError(404, 'ERR_SYNC_NO_LEAVES', 'a file of one block has no leaf level apart from its root');
    const reader = await openTreeFile(objectPath(options.tree, entry.fields.root!));
    try {
      return await reader.getNodes(0, 0, leafCount);
    } finally {
      await reader.close();
    }
  };
  const rangeOf = async (entry: IndexEntry, offset: number, length: number): Promise<Uint8Array> => {
    if (!(Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0) || length > kMaxRangeBytes || offset + length > entry.fields.size) {
      throw new HttpError(400, 'ERR_SYNC_BAD_REQUEST', `range ${offset}+${length} is outside the file's ${entry.fields.size} bytes or over ${kMaxRangeBytes}`);
    }
    const handle = await open(Buffer.concat([Buffer.from(options.data), Buffer.from('/'), entry.key]), 'r');
    try {
      const out = new Uint8Array(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await handle.read(out, got, length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      // A file shorter than its record is sent short: the client refuses it by name.
      return out.subarray(0, got);
    } finally {
      await handle.close();
    }
  };
  const batchOf = (body: unknown, field: string): unknown[] => {
    const items = (body as Record<string, unknown> | null)?.[field];
    if (!Array.isArray(items) || items.length === 0 || items.length > kMaxBatch) throw new HttpError(400, 'ERR_SYNC_BAD_REQUEST', `${field} must be a list of 1 to ${kMaxBatch} items`);
    return items;
  };
  const concatenated = (parts: Uint8Array[]): Uint8Array => {
    const total = parts.reduce((sum, p) => sum + p.length, 0);
    if (total > kMaxRangeBytes) throw new HttpError(400, 'ERR_SYNC_BAD_REQUEST', `the batch asks for ${total} bytes, more than ${kMaxRangeBytes}`);
    return Buffer.concat(parts);
  };
  const answerBatch = async (pathname: string, body: unknown): Promise<Uint8Array> => {
    if (pathname === '/dir/v1/leaves') {
      const parts: Uint8Array[] = [];
      for (const key of batchOf(body, 'keys')) parts.push(await leavesOf(entryOfKey(key)));
      return concatenated(parts);
    }
    if (pathname === '/dir/v1/data') {
      const parts: Uint8Array[] = [];
      let total = 0;
      for (const item of batchOf(body, 'ranges')) {
        if (!Array.isArray(item) || item.length !== 3) throw new HttpError(400, 'ERR_SYNC_BAD_REQUEST', 'each range must be [key, offset, length]');
        total += Number(item[2]);
        if (!(total <= kMaxRangeBytes)) throw new HttpError(400, 'ERR_SYNC_BAD_REQUEST', `the batch asks for more than ${kMaxRangeBytes} bytes`);
        parts.push(await rangeOf(entryOfKey(item[0]), Number(item[1]), Number(item[2])));
      }
      return concatenated(parts);
    }
    throw new HttpError(404, 'ERR_SYNC_NOT_FOUND', `no such endpoint ${pathname}`);
  };

  const answer = async (url: URL): Promise<Uint8Array> => {
    switch (url.pathname) {
      case '/dir/v1/index':
        return compact;
      case '/dir/v1/leaves':
        return leavesOf(fileEntry(url));
      case '/dir/v1/data': {
        const entry = fileEntry(url);
        return rangeOf(entry, whole(url, 'offset'), whole(url, 'length'));
      }
      default:
        throw new HttpError(404, 'ERR_SYNC_NOT_FOUND', `no such endpoint ${url.pathname}`);
    }
  };

  const host = options.host ?? '127.0.0.1';
  const server: Server = createSyncServer(host, options, (req, res) => {
    const url = new URL(req.url ?? '/', 'http://peer');
    if (req.method !== 'GET' && req.method !== 'POST') return sendError(res, new HttpError(405, 'ERR_SYNC_METHOD', 'only GET and POST are served'));
    const answered = req.method === 'GET' ? answer(url) : readJsonBody(req, kMaxRequestBytes).then((body) => answerBatch(url.pathname, body));
    answered.then(
      (body) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length, [ROOT_HEADER]: rootHex });
        res.end(body);
      },
      (error: unknown) => sendError(res, error),
    );
  });
  boundServer(server, 120_000);
  const port = await listen(server, options.port ?? 0, host);
  return { url: urlOf(host, port, options.tls !== undefined), port, close: () => closeServer(server) };
}

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
 */
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import { openTreeFile } from '../store/reader.js';
import { ROOT_HEADER } from '../sync/protocol.js';
import { boundServer, closeServer, createSyncServer, HttpError, listen, sendError, urlOf, type ServerAccess } from '../sync/http.js';
import { decodeIndex, encodeIndex, type IndexEntry } from './index-file.js';
import { kIndexFile, objectPath } from './tree-dir.js';

/** Largest range one data request may ask for. */
export const kMaxRangeBytes = 16 * 1024 * 1024;

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

  const fileEntry = (url: URL): IndexEntry => {
    const key = url.searchParams.get('key') ?? '';
    const entry = byKey.get(key);
    if (!entry || entry.fields.type !== 'file') throw new HttpError(404, 'ERR_SYNC_NO_SUCH_FILE', `this tree holds no file with key ${JSON.stringify(key)}`);
    return entry;
  };
  const whole = (url: URL, name: string): number => {
    const text = url.searchParams.get(name) ?? '';
    if (!/^\d{1,15}$/.test(text)) throw new HttpError(400, 'ERR_SYNC_BAD_REQUEST', `${name} must be a whole number, got ${JSON.stringify(text)}`);
    return Number(text);
  };

  const answer = async (url: URL): Promise<Uint8Array> => {
    switch (url.pathname) {
      case '/dir/v1/index':
        return compact;
      case '/dir/v1/leaves': {
        const entry = fileEntry(url);
        if (entry.leaves) return entry.leaves;
        const leafCount = Math.ceil(entry.fields.size / blockSize);
        if (leafCount < 2) throw new HttpError(404, 'ERR_SYNC_NO_LEAVES', 'a file of one block has no leaf level apart from its root');
        const reader = await openTreeFile(objectPath(options.tree, entry.fields.root!));
        try {
          return await reader.getNodes(0, 0, leafCount);
        } finally {
          await reader.close();
        }
      }
      case '/dir/v1/data': {
        const entry = fileEntry(url);
        const offset = whole(url, 'offset');
        const length = whole(url, 'length');
        if (length > kMaxRangeBytes || offset + length > entry.fields.size) {
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
      }
      default:
        throw new HttpError(404, 'ERR_SYNC_NOT_FOUND', `no such endpoint ${url.pathname}`);
    }
  };

  const host = options.host ?? '127.0.0.1';
  const server: Server = createSyncServer(host, options, (req, res) => {
    const url = new URL(req.url ?? '/', 'http://peer');
    if (req.method !== 'GET') return sendError(res, new HttpError(405, 'ERR_SYNC_METHOD', 'only GET is served'));
    answer(url).then(
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

/**
 * Trees of object stores: the same root as a directory tree, over a listing of objects instead
 * of a walk — any store a caller can list and read by range (S3-compatible, GCS, a table of
 * blobs). An object is a file entry keyed by its key; a bucket listed this way and the same
 * files in a directory give one root (docs/directory.md, "Object stores").
 *
 * The contract (StoredObject): a key, a size, and read(offset, length) resolving to exactly
 * those bytes. Everything a store answers is checked: keys must be canonical relative paths and
 * distinct, sizes whole numbers, reads exactly as long as asked; anything else is an InputError
 * naming the key.
 */
import { open } from 'node:fs/promises';
import { BlockLeafHasher } from '../builders/block-leaves.js';
import { treeFromBlockLeaves } from '../builders/memory.js';
import { compareBytes } from '../bytes.js';
import { InputError } from '../errors.js';
import { loadTreeHasher } from '../hash/load.js';
import type { BackendChoice } from '../hash/types.js';
import { kMaxKeyBytes } from '../keyed/encoding.js';
import { kProfiles } from '../tree/profile.js';
import type { IndexEntry } from './index-file.js';
import { checkDirParams, type DirParams, type DirParamsInput } from './params.js';
import { encodeRecord } from './record.js';
import { rootOfEntries } from './tree-dir.js';
import { walkDirectory } from './walk.js';

export interface StoredObject {
  /** The object's path in the tree: `/`-separated, relative, no `.` or `..` segments (text is UTF-8). */
  readonly key: string | Uint8Array;
  readonly size: number;
  /** Resolves to bytes [offset, offset + length) of the object. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

export interface ObjectTreeOptions extends DirParamsInput {
  /** Objects read at once (default 8): stores answer faster with requests in flight. */
  concurrency?: number;
  backend?: BackendChoice;
}

export interface ObjectTreeResult {
  readonly root: Uint8Array;
  readonly rootHex: string;
  readonly params: DirParams;
  readonly objects: number;
  readonly bytes: number;
  readonly seconds: number;
}

/** Bytes per read: a whole number of blocks near 4 MiB, so each read is one batched hashing call. */
const kReadBytes = 4 * 1024 * 1024;

/** canonicalKey returns a key's bytes, or throws naming what is wrong with it. */
function canonicalKey(key: string | Uint8Array): Uint8Array {
  const bytes = typeof key === 'string' ? new TextEncoder().encode(key) : key;
  const shown = JSON.stringify(typeof key === 'string' ? key : Buffer.from(key).toString('utf8'));
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw new InputError(`object key ${shown} must be a non-empty string or bytes`);
  if (bytes.length > kMaxKeyBytes) throw new InputError(`object key ${shown} is ${bytes.length} bytes, more than ${kMaxKeyBytes}`);
  const segments = Buffer.from(bytes).toString('latin1').split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new InputError(`object key ${shown} is not a canonical relative path (empty, "." or ".." segment, or a leading or trailing "/")`);
  }
  return bytes;
}

/** buildObjectTree builds the tree of a listing of objects (files only: stores hold no symlinks or empty directories). */
export async function buildObjectTree(objects: AsyncIterable<StoredObject> | Iterable<StoredObject>, options: ObjectTreeOptions = {}): Promise<ObjectTreeResult> {
  const started = performance.now();
  const params = checkDirParams(options);
  const concurrency = options.concurrency ?? 8;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new InputError(`options.concurrency must be a whole number of at least 1, got ${JSON.stringify(concurrency)}`);
  const profile = kProfiles[params.profile];
  const { hasher } = await loadTreeHasher(profile, params.hash, options.backend ?? 'auto');
  const blockSize = params.blockSize;
  const readBytes = Math.max(1, Math.floor(kReadBytes / blockSize)) * blockSize;

  const hashObject = async (object: StoredObject, key: Uint8Array): Promise<IndexEntry> => {
    const shown = JSON.stringify(Buffer.from(key).toString('utf8'));
    const { size } = object;
    if (!Number.isSafeInteger(size) || size < 0) throw new InputError(`object ${shown}: size must be a whole number of bytes, got ${JSON.stringify(size)}`);
    const leaves = new BlockLeafHasher(hasher, blockSize, size);
    for (let offset = 0; offset < size; offset += readBytes) {
      const length = Math.min(readBytes, size - offset);
      const bytes = await object.read(offset, length);
      if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
        throw new InputError(`object ${shown}: read(${offset}, ${length}) returned ${bytes instanceof Uint8Array ? `${bytes.length} bytes` : typeof bytes}, not ${length} bytes`);
      }
      leaves.update(bytes);
    }
    const tree = treeFromBlockLeaves(leaves, hasher, profile.lone);
    const fields = { type: 'file' as const, size, root: tree.root };
    return { key, record: encodeRecord(fields, params, hasher.digestSize), fields, ino: 0n, ctimeNs: 0n, mtimeNs: 0n };
  };

  const entries: IndexEntry[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  for await (const object of objects) {
    if (failure !== undefined) break;
    const key = canonicalKey(object?.key);
    const task: Promise<void> = hashObject(object, key).then(
      (entry) => void entries.push(entry),
      (error: unknown) => void (failure ??= error),
    );
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
    if (inFlight.size >= concurrency) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failure !== undefined) throw failure;
  entries.sort((a, b) => compareBytes(a.key, b.key));
  for (let i = 1; i < entries.length; i++) {
    if (compareBytes(entries[i - 1]!.key, entries[i]!.key) === 0) throw new InputError(`object key ${JSON.stringify(Buffer.from(entries[i]!.key).toString('utf8'))} is listed twice`);
  }
  const root = await rootOfEntries(params, entries);
  return {
    root,
    rootHex: Buffer.from(root).toString('hex'),
    params,
    objects: entries.length,
    bytes: entries.reduce((sum, e) => sum + e.fields.size, 0),
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * directoryObjects lists the regular files below `dir` as objects — the adapter for a local
 * directory, and the model for others: a key, a size, a ranged read.
 */
export async function* directoryObjects(dir: string): AsyncIterable<StoredObject> {
  for (const entry of (await walkDirectory(dir)).entries) {
    if (entry.type !== 'file') continue;
    const file = Buffer.concat([Buffer.from(dir), Buffer.from('/'), entry.key]);
    yield {
      key: entry.key,
      size: entry.size,
      async read(offset, length) {
        const handle = await open(file, 'r');
        try {
          const out = new Uint8Array(length);
          let got = 0;
          while (got < length) {
            const { bytesRead } = await handle.read(out, got, length - got, offset + got);
            if (bytesRead === 0) break; // shorter than listed: the caller names it
            got += bytesRead;
          }
          return out.subarray(0, got);
        } finally {
          await handle.close();
        }
      },
    };
  }
}

/**
 * A file opened for reading, by descriptor, with the few FileHandle calls the builders use
 * (stat, positioned read, close), on node:fs's callback API.
 *
 * Why not node:fs/promises' FileHandle: loading node:fs/promises costs about 2.5 ms of every
 * command's start (it loads Node's readline and file-watcher modules with it), and a file
 * build needs nothing else from it. Callers close in `finally`; close is idempotent.
 */
import { close, fstat, open, read, readFile, stat, type BigIntStats } from 'node:fs';

export class ReadOnlyFile {
  readonly fd: number;
  #closed = false;

  constructor(fd: number) {
    this.fd = fd;
  }

  /** stat is fstat(2) with 64-bit sizes and nanosecond times. */
  stat(): Promise<BigIntStats> {
    return new Promise((resolve, reject) => fstat(this.fd, { bigint: true }, (error, stats) => (error ? reject(error) : resolve(stats))));
  }

  /** read reads up to `length` bytes at file `position` into `into[offset…]`; 0 bytes at the end. */
  read(into: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
    return new Promise((resolve, reject) => read(this.fd, into, offset, length, position, (error, bytesRead) => (error ? reject(error) : resolve({ bytesRead }))));
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return new Promise((resolve, reject) => close(this.fd, (error) => (error ? reject(error) : resolve())));
  }
}

/** openReadOnly opens `path` for reading; rejects with Node's error (code ENOENT, EACCES, …). */
export function openReadOnly(path: string): Promise<ReadOnlyFile> {
  return new Promise((resolve, reject) => open(path, 'r', (error, fd) => (error ? reject(error) : resolve(new ReadOnlyFile(fd)))));
}

/** statOf is stat(2) of `path` with 64-bit sizes and nanosecond times. */
export function statOf(path: string): Promise<BigIntStats> {
  return new Promise((resolve, reject) => stat(path, { bigint: true }, (error, stats) => (error ? reject(error) : resolve(stats))));
}

/** readText reads the whole file at `path` as UTF-8. */
export function readText(path: string): Promise<string> {
  return new Promise((resolve, reject) => readFile(path, 'utf8', (error, text) => (error ? reject(error) : resolve(text))));
}

/** readBytes reads the whole file at `path`. */
export function readBytes(path: string): Promise<Uint8Array> {
  return new Promise((resolve, reject) => readFile(path, (error, bytes) => (error ? reject(error) : resolve(bytes))));
}

/**
 * The two places a queued build's bytes can be: a path every worker can read (a shared or
 * replicated file system) and an http(s):// URL served with Range requests, as object stores
 * serve. Each has an identity (size and mtime; size and ETag) taken once by the coordinator and
 * checked again by every worker before and after it hashes, so a range of a changed input is
 * never mixed into the tree.
 */
import { resolve } from 'node:path';
import { DataChangedError, InputError } from '../errors.js';
import { openForReading } from '../builders/file.js';
import type { ReadOnlyFile } from '../io/read-only-file.js';
import type { InputIdentity } from './identity.js';

/** How long one HTTP request may take, headers and body. */
const kHttpTimeoutMs = 60_000;

export const isHttpInput = (input: string): boolean => /^https?:\/\//i.test(input);

/** identifyInput takes the identity of INPUT, a path or an http(s) URL. */
export async function identifyInput(input: string, signal?: AbortSignal): Promise<InputIdentity> {
  if (isHttpInput(input)) return identifyUrl(input, signal);
  const path = resolve(input);
  const file = await openForReading(input);
  try {
    const stats = await file.stat();
    if (!stats.isFile()) throw new InputError(`${input}: not a regular file`);
    return { kind: 'file', path, size: Number(stats.size), mtimeNs: stats.mtimeNs.toString() };
  } finally {
    await file.close();
  }
}

/** openIdentified opens a file input and checks it is still the version the build was queued for. */
export async function openIdentified(input: Extract<InputIdentity, { kind: 'file' }>): Promise<ReadOnlyFile> {
  const file = await openForReading(input.path);
  try {
    await checkStillSame(file, input);
    return file;
  } catch (error) {
    await file.close();
    throw error;
  }
}

/** checkStillSame fails with DataChangedError if the open file's size or mtime differ from the identity's. */
export async function checkStillSame(file: ReadOnlyFile, input: Extract<InputIdentity, { kind: 'file' }>): Promise<void> {
  const stats = await file.stat();
  const size = Number(stats.size);
  const mtimeNs = stats.mtimeNs.toString();
  if (size !== input.size || mtimeNs !== input.mtimeNs) {
    throw new DataChangedError(`${input.path}: input changed since the build was queued (size ${input.size} → ${size}, mtime ${input.mtimeNs} → ${mtimeNs} ns)`);
  }
}

async function identifyUrl(url: string, signal?: AbortSignal): Promise<InputIdentity> {
  const response = await request(url, { method: 'HEAD' }, signal);
  if (response.status !== 200) throw new InputError(`${url}: HEAD answered ${response.status} ${response.statusText}`);
  const length = response.headers.get('content-length');
  const size = Number(length);
  if (length === null || !/^\d+$/.test(length) || !Number.isSafeInteger(size)) throw new InputError(`${url}: HEAD gave no usable Content-Length (${JSON.stringify(length)})`);
  // A strong ETag names one version of the bytes; without it a change could go unseen.
  const etag = response.headers.get('etag');
  if (etag === null || etag.startsWith('W/')) throw new InputError(`${url}: the server sends no strong ETag, so a change to the object could not be detected`);
  return { kind: 'http', url, size, etag };
}

/**
 * fetchRange reads bytes [begin, end) of the object at `input.url`. The request carries
 * If-Match with the build's ETag, and the answer must be 206 with exactly that Content-Range
 * of the same total size and ETag: anything else is a changed or misbehaving object.
 */
export async function fetchRange(input: Extract<InputIdentity, { kind: 'http' }>, begin: number, end: number, signal?: AbortSignal): Promise<Uint8Array> {
  const { url } = input;
  const where = `${url} bytes ${begin}–${end}`;
  const response = await request(url, { headers: { range: `bytes=${begin}-${end - 1}`, 'if-match': input.etag } }, signal);
  if (response.status === 412) {
    await response.body?.cancel();
    throw new DataChangedError(`${where}: the object changed since the build was queued (ETag no longer ${input.etag})`);
  }
  if (response.status !== 206) {
    await response.body?.cancel();
    throw new InputError(`${where}: expected 206 Partial Content, got ${response.status} ${response.statusText}`);
  }
  const etag = response.headers.get('etag');
  if (etag !== null && etag !== input.etag) {
    await response.body?.cancel();
    throw new DataChangedError(`${where}: the object changed since the build was queued (ETag ${input.etag} → ${etag})`);
  }
  const contentRange = response.headers.get('content-range');
  if (contentRange !== `bytes ${begin}-${end - 1}/${input.size}`) {
    await response.body?.cancel();
    throw new DataChangedError(`${where}: the server answered Content-Range ${JSON.stringify(contentRange)}, not bytes ${begin}-${end - 1}/${input.size}`);
  }
  const bytes = new Uint8Array(end - begin);
  let filled = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    if (filled + chunk.length > bytes.length) throw new InputError(`${where}: the server sent more bytes than it announced`);
    bytes.set(chunk, filled);
    filled += chunk.length;
  }
  if (filled !== bytes.length) throw new DataChangedError(`${where}: the answer ended after ${filled} of ${bytes.length} bytes`);
  return bytes;
}

async function request(url: string, init: RequestInit, signal?: AbortSignal): Promise<Response> {
  const timeout = AbortSignal.timeout(kHttpTimeoutMs);
  try {
    return await fetch(url, { ...init, redirect: 'error', signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
  } catch (error) {
    signal?.throwIfAborted();
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new InputError(`${url}: ${init.method ?? 'GET'} failed (${cause?.code ?? cause?.message ?? (error as Error).message})`, { cause: error });
  }
}

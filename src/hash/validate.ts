/**
 * The kernel contract's argument checks (types.ts), in one place for every backend. The
 * registry wraps each kernel it hands out with `checkedKernel` / `checkedTreeKernel`, so a bad
 * call gets the same InputError on native, node and wasm, and the kernels behind the wrapper
 * trust their arguments. Each check runs once per batch call, never per hash; only hashSpans
 * scans (its offsets), because the contract is about every offset.
 */
import { InputError } from '../errors.js';
import type { Blake3TreeKernel, HashKernel } from './types.js';

const kMaxSafe = Number.MAX_SAFE_INTEGER;
const kChunkLen = 1024;
const kMaxGroupSize = 2 ** 30;
/** A BLAKE3 chaining value, and a tree kernel's output, is 32 bytes. */
const kCvSize = 32;

/** describe names a received value for a message: its type, and its size or value. */
function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (ArrayBuffer.isView(value)) return `${value.constructor.name} of ${value.byteLength} bytes`;
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${String(value)}`;
  if (Array.isArray(value)) return `Array of ${value.length} items`;
  return typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
}

function fail(call: string, message: string): never {
  throw new InputError(`${call}: ${message}`);
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function bytes(call: string, name: string, value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) fail(call, `${name} must be a Uint8Array, got ${describe(value)}`);
}

/** integer requires a number that is an integer in [min, max]. */
function integer(call: string, name: string, value: unknown, min: number, max = kMaxSafe): asserts value is number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return;
  const range = max === kMaxSafe ? `>= ${min}` : `from ${min} to ${max}`;
  fail(call, `${name} must be an integer ${range}, got ${describe(value)}`);
}

function prefix(call: string, value: unknown): asserts value is number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= -1 && value <= 255) return;
  fail(call, `prefix must be a byte 0..255 or NO_PREFIX (-1), got ${describe(value)}`);
}

function boolean(call: string, name: string, value: unknown): asserts value is boolean {
  if (typeof value !== 'boolean') fail(call, `${name} must be a boolean, got ${describe(value)}`);
}

/** out requires a Uint8Array of at least count × size bytes. */
function out(call: string, value: unknown, count: number, size: number, noun: string): asserts value is Uint8Array {
  bytes(call, 'out', value);
  if (value.length < count * size) {
    fail(call, `out must hold ${plural(count, noun)} (${count * size} bytes), got ${value.length} bytes`);
  }
}

function nonEmpty(call: string, data: Uint8Array): void {
  if (data.length === 0) fail(call, 'data must not be empty');
}

/** overlap reports whether a[0, aLength) and b[0, bLength) share memory. */
function overlap(a: Uint8Array, aLength: number, b: Uint8Array, bLength: number): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + bLength && b.byteOffset < a.byteOffset + aLength;
}

/** disjoint requires out's written bytes not to overlap data: kernels read data after writing digests. */
function disjoint(call: string, output: Uint8Array, written: number, data: Uint8Array): void {
  if (overlap(output, written, data, data.length)) fail(call, 'out must not overlap data');
}

/**
 * pairLevel checks a level of `count` digest pairs and its output. Hashing in place (out is
 * level itself) is allowed — digest i lands on bytes pair i has been read from — any other
 * overlap is not.
 */
function pairLevel(call: string, level: unknown, count: unknown, output: unknown, size: number, noun: string): void {
  bytes(call, 'level', level);
  integer(call, 'count', count, 0);
  if (level.length < count * 2 * size) {
    fail(call, `level must hold ${plural(count, 'pair')} (${count * 2 * size} bytes), got ${level.length} bytes`);
  }
  out(call, output, count, size, noun);
  const inPlace = output.buffer === level.buffer && output.byteOffset === level.byteOffset;
  if (!inPlace && overlap(output, count * size, level, count * 2 * size)) {
    fail(call, 'out must be level itself (in place) or not overlap it');
  }
}

/** offsets requires a Uint32Array of at least one offset, non-decreasing and within data. */
function offsets(call: string, value: unknown, dataLength: number): asserts value is Uint32Array {
  if (!(value instanceof Uint32Array)) fail(call, `offsets must be a Uint32Array, got ${describe(value)}`);
  if (value.length === 0) fail(call, 'offsets must hold at least one offset');
  let previous = 0;
  for (let i = 0; i < value.length; i++) {
    const at = value[i]!;
    if (at > dataLength) fail(call, `offsets[${i}] = ${at} is past the end of data (${dataLength} bytes)`);
    if (at < previous) fail(call, `offsets must be non-decreasing, got offsets[${i}] = ${at} after offsets[${i - 1}] = ${previous}`);
    previous = at;
  }
}

function chainingValue(call: string, name: string, value: unknown): void {
  bytes(call, name, value);
  if (value.length !== kCvSize) fail(call, `${name} must be a 32-byte chaining value, got ${value.length} bytes`);
}

/** Wrappers by the kernel they wrap, and the wrappers themselves: a kernel is wrapped once. */
const wrappers = new WeakMap<object, object>();
const checkedKernels = new WeakSet<object>();

function remember<K extends object>(kernel: K, checked: K): K {
  wrappers.set(kernel, checked);
  checkedKernels.add(checked);
  return checked;
}

/** checkedKernel returns `kernel` behind the contract's argument checks (or `kernel` if it already is). */
export function checkedKernel<K extends HashKernel>(kernel: K): K {
  if (checkedKernels.has(kernel)) return kernel;
  const known = wrappers.get(kernel) as K | undefined;
  if (known) return known;
  const d = kernel.digestSize;
  const checked: K = {
    // Keeps what a backend adds (the native SHA-256 kernel's `isa`).
    ...kernel,
    hashBlocks(data, blockSize, prefixByte, output) {
      bytes('hashBlocks', 'data', data);
      nonEmpty('hashBlocks', data);
      integer('hashBlocks', 'blockSize', blockSize, 1);
      prefix('hashBlocks', prefixByte);
      const count = Math.ceil(data.length / blockSize);
      out('hashBlocks', output, count, d, 'digest');
      disjoint('hashBlocks', output, count * d, data);
      kernel.hashBlocks(data, blockSize, prefixByte, output);
    },
    hashSpans(data, spanOffsets, prefixByte, output) {
      bytes('hashSpans', 'data', data);
      offsets('hashSpans', spanOffsets, data.length);
      prefix('hashSpans', prefixByte);
      const count = spanOffsets.length - 1;
      out('hashSpans', output, count, d, 'digest');
      disjoint('hashSpans', output, count * d, data);
      kernel.hashSpans(data, spanOffsets, prefixByte, output);
    },
    hashPairs(level, count, prefixByte, double, output) {
      pairLevel('hashPairs', level, count, output, d, 'digest');
      prefix('hashPairs', prefixByte);
      boolean('hashPairs', 'double', double);
      kernel.hashPairs(level, count, prefixByte, double, output);
    },
  };
  return remember(kernel, checked);
}

/** checkedTreeKernel returns `kernel` behind the Blake3TreeKernel contract's argument checks. */
export function checkedTreeKernel(kernel: Blake3TreeKernel): Blake3TreeKernel {
  if (checkedKernels.has(kernel)) return kernel;
  const known = wrappers.get(kernel) as Blake3TreeKernel | undefined;
  if (known) return known;
  const checked: Blake3TreeKernel = {
    ...kernel,
    groupChainingValues(data, groupSize, firstChunk, output) {
      const call = 'groupChainingValues';
      bytes(call, 'data', data);
      nonEmpty(call, data);
      if (!(typeof groupSize === 'number' && Number.isInteger(groupSize) && groupSize >= kChunkLen && groupSize <= kMaxGroupSize && (groupSize & (groupSize - 1)) === 0)) {
        fail(call, `groupSize must be a power of two from 1024 to 2^30, got ${describe(groupSize)}`);
      }
      // The last chunk's counter must stay a safe integer (the kernels carry it in a double).
      integer(call, 'firstChunk', firstChunk, 0, kMaxSafe - Math.ceil(data.length / kChunkLen));
      const count = Math.ceil(data.length / groupSize);
      out(call, output, count, kCvSize, 'chaining value');
      disjoint(call, output, count * kCvSize, data);
      kernel.groupChainingValues(data, groupSize, firstChunk, output);
    },
    parentChainingValues(level, count, output) {
      pairLevel('parentChainingValues', level, count, output, kCvSize, 'chaining value');
      kernel.parentChainingValues(level, count, output);
    },
    parentRoot(left, right, output) {
      chainingValue('parentRoot', 'left', left);
      chainingValue('parentRoot', 'right', right);
      out('parentRoot', output, 1, kCvSize, 'digest');
      kernel.parentRoot(left, right, output);
    },
    hash(data, output) {
      bytes('hash', 'data', data);
      out('hash', output, 1, kCvSize, 'digest');
      disjoint('hash', output, kCvSize, data);
      kernel.hash(data, output);
    },
  };
  return remember(kernel, checked);
}

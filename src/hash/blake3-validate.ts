/**
 * Argument checks for the BLAKE3 kernels' public edge, shared by the native and the portable
 * implementation so both refuse the same calls with the same words. Kernels themselves trust
 * their arguments; these run once per batch call, never per hash.
 */

const describe = (value: unknown): string => {
  if (value === null) return 'null';
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as ArrayBufferView).byteLength} bytes)`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return String(value);
};

/** expectBytes throws TypeError unless `value` is a Uint8Array (Buffer included). */
export function expectBytes(value: unknown, name: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`Expected Uint8Array for ${name} but received ${describe(value)} of type ${typeof value}`);
  }
}

/** expectCount throws unless `value` is an integer in [min, 2^53). */
export function expectCount(value: unknown, name: string, min = 0): asserts value is number {
  if (typeof value !== 'number') {
    throw new TypeError(`Expected number for ${name} but received ${describe(value)} of type ${typeof value}`);
  }
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, received ${value}`);
  }
}

/** expectPrefix throws unless `value` is a byte 0..255 or -1 (no prefix). */
export function expectPrefix(value: unknown, name = 'prefix'): asserts value is number {
  if (typeof value !== 'number') {
    throw new TypeError(`Expected number for ${name} but received ${describe(value)} of type ${typeof value}`);
  }
  if (!Number.isInteger(value) || value < -1 || value > 255) {
    throw new RangeError(`${name} must be a byte 0..255 or -1 for none, received ${value}`);
  }
}

/** expectGroupSize throws unless `value` is a power of two >= 1024 (whole aligned BLAKE3 chunk groups). */
export function expectGroupSize(value: unknown, name = 'groupSize'): asserts value is number {
  expectCount(value, name, 1024);
  if ((value & (value - 1)) !== 0 || value > 2 ** 30) {
    throw new RangeError(`${name} must be a power of two from 1024 to 2^30, received ${value}`);
  }
}

/** expectOut throws unless `out` is a Uint8Array of at least `bytes` bytes. */
export function expectOut(out: unknown, bytes: number, what: string, name = 'out'): asserts out is Uint8Array {
  expectBytes(out, name);
  if (out.length < bytes) {
    throw new RangeError(`${name} must hold ${bytes} bytes (${what}), received ${out.length}`);
  }
}

/** expectNonEmpty throws RangeError for empty data. */
export function expectNonEmpty(data: Uint8Array, name = 'data'): void {
  if (data.length === 0) throw new RangeError(`${name} must not be empty`);
}

/** expectOffsets throws unless `offsets` is a non-decreasing Uint32Array within [0, dataLength]. */
export function expectOffsets(offsets: unknown, dataLength: number, name = 'offsets'): asserts offsets is Uint32Array {
  if (!(offsets instanceof Uint32Array)) {
    throw new TypeError(`Expected Uint32Array for ${name} but received ${describe(offsets)} of type ${typeof offsets}`);
  }
  for (let i = 0; i < offsets.length; i++) {
    const at = offsets[i]!;
    if (at > dataLength || (i > 0 && at < offsets[i - 1]!)) {
      throw new RangeError(
        `${name} must be non-decreasing and within data (length ${dataLength}); ${name}[${i}] = ${at}`,
      );
    }
  }
}

/** expectBoolean throws TypeError unless `value` is a boolean. */
export function expectBoolean(value: unknown, name: string): asserts value is boolean {
  if (typeof value !== 'boolean') {
    throw new TypeError(`Expected boolean for ${name} but received ${describe(value)} of type ${typeof value}`);
  }
}

/** expectChainingValue throws unless `value` is exactly 32 bytes. */
export function expectChainingValue(value: unknown, name: string): asserts value is Uint8Array {
  expectBytes(value, name);
  if (value.length !== 32) throw new RangeError(`${name} must be 32 bytes, received ${value.length}`);
}

/**
 * expectPairLevel checks a level of `count` adjacent 32-byte pairs and an `out` for `count`
 * digests (the parent and pair entry points of every BLAKE3 kernel).
 */
export function expectPairLevel(level: unknown, count: unknown, out: unknown): asserts level is Uint8Array {
  expectBytes(level, 'level');
  expectCount(count, 'count');
  if (level.length < count * 64) throw new RangeError(`level must hold ${count * 64} bytes (${count} pairs × 64), received ${level.length}`);
  expectOut(out, count * 32, `${count} pairs × 32`);
}

/** expectGroups checks groupChainingValues' arguments and returns the number of groups. */
export function expectGroups(data: unknown, groupSize: unknown, firstChunk: unknown, out: unknown): number {
  expectBytes(data, 'data');
  expectNonEmpty(data);
  expectGroupSize(groupSize);
  expectCount(firstChunk, 'firstChunk');
  const count = Math.ceil(data.length / groupSize);
  expectOut(out, count * 32, `${count} groups × 32`);
  return count;
}

/**
 * Mapped byte ranges of files, from the native addon (native/file/mapped_range.h).
 *
 * A file build hashes a page-cached file fastest straight from the page cache: read(2) would
 * copy every byte into a buffer first, and on two cores that copy is what stops two hashing
 * threads from scaling (docs/native.md). A mapped range is guarded: if the file shrinks while
 * it is mapped, the pages past its end read as zeros instead of killing the process, and
 * `unmap` returns false, so the caller fails the build with "data changed during build".
 *
 * This is the addon's public edge for mappings: arguments are validated here.
 */
import { loadNativeAddon } from '../addon/loader.js';

interface AddonMapFunctions {
  mapFileRange(fd: number, offset: number, length: number, firstTouchLimitNs?: number): ArrayBuffer | null;
  unmapFileRange(buffer: ArrayBuffer): boolean;
}

/**
 * How a file build gets at a file's bytes: `true` maps them, `false` reads them, `'auto'`
 * (the default) maps each window only where using a mapped page costs less than reading it
 * (see `map`'s firstTouchLimitNs), and reads the rest.
 */
export type MappingChoice = boolean | 'auto';

export interface FileMapper {
  /**
   * map returns bytes [offset, offset + length) of the open file `fd`, read-only, their page
   * tables filled. Throws if the range cannot be mapped. With firstTouchLimitNs, it first
   * times the first use of a few mapped pages and returns undefined when that takes longer
   * per page than the limit (reading is then the cheaper way).
   */
  map(fd: number, offset: number, length: number, firstTouchLimitNs?: number): Uint8Array | undefined;
  /** unmap releases a mapping made by `map` (its bytes are gone after this); false: the file did not cover all of it. */
  unmap(view: Uint8Array): boolean;
}

let mapper: FileMapper | { unavailable: string } | undefined;

/** fileMapper returns the mapper, or why files cannot be mapped here (no addon, or not POSIX). */
export function fileMapper(): FileMapper | { unavailable: string } {
  if (mapper) return mapper;
  const state = loadNativeAddon();
  if ('unavailable' in state) return (mapper = { unavailable: state.unavailable });
  const addon = state.addon as Partial<AddonMapFunctions>;
  if (typeof addon.mapFileRange !== 'function' || typeof addon.unmapFileRange !== 'function') {
    return (mapper = { unavailable: 'the native addon of this platform has no mapped file ranges' });
  }
  const { mapFileRange, unmapFileRange } = addon as AddonMapFunctions;
  return (mapper = {
    map(fd, offset, length, firstTouchLimitNs) {
      if (!Number.isSafeInteger(fd) || fd < 0 || fd > 0x7fffffff) throw new TypeError(`map: fd must be an open file descriptor, got ${fd}`);
      if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`map: offset must be a byte offset >= 0, got ${offset}`);
      if (!Number.isSafeInteger(length) || length <= 0 || !Number.isSafeInteger(offset + length)) {
        throw new RangeError(`map: length must be a byte count > 0, got ${length}`);
      }
      if (firstTouchLimitNs !== undefined && !(firstTouchLimitNs >= 0 && firstTouchLimitNs <= Number.MAX_SAFE_INTEGER)) {
        throw new RangeError(`map: firstTouchLimitNs must be a number of nanoseconds >= 0, got ${firstTouchLimitNs}`);
      }
      const mapped = mapFileRange(fd, offset, length, firstTouchLimitNs === undefined ? undefined : Math.floor(firstTouchLimitNs));
      return mapped === null ? undefined : new Uint8Array(mapped);
    },
    unmap(view) {
      if (!(view instanceof Uint8Array) || view.byteOffset !== 0 || view.byteLength !== view.buffer.byteLength) {
        throw new TypeError('unmap: view must be a Uint8Array that map returned');
      }
      return unmapFileRange(view.buffer as ArrayBuffer);
    },
  });
}

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
  mapFileRange(fd: number, offset: number, length: number): ArrayBuffer;
  unmapFileRange(buffer: ArrayBuffer): boolean;
}

export interface FileMapper {
  /** map returns bytes [offset, offset + length) of the open file `fd`, read-only. Throws if the range cannot be mapped. */
  map(fd: number, offset: number, length: number): Uint8Array;
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
    map(fd, offset, length) {
      if (!Number.isSafeInteger(fd) || fd < 0 || fd > 0x7fffffff) throw new TypeError(`map: fd must be an open file descriptor, got ${fd}`);
      if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`map: offset must be a byte offset >= 0, got ${offset}`);
      if (!Number.isSafeInteger(length) || length <= 0 || !Number.isSafeInteger(offset + length)) {
        throw new RangeError(`map: length must be a byte count > 0, got ${length}`);
      }
      return new Uint8Array(mapFileRange(fd, offset, length));
    },
    unmap(view) {
      if (!(view instanceof Uint8Array) || view.byteOffset !== 0 || view.byteLength !== view.buffer.byteLength) {
        throw new TypeError('unmap: view must be a Uint8Array that map returned');
      }
      return unmapFileRange(view.buffer as ArrayBuffer);
    },
  });
}

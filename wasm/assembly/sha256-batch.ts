// SHA-256 batch driver: hashes the listed messages four at a time on the SIMD build and one
// at a time on the scalar build (chosen at compile time by ASC_FEATURE_SIMD).
import { OUTPUT } from './layout';
import { listBlocks, listSpans, messageLength, messagePtr } from './messages';
import { sha256One } from './sha256-scalar';
import { sha256x4 } from './sha256-simd';

function sha256Listed(count: i32, prefix: i32, twice: bool): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 1 < count; i += 4) {
      const lanes = min(4, count - i);
      // Lanes past the batch's end repeat its last message; their digests are not stored.
      const i1 = min(i + 1, count - 1), i2 = min(i + 2, count - 1), i3 = min(i + 3, count - 1);
      sha256x4(
        messagePtr(i), messageLength(i), messagePtr(i1), messageLength(i1),
        messagePtr(i2), messageLength(i2), messagePtr(i3), messageLength(i3),
        prefix, twice, lanes,
        OUTPUT + (<usize>i << 5), OUTPUT + (<usize>i1 << 5), OUTPUT + (<usize>i2 << 5), OUTPUT + (<usize>i3 << 5),
      );
    }
  }
  for (; i < count; i++) sha256One(messagePtr(i), messageLength(i), prefix, twice, OUTPUT + (<usize>i << 5));
}

/** sha256Blocks hashes `count` consecutive blocks of INPUT (the last `lastLength` bytes) into OUTPUT. */
export function sha256Blocks(count: i32, blockSize: i32, lastLength: i32, prefix: i32, twice: bool): void {
  listBlocks(count, blockSize, lastLength);
  sha256Listed(count, prefix, twice);
}

/** sha256Spans hashes the `count` spans of INPUT bounded by OFFSETS into OUTPUT. */
export function sha256Spans(count: i32, prefix: i32): void {
  listSpans(count);
  sha256Listed(count, prefix, false);
}

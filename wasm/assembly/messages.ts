// Message descriptors: every batch entry point first lists its messages as (address, length)
// pairs in MESSAGE_PTR / MESSAGE_LEN, so each hash's driver has one loop for every shape.
import { INPUT, MESSAGE_LEN, MESSAGE_PTR, OFFSETS } from './layout';

// @ts-ignore: decorator
@inline export function messagePtr(i: i32): usize {
  return load<u32>(MESSAGE_PTR + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline export function messageLength(i: i32): i32 {
  return load<i32>(MESSAGE_LEN + (<usize>i << 2));
}

/** listBlocks lists `count` consecutive blocks of INPUT: all `blockSize` bytes but the last (`lastLength`). */
export function listBlocks(count: i32, blockSize: i32, lastLength: i32): void {
  for (let i = 0; i < count; i++) {
    store<u32>(MESSAGE_PTR + (<usize>i << 2), <u32>(INPUT + <usize>i * <usize>blockSize));
    store<i32>(MESSAGE_LEN + (<usize>i << 2), i == count - 1 ? lastLength : blockSize);
  }
}

/** listSpans lists the `count` spans of INPUT bounded by OFFSETS[0..count]. */
export function listSpans(count: i32): void {
  for (let i = 0; i < count; i++) {
    const begin = load<u32>(OFFSETS + (<usize>i << 2));
    const end = load<u32>(OFFSETS + (<usize>(i + 1) << 2));
    store<u32>(MESSAGE_PTR + (<usize>i << 2), <u32>(INPUT + <usize>begin));
    store<i32>(MESSAGE_LEN + (<usize>i << 2), <i32>(end - begin));
  }
}

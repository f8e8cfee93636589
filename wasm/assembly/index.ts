// The module's exports: one ABI for both builds (SIMD128 and scalar). See docs/wasm.md.
import { INPUT, INPUT_CAPACITY, MAX_MESSAGES, OFFSETS, OUTPUT } from './layout';

export { sha256Blocks, sha256Spans } from './sha256-batch';
export { sha256StreamBegin, sha256StreamUpdate, sha256StreamFinal } from './sha256-scalar';

/** inputAddress is where the host writes a batch's message bytes. */
export function inputAddress(): usize { return INPUT; }
/** outputAddress is where digests (and chaining values) are written, 32 bytes each. */
export function outputAddress(): usize { return OUTPUT; }
/** offsetsAddress is where the host writes span boundaries (u32, relative to INPUT). */
export function offsetsAddress(): usize { return OFFSETS; }
export function inputCapacity(): i32 { return INPUT_CAPACITY; }
export function maxMessages(): i32 { return MAX_MESSAGES; }
/** simdLanes is 4 on the SIMD128 build and 1 on the scalar build. */
export function simdLanes(): i32 { return ASC_FEATURE_SIMD ? 4 : 1; }

export {
  blake3Blocks, blake3Spans, blake3GroupChainingValues, blake3ParentChainingValues, blake3ParentRoot,
} from './blake3-batch';

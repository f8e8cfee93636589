/**
 * What a build of the project's WebAssembly kernels (wasm/assembly, built by `npm run build:wasm`)
 * becomes once instantiated: batched SHA-256 and BLAKE3, 4 lanes on SIMD128 or scalar, plus
 * BLAKE3's chaining-value entry points for the b3tree profile. Where the module's bytes come from
 * is the caller's: a file in Node (wasm-kernels.ts), bytes inside the browser build (verify/).
 *
 * One batch is one copy into the module's memory, one call, one copy out; batches larger than
 * the module's input region are cut into several such calls, and single messages larger than
 * it are streamed through it. Kernels trust their arguments: callers hand them out behind
 * validate.ts. Module state is per instance, so kernels of different instances (threads)
 * never share memory.
 */
import type { Blake3TreeKernel, HashKernel, HashName } from './types.js';

/** Which build of the kernels runs: 4-lane SIMD128, or scalar for engines without SIMD. */
export type WasmVariant = 'simd128' | 'scalar';

const kDigestSize = 32;
const kChunkLen = 1024;
const kTwoTo32 = 2 ** 32;

/**
 * The slice of the WebAssembly JS API used here (the project's `lib` setting has no DOM types,
 * where TypeScript declares WebAssembly).
 */
interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: object } }>;
}
const kWebAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/**
 * The smallest module that uses a SIMD128 instruction: one function returning `v128.const 0`.
 * Engines without SIMD reject it in WebAssembly.validate.
 */
const kSimdProbe = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c, // code section: body of 20 bytes, no locals, v128.const
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // the 16-byte immediate
  0x0b, // end
]);

/** simd128Supported reports whether this engine runs WebAssembly SIMD128. */
export function simd128Supported(): boolean {
  return kWebAssembly.validate(kSimdProbe);
}

/** The exports every build of wasm/assembly/index.ts provides (see docs/wasm.md). */
interface KernelExports {
  readonly memory: { readonly buffer: ArrayBuffer };
  inputAddress(): number;
  outputAddress(): number;
  offsetsAddress(): number;
  inputCapacity(): number;
  maxMessages(): number;
  simdLanes(): number;
  sha256Blocks(count: number, blockSize: number, lastLength: number, prefix: number, twice: boolean): void;
  sha256Spans(count: number, prefix: number): void;
  sha256StreamBegin(): void;
  sha256StreamUpdate(data: number, length: number): void;
  sha256StreamFinal(data: number, length: number, out: number): void;
  blake3Blocks(count: number, blockSize: number, lastLength: number, prefix: number): void;
  blake3Spans(count: number, prefix: number): void;
  blake3GroupChainingValues(length: number, groupSize: number, firstChunkLow: number, firstChunkHigh: number): void;
  blake3ParentChainingValues(count: number): void;
  blake3ParentRoot(): void;
}

/** The kernels of one instantiated build. */
export interface WasmKernelSet {
  readonly variant: WasmVariant;
  readonly sha256: HashKernel;
  readonly blake3: HashKernel;
  readonly blake3Tree: Blake3TreeKernel;
}

/**
 * instantiateWasmKernels instantiates one build's module from its bytes and returns its kernels.
 * Rejects if the engine cannot compile it (for the simd128 build: no SIMD128, said by name).
 */
export async function instantiateWasmKernels(bytes: Uint8Array, variant: WasmVariant): Promise<WasmKernelSet> {
  if (variant === 'simd128' && !simd128Supported()) {
    throw new Error('this engine has no WebAssembly SIMD128; use the scalar build (MERKLE_WASM=scalar in Node)');
  }
  const { instance } = await kWebAssembly.instantiate(bytes, {});
  const module = new KernelModule(instance.exports as unknown as KernelExports);
  const kernel = variant === 'simd128' ? `wasm-simd128-x${module.lanes}` : 'wasm-scalar';
  return {
    variant,
    sha256: batchKernel('sha256', kernel, module, sha256Ops(module)),
    blake3: batchKernel('blake3', kernel, module, blake3Ops(module)),
    blake3Tree: blake3TreeKernel(kernel, module),
  };
}

/** KernelModule is one instance's memory regions, with the copies in and out of them. */
class KernelModule {
  readonly exports: KernelExports;
  readonly memory: Uint8Array;
  readonly offsets: Uint32Array;
  readonly input: number;
  readonly output: number;
  /** Bytes of message data per call. A power of two of BLAKE3 chunks. */
  readonly capacity: number;
  /** Messages (digests) per call. */
  readonly maxMessages: number;
  readonly lanes: number;

  constructor(exports: KernelExports) {
    this.exports = exports;
    // The module grows its memory once, at instantiation, so this view never goes stale.
    this.memory = new Uint8Array(exports.memory.buffer);
    this.input = exports.inputAddress();
    this.output = exports.outputAddress();
    this.capacity = exports.inputCapacity();
    this.maxMessages = exports.maxMessages();
    this.lanes = exports.simdLanes();
    this.offsets = new Uint32Array(exports.memory.buffer, exports.offsetsAddress(), this.maxMessages + 1);
  }

  /** copyIn writes `data` to the input region. */
  copyIn(data: Uint8Array): void {
    this.memory.set(data, this.input);
  }

  /** copyOut copies `count` 32-byte outputs to out[at, at + 32·count). */
  copyOut(count: number, out: Uint8Array, at: number): void {
    out.set(this.memory.subarray(this.output, this.output + count * kDigestSize), at);
  }

  /** copyVirtual writes bytes [from, to) of `prefix ‖ data` (prefix < 0: none) to the input region. */
  copyVirtual(data: Uint8Array, prefix: number, from: number, to: number): void {
    if (prefix < 0) {
      this.memory.set(data.subarray(from, to), this.input);
    } else if (from === 0) {
      this.memory[this.input] = prefix;
      this.memory.set(data.subarray(0, to - 1), this.input + 1);
    } else {
      this.memory.set(data.subarray(from - 1, to - 1), this.input);
    }
  }
}

/** What one hash adds to the shared batch wrapper. */
interface BatchOps {
  /** Hashes `count` blocks at the input region into the output region; `twice` hashes each digest again. */
  blocks(count: number, blockSize: number, lastLength: number, prefix: number, twice: boolean): void;
  /** Hashes the `count` spans described in the offsets region. */
  spans(count: number, prefix: number): void;
  /** Hashes one message `prefix ‖ data` too large for the input region into out[at, at + 32). */
  large(data: Uint8Array, prefix: number, out: Uint8Array, at: number): void;
}

function sha256Ops(module: KernelModule): BatchOps {
  const wasm = module.exports;
  return {
    blocks: (count, blockSize, lastLength, prefix, twice) => wasm.sha256Blocks(count, blockSize, lastLength, prefix, twice),
    spans: (count, prefix) => wasm.sha256Spans(count, prefix),
    large(data, prefix, out, at) {
      // Stream whole input regions (a multiple of 64 bytes), then the tail.
      const total = data.length + (prefix >= 0 ? 1 : 0);
      wasm.sha256StreamBegin();
      let from = 0;
      for (; total - from > module.capacity; from += module.capacity) {
        module.copyVirtual(data, prefix, from, from + module.capacity);
        wasm.sha256StreamUpdate(module.input, module.capacity);
      }
      module.copyVirtual(data, prefix, from, total);
      wasm.sha256StreamFinal(module.input, total - from, module.output);
      module.copyOut(1, out, at);
    },
  };
}

function blake3Ops(module: KernelModule): BatchOps {
  const wasm = module.exports;
  return {
    blocks(count, blockSize, lastLength, prefix, twice) {
      wasm.blake3Blocks(count, blockSize, lastLength, prefix);
      if (twice) {
        // BLAKE3 has no fused second pass: hash the digests again, in place.
        module.memory.copyWithin(module.input, module.output, module.output + count * kDigestSize);
        wasm.blake3Blocks(count, kDigestSize, kDigestSize, -1);
      }
    },
    spans: (count, prefix) => wasm.blake3Spans(count, prefix),
    large(data, prefix, out, at) {
      // The input region is a power of two of chunks, so each region-sized piece of the
      // message is a whole subtree: hash pieces to CVs, then merge them up to the root.
      const total = data.length + (prefix >= 0 ? 1 : 0);
      const chunksPerPiece = module.capacity / kChunkLen;
      const cvs = new Uint8Array(Math.ceil(total / module.capacity) * kDigestSize);
      for (let from = 0, piece = 0; from < total; from += module.capacity, piece++) {
        const to = Math.min(total, from + module.capacity);
        module.copyVirtual(data, prefix, from, to);
        const firstChunk = piece * chunksPerPiece;
        wasm.blake3GroupChainingValues(to - from, module.capacity, firstChunk % kTwoTo32, Math.floor(firstChunk / kTwoTo32));
        module.copyOut(1, cvs, piece * kDigestSize);
      }
      const [left, right] = mergeToTwo(module, cvs);
      rootOfPair(module, left, right, out, at);
    },
  };
}

/**
 * mergeToTwo merges a level of (at least two) CVs level by level, a lone last CV moving up,
 * until two remain: the children of the root in BLAKE3's left-balanced tree.
 */
function mergeToTwo(module: KernelModule, cvs: Uint8Array): [Uint8Array, Uint8Array] {
  let level = cvs;
  while (level.length > 2 * kDigestSize) level = mergeLevel(module, level);
  return [level.subarray(0, kDigestSize), level.subarray(kDigestSize, 2 * kDigestSize)];
}

/** mergeLevel returns the parent CVs of `level`, with a lone last CV carried up unchanged. */
function mergeLevel(module: KernelModule, level: Uint8Array): Uint8Array {
  const count = level.length / kDigestSize;
  const pairs = Math.floor(count / 2);
  const next = new Uint8Array(Math.ceil(count / 2) * kDigestSize);
  parentCvs(module, level, pairs, next);
  if (count % 2 === 1) next.set(level.subarray((count - 1) * kDigestSize), pairs * kDigestSize);
  return next;
}

function parentCvs(module: KernelModule, level: Uint8Array, count: number, out: Uint8Array): void {
  for (let i = 0; i < count; i += module.maxMessages) {
    const n = Math.min(module.maxMessages, count - i);
    module.copyIn(level.subarray(i * 2 * kDigestSize, (i + n) * 2 * kDigestSize));
    module.exports.blake3ParentChainingValues(n);
    module.copyOut(n, out, i * kDigestSize);
  }
}

function rootOfPair(module: KernelModule, left: Uint8Array, right: Uint8Array, out: Uint8Array, at: number): void {
  module.memory.set(left, module.input);
  module.memory.set(right, module.input + kDigestSize);
  module.exports.blake3ParentRoot();
  module.copyOut(1, out, at);
}

/** batchKernel wraps one hash's batch entry points as a HashKernel, cutting batches to fit the module. */
function batchKernel(hash: HashName, kernel: string, module: KernelModule, ops: BatchOps): HashKernel {
  return {
    hash,
    backend: 'wasm',
    kernel,
    digestSize: kDigestSize,

    hashBlocks(data, blockSize, prefix, out) {
      const count = Math.ceil(data.length / blockSize);
      if (blockSize > module.capacity) {
        for (let i = 0; i < count; i++) {
          ops.large(data.subarray(i * blockSize, Math.min(data.length, (i + 1) * blockSize)), prefix, out, i * kDigestSize);
        }
        return;
      }
      const perCall = Math.min(module.maxMessages, Math.floor(module.capacity / blockSize));
      for (let first = 0; first < count; first += perCall) {
        const n = Math.min(perCall, count - first);
        const begin = first * blockSize;
        const end = Math.min(data.length, begin + n * blockSize);
        module.copyIn(data.subarray(begin, end));
        ops.blocks(n, blockSize, end - begin - (n - 1) * blockSize, prefix, false);
        module.copyOut(n, out, first * kDigestSize);
      }
    },

    hashSpans(data, offsets, prefix, out) {
      const count = offsets.length - 1;
      let first = 0;
      while (first < count) {
        const begin = offsets[first]!;
        if (offsets[first + 1]! - begin > module.capacity) {
          ops.large(data.subarray(begin, offsets[first + 1]!), prefix, out, first * kDigestSize);
          first++;
          continue;
        }
        // Take as many whole spans as fit in one call.
        let last = first + 1;
        const lastAllowed = Math.min(count, first + module.maxMessages);
        while (last < lastAllowed && offsets[last + 1]! - begin <= module.capacity) last++;
        module.copyIn(data.subarray(begin, offsets[last]!));
        for (let i = first; i <= last; i++) module.offsets[i - first] = offsets[i]! - begin;
        ops.spans(last - first, prefix);
        module.copyOut(last - first, out, first * kDigestSize);
        first = last;
      }
    },

    hashPairs(level, count, prefix, double, out) {
      const pair = 2 * kDigestSize;
      for (let first = 0; first < count; first += module.maxMessages) {
        const n = Math.min(module.maxMessages, count - first);
        module.copyIn(level.subarray(first * pair, (first + n) * pair));
        ops.blocks(n, pair, pair, prefix, double);
        module.copyOut(n, out, first * kDigestSize);
      }
    },
  };
}

function blake3TreeKernel(kernel: string, module: KernelModule): Blake3TreeKernel {
  const wasm = module.exports;
  const blake3 = blake3Ops(module);

  /** Writes the CVs of the groups of data (at most one region of it) with chunk counters from firstChunk. */
  const groupsInRegion = (data: Uint8Array, groupSize: number, firstChunk: number, out: Uint8Array, at: number): void => {
    module.copyIn(data);
    wasm.blake3GroupChainingValues(data.length, groupSize, firstChunk % kTwoTo32, Math.floor(firstChunk / kTwoTo32));
    module.copyOut(Math.ceil(data.length / groupSize), out, at);
  };

  return {
    backend: 'wasm',
    kernel,

    groupChainingValues(data, groupSize, firstChunk, out) {
      const groups = Math.ceil(data.length / groupSize);
      if (groupSize <= module.capacity) {
        const perCall = Math.floor(module.capacity / groupSize) * groupSize;
        for (let from = 0; from < data.length; from += perCall) {
          const piece = data.subarray(from, Math.min(data.length, from + perCall));
          groupsInRegion(piece, groupSize, firstChunk + from / kChunkLen, out, (from / groupSize) * kDigestSize);
        }
        return;
      }
      // A group larger than the region: region-sized pieces are whole subtrees of the group.
      for (let g = 0; g < groups; g++) {
        const group = data.subarray(g * groupSize, Math.min(data.length, (g + 1) * groupSize));
        const groupFirstChunk = firstChunk + (g * groupSize) / kChunkLen;
        let level: Uint8Array = new Uint8Array(Math.ceil(group.length / module.capacity) * kDigestSize);
        for (let from = 0; from < group.length; from += module.capacity) {
          const piece = group.subarray(from, Math.min(group.length, from + module.capacity));
          groupsInRegion(piece, module.capacity, groupFirstChunk + from / kChunkLen, level, (from / module.capacity) * kDigestSize);
        }
        while (level.length > kDigestSize) level = mergeLevel(module, level);
        out.set(level, g * kDigestSize);
      }
    },

    parentChainingValues(level, count, out) {
      parentCvs(module, level, count, out);
    },

    parentRoot(left, right, out) {
      rootOfPair(module, left, right, out, 0);
    },

    hash(data, out) {
      if (data.length > module.capacity) {
        blake3.large(data, -1, out, 0);
        return;
      }
      module.copyIn(data);
      blake3.blocks(1, Math.max(1, data.length), data.length, -1, false);
      module.copyOut(1, out, 0);
    },
  };
}

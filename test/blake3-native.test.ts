/**
 * The native BLAKE3 engine: every kernel this CPU has (others reported skipped with the reason),
 * the dispatched one, a MERKLE_BLAKE3_KERNEL-forced process, and the TypeScript portable kernel, against
 * the official vectors, the native portable kernel (the oracle for SIMD) and hash-wasm.
 */
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  _nativeBlake3Kernels,
  _nativeBlake3WithKernel,
  nativeBlake3,
  type NativeBlake3,
} from '../src/hash/blake3-native.js';
import { createPortableBlake3TreeKernel } from '../src/hash/blake3-portable.js';
import { loadNativeAddon, nativeAddonPath } from '../src/addon/loader.js';
import { loadKernel } from '../src/hash/registry.js';
import {
  hex,
  refBlake3Factory,
  refBlake3Vectors,
  refVectorInput,
  seededBytes,
  seededInts,
} from './blake3-helpers.js';

const vectors = refBlake3Vectors();
const addon = loadNativeAddon();
const addonReason = 'unavailable' in addon ? addon.unavailable : '';
const kernels = _nativeBlake3Kernels();
const kAllIds = ['portable', 'sse41', 'avx2', 'avx512'];
// MERKLE_KERNEL in the test environment would change what "dispatched" means.
const forcedByEnv = process.env['MERKLE_BLAKE3_KERNEL'] || process.env['MERKLE_KERNEL'] || undefined;

/** skipReason says why kernel `id` cannot be tested here, or '' if it can. */
function skipReason(id: string): string {
  if (addonReason) return addonReason;
  const info = kernels.find((k) => k.id === id);
  if (!info) return `kernel ${id} is not built into this addon (not x86)`;
  return info.supported ? '' : `this CPU lacks the features kernel ${id} needs`;
}

// Lengths at every boundary: block ±1, chunk ±1, up to 3 chunks + 1.
const kLengths = [1, 2, 63, 64, 65, 127, 128, 129, 1000, 1023, 1024, 1025, 2047, 2048, 2049, 3071, 3072, 3073];
// Batch counts that are and are not multiples of 4, 8, 16, and their sum 31.
// 10, 12, 18, 20, 21, 24: a last pass at most half full goes to the next narrower kernel
// (x16 -> x8 -> x4), then at one input to the portable code.
const kCounts = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 15, 16, 17, 18, 20, 21, 24, 30, 31, 33, 64, 65, 70];
// Chunk counters around 2^32 (carry into the high word) and far beyond.
const kFirstChunks = [0, 1, 2 ** 32 - 5, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 3, 2 ** 52 + 16];

let refBlake3: (data: Uint8Array, prefix?: number) => Uint8Array;
beforeAll(async () => {
  refBlake3 = await refBlake3Factory();
});

for (const id of kAllIds) {
  const reason = skipReason(id);
  describe.skipIf(reason !== '')(`native BLAKE3 kernel ${id}${reason ? ` (skipped: ${reason})` : ''}`, () => {
    let k: NativeBlake3;
    let portable: NativeBlake3;
    beforeAll(() => {
      k = _nativeBlake3WithKernel(id);
      portable = _nativeBlake3WithKernel('portable');
    });

    it('hashes all 35 official vectors (hash, hashBlocks, hashSpans)', () => {
      for (const v of vectors) {
        const data = refVectorInput(v.inputLength);
        const out = new Uint8Array(32);
        k.treeKernel.hash(data, out);
        expect(hex(out), `hash len ${v.inputLength}`).toBe(v.hash);
        k.hashKernel.hashSpans(data, Uint32Array.of(0, data.length), -1, out.fill(0));
        expect(hex(out), `hashSpans len ${v.inputLength}`).toBe(v.hash);
        if (v.inputLength > 0) {
          k.hashKernel.hashBlocks(data, data.length, -1, out.fill(0));
          expect(hex(out), `hashBlocks len ${v.inputLength}`).toBe(v.hash);
        }
      }
    });

    it('hashBlocks equals the portable kernel for every boundary length and batch count, with and without prefix', () => {
      const draw = seededInts(11);
      for (const blockSize of kLengths) {
        for (const count of kCounts) {
          const short = draw(blockSize); // last block short by this much (0 = full)
          const data = seededBytes(blockSize * count - short, blockSize * 1000 + count);
          for (const prefix of [-1, 0x00, 0xff]) {
            const want = new Uint8Array(count * 32);
            const got = new Uint8Array(count * 32);
            portable.hashKernel.hashBlocks(data, blockSize, prefix, want);
            k.hashKernel.hashBlocks(data, blockSize, prefix, got);
            expect(hex(got), `blockSize ${blockSize} count ${count} prefix ${prefix}`).toBe(hex(want));
          }
        }
      }
    });

    it('batches of long blocks (side by side up to 256 chunks, leftovers across chunks) equal the portable kernel', () => {
      const blockSizes = [4095, 4096, 16384, 16385, 65535, 65536, 256 * 1024, 256 * 1024 + 1, 257 * 1024];
      for (const blockSize of blockSizes) {
        for (const count of blockSize > 65536 ? [16, 17] : [15, 16, 17, 33]) {
          const data = seededBytes(blockSize * count - (count % 2), blockSize + count);
          for (const prefix of [-1, 0x00]) {
            const want = new Uint8Array(count * 32);
            const got = new Uint8Array(count * 32);
            portable.hashKernel.hashBlocks(data, blockSize, prefix, want);
            k.hashKernel.hashBlocks(data, blockSize, prefix, got);
            expect(hex(got), `blockSize ${blockSize} count ${count} prefix ${prefix}`).toBe(hex(want));
          }
        }
      }
      const last = seededBytes(65536 * 16, 1).subarray(65536 * 15);
      expect(hex(refBlake3(last))).toBe(
        hex((() => {
          const out = new Uint8Array(16 * 32);
          k.hashKernel.hashBlocks(seededBytes(65536 * 16, 1), 65536, -1, out);
          return out.subarray(15 * 32);
        })()),
      );
    });

    it('long messages (4, 8, 16, 31 chunks, past the 256-chunk side-by-side limit and the 1024-chunk window) equal the portable kernel', () => {
      // 1023..1025: one window and one chunk past it; 2048/2049: two windows merged on the CV
      // stack, then a lone chunk folded in from the right; 3073: three windows and a chunk.
      const chunkCounts = [4, 8, 16, 31, 63, 64, 65, 200, 255, 256, 257, 513, 1023, 1024, 1025, 1100, 2048, 2049, 3073];
      for (const chunks of chunkCounts) {
        for (const delta of [-1, 0, 1]) {
          const data = seededBytes(chunks * 1024 + delta, chunks * 3 + delta + 7);
          const want = new Uint8Array(32);
          const got = new Uint8Array(32);
          portable.treeKernel.hash(data, want);
          k.treeKernel.hash(data, got);
          expect(hex(got), `${chunks} chunks ${delta >= 0 ? '+' : ''}${delta}`).toBe(hex(want));
          expect(hex(got)).toBe(hex(refBlake3(data)));
          k.hashKernel.hashBlocks(data, data.length, 0x01, got);
          expect(hex(got), `prefixed, ${chunks} chunks`).toBe(hex(refBlake3(data, 0x01)));
        }
      }
    });

    it('groupChainingValues equals the portable kernels for group sizes 1 KiB..2 MiB and counters past 2^32', () => {
      const ts = createPortableBlake3TreeKernel();
      const draw = seededInts(5);
      // Up to 1 MiB a window (1024 chunks) holds whole groups; 2 MiB groups go window by window.
      for (const groupSize of [1024, 2048, 4096, 16384, 65536, 131072, 262144, 1 << 20, 2 << 20]) {
        for (const firstChunk of kFirstChunks) {
          const groups = 1 + draw(groupSize <= 4096 ? 40 : groupSize <= 262144 ? 4 : 2);
          const length = groups * groupSize - draw(groupSize);
          const data = seededBytes(length, groupSize + firstChunk);
          const count = Math.ceil(length / groupSize);
          const want = new Uint8Array(count * 32);
          const got = new Uint8Array(count * 32);
          portable.treeKernel.groupChainingValues(data, groupSize, firstChunk, want);
          k.treeKernel.groupChainingValues(data, groupSize, firstChunk, got);
          expect(hex(got), `groupSize ${groupSize} firstChunk ${firstChunk}`).toBe(hex(want));
          if (groupSize <= 16384) {
            ts.groupChainingValues(data, groupSize, firstChunk, want.fill(0));
            expect(hex(want), `ts-portable groupSize ${groupSize} firstChunk ${firstChunk}`).toBe(hex(got));
          }
        }
      }
    });

    it('the chunk counter high word reaches the hash (2^32 differs from 0)', () => {
      const data = seededBytes(4096, 3);
      const at0 = new Uint8Array(4 * 32);
      const at32 = new Uint8Array(4 * 32);
      k.treeKernel.groupChainingValues(data, 1024, 0, at0);
      k.treeKernel.groupChainingValues(data, 1024, 2 ** 32, at32);
      for (let g = 0; g < 4; g++) expect(hex(at32.subarray(32 * g, 32 * g + 32))).not.toBe(hex(at0.subarray(32 * g, 32 * g + 32)));
    });

    it('hashPairs (plain, prefixed, double) and parent CVs equal the portable kernel and hash-wasm', () => {
      for (const count of kCounts) {
        const level = seededBytes(count * 64, count);
        for (const prefix of [-1, 0x01]) {
          for (const double of [false, true]) {
            const got = new Uint8Array(count * 32);
            const want = new Uint8Array(count * 32);
            k.hashKernel.hashPairs(level, count, prefix, double, got);
            portable.hashKernel.hashPairs(level, count, prefix, double, want);
            expect(hex(got)).toBe(hex(want));
            for (const i of [0, count - 1]) {
              let ref = refBlake3(level.subarray(64 * i, 64 * i + 64), prefix);
              if (double) ref = refBlake3(ref);
              expect(hex(got.subarray(32 * i, 32 * i + 32)), `pair ${i}/${count} prefix ${prefix} double ${double}`).toBe(hex(ref));
            }
          }
        }
        const got = new Uint8Array(count * 32);
        const want = new Uint8Array(count * 32);
        k.treeKernel.parentChainingValues(level, count, got);
        portable.treeKernel.parentChainingValues(level, count, want);
        expect(hex(got)).toBe(hex(want));
      }
    });

    it('hashSpans equals hash-wasm for random spans, runs of equal length and empty spans', () => {
      const draw = seededInts(77);
      for (let round = 0; round < 20; round++) {
        const offsets: number[] = [0];
        while (offsets.length < 60) {
          const last = offsets[offsets.length - 1]!;
          const kind = draw(4);
          const len = kind === 0 ? 0 : kind === 1 ? 100 : kind === 2 ? 1025 : draw(5000);
          const repeat = 1 + draw(20);
          for (let r = 0; r < repeat; r++) offsets.push(last + len * (r + 1));
        }
        const data = seededBytes(offsets[offsets.length - 1]!, round);
        const spans = Uint32Array.from(offsets);
        for (const prefix of [-1, 0x00]) {
          const got = new Uint8Array((spans.length - 1) * 32);
          k.hashKernel.hashSpans(data, spans, prefix, got);
          for (let i = 0; i + 1 < spans.length; i++) {
            const want = refBlake3(data.subarray(spans[i]!, spans[i + 1]!), prefix);
            expect(hex(got.subarray(32 * i, 32 * i + 32)), `round ${round} span ${i}`).toBe(hex(want));
          }
        }
      }
    });

    it('hashBlocks equals hash-wasm (an independent implementation) on random lengths', () => {
      const draw = seededInts(2024);
      for (let round = 0; round < 40; round++) {
        const blockSize = 1 + draw(round % 2 === 0 ? 2048 : 40000);
        const length = 1 + draw(blockSize * 20);
        const prefix = draw(3) - 1;
        const data = seededBytes(length, round + 99);
        const count = Math.ceil(length / blockSize);
        const got = new Uint8Array(count * 32);
        k.hashKernel.hashBlocks(data, blockSize, prefix, got);
        for (let i = 0; i < count; i++) {
          const want = refBlake3(data.subarray(i * blockSize, Math.min((i + 1) * blockSize, length)), prefix);
          expect(hex(got.subarray(32 * i, 32 * i + 32)), `blockSize ${blockSize} length ${length} block ${i}`).toBe(hex(want));
        }
      }
    });
  });
}

describe.skipIf(addonReason !== '')(`native BLAKE3 dispatch${addonReason ? ` (skipped: ${addonReason})` : ''}`, () => {
  it.skipIf(forcedByEnv !== undefined)('dispatches to the widest kernel the CPU has and registers it as backend native', async () => {
    const widest = kernels.filter((k) => k.supported).sort((a, b) => b.lanes - a.lanes)[0]!;
    const native = nativeBlake3();
    if ('unavailable' in native) throw new Error(native.unavailable);
    expect(native.hashKernel.kernel).toBe(widest.name);
    expect(native.treeKernel.kernel).toBe(widest.name);
    const registered = await loadKernel('blake3', 'native');
    // The registry hands out the kernel behind the contract's checks (validate.ts), not the raw one.
    expect(registered).toMatchObject({ backend: 'native', kernel: native.hashKernel.kernel });
  });

  /** runForced runs a child process with MERKLE_BLAKE3_KERNEL set: dispatch happens once per process. */
  const runForced = (value: string, variable = 'MERKLE_BLAKE3_KERNEL'): { id?: string; error?: string; name?: string; hashes?: string[]; stderr: string } => {
    const script = `
      const { blake3 } = require(${JSON.stringify(nativeAddonPath())});
      const selected = blake3.selected;
      if (selected.error) { console.log(JSON.stringify(selected)); process.exit(0); }
      const kernel = blake3.withKernel(selected.id);
      const lengths = ${JSON.stringify(vectors.map((v) => v.inputLength))};
      const hashes = lengths.map((n) => {
        const data = new Uint8Array(n); for (let i = 0; i < n; i++) data[i] = i % 251;
        const out = new Uint8Array(32); kernel.hash(data, out);
        return Buffer.from(out).toString('hex');
      });
      console.log(JSON.stringify({ ...selected, name: kernel.name, hashes }));`;
    const env = { ...process.env, [variable]: value };
    if (variable !== 'MERKLE_KERNEL') delete env.MERKLE_KERNEL;
    const result = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8' });
    return { ...JSON.parse(result.stdout), stderr: result.stderr };
  };

  it('MERKLE_BLAKE3_KERNEL=portable forces the portable kernel, which hashes all 35 vectors', () => {
    const forced = runForced('portable');
    expect(forced.name).toBe('portable');
    expect(forced.hashes).toEqual(vectors.map((v) => v.hash));
  });

  it('MERKLE_BLAKE3_KERNEL with an unknown kernel is refused with a clear reason', () => {
    expect(runForced('sse9').error).toMatch(/MERKLE_BLAKE3_KERNEL=sse9 is not a BLAKE3 kernel of this build \(portable\|/);
  });

  it('the deprecated MERKLE_KERNEL still forces BLAKE3, with one deprecation line; a SHA-256-only name leaves BLAKE3 dispatched', () => {
    const forced = runForced('portable', 'MERKLE_KERNEL');
    expect(forced.name).toBe('portable');
    expect(forced.stderr.match(/MERKLE_KERNEL is deprecated/g)).toHaveLength(1);
    const shani = runForced('shani', 'MERKLE_KERNEL');
    expect(shani.error).toBeUndefined();
    expect(shani.hashes).toEqual(vectors.map((v) => v.hash));
    expect(runForced('sse9', 'MERKLE_KERNEL').error).toMatch(/^MERKLE_KERNEL=sse9 is not a BLAKE3 kernel/);
  });

  const unsupported = kernels.find((k) => !k.supported);
  it.skipIf(!unsupported)(
    `MERKLE_BLAKE3_KERNEL naming a kernel the CPU lacks is refused${unsupported ? '' : ' (skipped: this CPU has every kernel)'}`,
    () => {
      expect(runForced(unsupported!.id).error).toMatch(/needs CPU features this machine lacks/);
    },
  );
});

describe('ts-portable BLAKE3 tree kernel', () => {
  const ts = createPortableBlake3TreeKernel();

  it('hashes all 35 official vectors', () => {
    for (const v of vectors) {
      const out = new Uint8Array(32);
      ts.hash(refVectorInput(v.inputLength), out);
      expect(hex(out), `len ${v.inputLength}`).toBe(v.hash);
    }
  });

  it('equals hash-wasm on random lengths', () => {
    const draw = seededInts(8);
    for (let round = 0; round < 30; round++) {
      const data = seededBytes(draw(70000), round);
      const out = new Uint8Array(32);
      ts.hash(data, out);
      expect(hex(out), `length ${data.length}`).toBe(hex(refBlake3(data)));
    }
  });
});

// Argument checks are the kernel contract's (validate.ts): test/contract/kernel-contract.test.ts.

/**
 * The native SHA-256 kernels against node:crypto (the oracle), the FIPS 180-2 examples and
 * real Bitcoin blocks. Every kernel this CPU can run is tested explicitly, plus the dispatched
 * one; kernels the CPU lacks are skipped with the reason. A child vitest run repeats the file
 * with MERKLE_SHA256_KERNEL=portable so the dispatch path of CPUs without SHA-NI is covered too.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { BackendUnavailableError } from '../src/errors.js';
import {
  kSha256Isas,
  nativeSha256,
  nativeSha256Isas,
  nativeSha256WithIsa,
  type NativeSha256Kernel,
  type Sha256Isa,
} from '../src/hash/native.js';
import { loadNativeAddon, nativeAddonPath } from '../src/addon/loader.js';
import { selectKernel } from '../src/hash/registry.js';
import { randomBytes, seededRandom } from './helpers/reference.js';

const kRepoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const kVectors = path.resolve(kRepoRoot, 'test', 'vectors');
const kAddonLoaded = !('unavailable' in loadNativeAddon());
const kForced = process.env.MERKLE_SHA256_KERNEL || undefined;
const kSeed = 0x5eed_2026;

// ---------------------------------------------------------------- oracles (node:crypto)

function refSha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const part of parts) h.update(part);
  return new Uint8Array(h.digest());
}

function refMessage(message: Uint8Array, prefix: number): Uint8Array {
  return prefix < 0 ? refSha256(message) : refSha256(Uint8Array.of(prefix), message);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fromHex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));

/** Deterministic bytes from a seed, so a failure reproduces; the seed is in the test names. */
function seededBytes(length: number, seed: number): Uint8Array {
  return randomBytes(seededRandom(seed), length);
}

function digestsOf(out: Uint8Array, count: number): string[] {
  return Array.from({ length: count }, (_, i) => hex(out.subarray(32 * i, 32 * i + 32)));
}

// ---------------------------------------------------------------- the kernels under test

const kAvailable = new Set<Sha256Isa>(nativeSha256Isas());

/** One entry per kernel to test: the dispatched one, then every instruction set by name. */
const kKernelCases: Array<{ label: string; skip: string | false; get: () => NativeSha256Kernel }> = [
  {
    label: 'dispatched',
    skip: !kAddonLoaded ? 'native addon not built' : false,
    get: () => {
      const k = nativeSha256();
      if ('unavailable' in k) throw new Error(k.unavailable);
      return k;
    },
  },
  ...kSha256Isas.map((isa) => ({
    label: isa,
    skip: !kAddonLoaded ? 'native addon not built' : kAvailable.has(isa) ? (false as const) : `this CPU lacks ${isa}`,
    get: () => nativeSha256WithIsa(isa),
  })),
];

const kEdgeLengths = [55, 56, 63, 64, 65, 119, 120, 127, 128, 4095, 4096, 4097];

for (const { label, skip, get } of kKernelCases) {
  describe.skipIf(skip !== false)(`native sha256 kernel ${label}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    it('reports its name and instruction set', () => {
      const k = get();
      expect(k.hash).toBe('sha256');
      expect(k.backend).toBe('native');
      expect(k.kernel).toMatch(/^(portable|shani-x4|shani-avx512-x4|avx2-x8|avx512-x16)$/);
      if (label !== 'dispatched') expect(k.isa).toBe(label);
    });

    for (const prefix of [-1, 0x00, 0xff]) {
      it(`hashSpans: every length 0…300 and ${kEdgeLengths.join('/')} in one call, prefix ${prefix}, seed ${kSeed}`, () => {
        const lengths = [...Array.from({ length: 301 }, (_, i) => i), ...kEdgeLengths];
        const messages = lengths.map((n, i) => seededBytes(n, kSeed + i));
        const data = concat(messages);
        const offsets = new Uint32Array(lengths.length + 1);
        for (let i = 0; i < lengths.length; i++) offsets[i + 1] = offsets[i]! + lengths[i]!;
        const out = new Uint8Array(32 * lengths.length);
        get().hashSpans(data, offsets, prefix, out);
        expect(digestsOf(out, lengths.length)).toEqual(messages.map((m) => hex(refMessage(m, prefix))));
      });
    }

    for (const blockSize of [1, 31, ...kEdgeLengths]) {
      it(`hashBlocks: block size ${blockSize}, counts 1…37 with a short last block, prefixes -1 and 0`, () => {
        const k = get();
        for (const prefix of [-1, 0]) {
          for (let count = 1; count <= 37; count++) {
            const short = count % 3 === 0 ? 0 : (count * 7) % blockSize; // a full or a short last block
            const length = (count - 1) * blockSize + (short === 0 ? blockSize : short);
            const data = seededBytes(length, kSeed ^ (blockSize * 1000 + count));
            const out = new Uint8Array(32 * count);
            k.hashBlocks(data, blockSize, prefix, out);
            const want = Array.from({ length: count }, (_, i) =>
              hex(refMessage(data.subarray(i * blockSize, Math.min(length, (i + 1) * blockSize)), prefix)),
            );
            expect(digestsOf(out, count), `count ${count} prefix ${prefix}`).toEqual(want);
          }
        }
      });
    }

    it('hashBlocks: 1000 blocks of 64 and of 100 bytes', () => {
      const k = get();
      for (const blockSize of [64, 100]) {
        const data = seededBytes(1000 * blockSize - 17, kSeed + blockSize);
        const out = new Uint8Array(32 * 1000);
        k.hashBlocks(data, blockSize, 0, out);
        const want = Array.from({ length: 1000 }, (_, i) => hex(refMessage(data.subarray(i * blockSize, (i + 1) * blockSize), 0)));
        expect(digestsOf(out, 1000)).toEqual(want);
      }
    });

    // Whole batches of 128 equal blocks go to the lanes in contiguous runs (HashInLaneRuns in
    // sha256_batch.cc); counts around the batch and lane multiples, every block distinct.
    it('hashBlocks: counts around whole batches of 128 (lane runs), block sizes 1, 65, 4096 and 4097, prefixes -1 and 0', () => {
      const k = get();
      for (const blockSize of [1, 65, 4096, 4097]) {
        for (const count of [127, 128, 129, 256, 256 + 16, 384 + 15]) {
          for (const prefix of [-1, 0]) {
            const data = seededBytes(count * blockSize, kSeed ^ (blockSize * 7919 + count));
            const out = new Uint8Array(32 * count);
            k.hashBlocks(data, blockSize, prefix, out);
            const want = Array.from({ length: count }, (_, i) => hex(refMessage(data.subarray(i * blockSize, (i + 1) * blockSize), prefix)));
            expect(digestsOf(out, count), `block ${blockSize} count ${count} prefix ${prefix}`).toEqual(want);
          }
        }
      }
    });

    for (const [prefix, double] of [
      [-1, false],
      [-1, true],
      [0x01, false],
      [0x01, true],
    ] as const) {
      it(`hashPairs: counts 0…37 and 1000, prefix ${prefix}, double ${double}, into a new buffer and in place`, () => {
        const k = get();
        for (const count of [...Array.from({ length: 38 }, (_, i) => i), 1000]) {
          const level = seededBytes(64 * count, kSeed + count);
          const want = Array.from({ length: count }, (_, i) => {
            const once = refMessage(level.subarray(64 * i, 64 * i + 64), prefix);
            return hex(double ? refSha256(once) : once);
          });
          const out = new Uint8Array(32 * count);
          k.hashPairs(level, count, prefix, double, out);
          expect(digestsOf(out, count), `count ${count}`).toEqual(want);
          const inPlace = level.slice();
          k.hashPairs(inPlace, count, prefix, double, inPlace);
          expect(digestsOf(inPlace, count), `in place, count ${count}`).toEqual(want);
        }
      });
    }

    it('FIPS 180-2 examples (test/vectors/sha256_vectors.json)', () => {
      const k = get();
      const file = JSON.parse(readFileSync(path.join(kVectors, 'sha256_vectors.json'), 'utf8')) as {
        vectors: Array<{ id: string; message_ascii: string; repeat: number; sha256: string }>;
      };
      expect(file.vectors.length).toBeGreaterThanOrEqual(4);
      for (const v of file.vectors) {
        const message = new Uint8Array(Buffer.from(v.message_ascii.repeat(v.repeat), 'ascii'));
        const out = new Uint8Array(32);
        // The empty message is a span (blocks need data); the rest are one block each.
        if (message.length === 0) k.hashSpans(message, new Uint32Array([0, 0]), -1, out);
        else k.hashBlocks(message, message.length, -1, out);
        expect(hex(out), v.id).toBe(v.sha256);
      }
    });

    it('every Bitcoin block in test/vectors/bitcoin_blocks.json: SHA256d levels from txids give the header root', () => {
      const k = get();
      const file = JSON.parse(readFileSync(path.join(kVectors, 'bitcoin_blocks.json'), 'utf8')) as {
        blocks: Array<{ hash: string; merkleroot: string; txids: string[] }>;
      };
      expect(file.blocks.length).toBe(13);
      const reversed = (display: string) => fromHex(display).reverse();
      for (const block of file.blocks) {
        // Internal byte order is the display order reversed; a lone last node pairs with itself.
        let level = concat(block.txids.map(reversed));
        let n = block.txids.length;
        while (n > 1) {
          if (n % 2 === 1) {
            level = concat([level.subarray(0, 32 * n), level.subarray(32 * (n - 1), 32 * n)]);
            n++;
          }
          k.hashPairs(level, n / 2, -1, true, level); // in place: each level overwrites the one below
          n /= 2;
        }
        expect(hex(level.subarray(0, 32).reverse()), `block ${block.hash}`).toBe(block.merkleroot);
      }
    });

  });
}

// ---------------------------------------------------------------- argument validation

// Argument checks are the kernel contract's (validate.ts), tested once for every backend in
// test/contract/kernel-contract.test.ts. What stays here is the addon's own memory-safety guard.
describe.skipIf(!kAddonLoaded)('native sha256 addon guards', () => {
  it('the addon itself re-checks sizes: a raw call cannot write past out', () => {
    const loaded = loadNativeAddon();
    if ('unavailable' in loaded) throw new Error(loaded.unavailable);
    const raw = (loaded.addon.sha256 as { withKernel(id: string): Record<string, (...args: unknown[]) => unknown> }).withKernel('portable');
    expect(() => raw.hashBlocks!(new Uint8Array(100), 10, -1, new Uint8Array(32))).toThrow(/^hashBlocks: out is too small$/);
    expect(() => raw.hashPairs!(new Uint8Array(64), 2, -1, false, new Uint8Array(64))).toThrow(/level is too small/);
    expect(() => raw.hashBlocks!(new Uint8Array(1), 1, 999, new Uint8Array(32))).toThrow(/prefix must be an integer from -1 to 255/);
    expect(() => raw.hashSpans!(new Uint8Array(1), new Uint32Array([1, 0]), -1, new Uint8Array(32))).toThrow(RangeError);
  });

  it('nativeSha256WithIsa refuses unknown names and kernels the CPU lacks', () => {
    expect(() => nativeSha256WithIsa('sse2' as never)).toThrow(/^isa must be one of portable, shani, shani-avx512, avx2, avx512, got sse2 of type string$/);
    for (const isa of kSha256Isas.filter((i) => !kAvailable.has(i))) {
      expect(() => nativeSha256WithIsa(isa)).toThrow(BackendUnavailableError);
    }
  });
});

// ---------------------------------------------------------------- dispatch

describe.skipIf(!kAddonLoaded)('native sha256 dispatch', () => {
  it('auto selects the native kernel for sha256, named after the dispatched kernel', async () => {
    const k = await selectKernel('sha256', 'auto');
    if (kForced !== undefined && !kSha256Isas.includes(kForced as Sha256Isa)) {
      expect(k.backend).not.toBe('native');
      return;
    }
    expect(k.backend).toBe('native');
    const dispatched = nativeSha256();
    expect('unavailable' in dispatched).toBe(false);
    expect(k.kernel).toBe((dispatched as NativeSha256Kernel).kernel);
  });

  it.skipIf(kForced !== undefined)('without MERKLE_SHA256_KERNEL, dispatch picks the first kernel this CPU runs', () => {
    const k = nativeSha256() as NativeSha256Kernel;
    expect(k.isa).toBe(nativeSha256Isas()[0]);
    expect(nativeSha256Isas()).toContain('portable');
  });

  const forcedTitle =
    kForced === undefined
      ? 'a forced MERKLE_SHA256_KERNEL is obeyed or refused (skipped: it is not set here; the child runs below set it)'
      : `MERKLE_SHA256_KERNEL=${kForced} is obeyed or refused with a BackendUnavailableError`;
  it.skipIf(kForced === undefined)(forcedTitle, async () => {
    if (kSha256Isas.includes(kForced as Sha256Isa) && kAvailable.has(kForced as Sha256Isa)) {
      expect((nativeSha256() as NativeSha256Kernel).isa).toBe(kForced);
    } else {
      await expect(selectKernel('sha256', 'native')).rejects.toThrow(BackendUnavailableError);
      await expect(selectKernel('sha256', 'native')).rejects.toThrow(new RegExp(`MERKLE_SHA256_KERNEL=${kForced}`));
    }
  });

  it('loads and hashes in a worker thread (the addon is context-aware)', async () => {
    const addonPath = nativeAddonPath();
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      const addon = require(workerData.addonPath);
      const out = new Uint8Array(32 * 4);
      addon.sha256.withKernel('portable').hashBlocks(new Uint8Array(workerData.data), 64, 0, out);
      parentPort.postMessage(out);`;
    const data = seededBytes(256, kSeed);
    const worker = new Worker(code, { eval: true, workerData: { addonPath, data } });
    const fromWorker = await new Promise<Uint8Array>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    const want = Array.from({ length: 4 }, (_, i) => hex(refMessage(data.subarray(64 * i, 64 * i + 64), 0)));
    expect(digestsOf(fromWorker, 4)).toEqual(want);
  });
});

// ---------------------------------------------------------------- forced kernels, in child runs

/** runChild runs this file in a child vitest with MERKLE_SHA256_KERNEL set, and returns its output. */
function runChild(kernel: string, filter?: string): { status: number | null; output: string } {
  const args = ['vitest', 'run', 'test/native-sha256.test.ts', '--reporter=dot'];
  if (filter) args.push('-t', filter);
  const result = spawnSync('npx', args, {
    cwd: kRepoRoot,
    env: { ...process.env, MERKLE_SHA256_KERNEL: kernel, MERKLE_SHA256_CHILD: '1', NO_COLOR: '1', FORCE_COLOR: '0' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe.skipIf(!kAddonLoaded || process.env.MERKLE_SHA256_CHILD === '1')('native sha256 with MERKLE_SHA256_KERNEL forced (child runs)', () => {
  it('the dispatched-kernel tests pass with MERKLE_SHA256_KERNEL=portable (as on a CPU without SHA-NI or AVX2)', () => {
    // The explicit kernels already ran above; the child covers what differs: the dispatch path.
    const { status, output } = runChild('portable', 'native sha256 kernel dispatched|native sha256 dispatch');
    expect(output, output).toMatch(/Tests\s+(\d{2,}) passed/);
    expect(status, output).toBe(0);
  }, 120_000);

  it('MERKLE_SHA256_KERNEL naming no kernel is refused with BackendUnavailableError', () => {
    const { status, output } = runChild('avx9', 'MERKLE_SHA256_KERNEL');
    expect(output, output).toMatch(/Tests\s+1 passed/);
    expect(status, output).toBe(0);
  }, 120_000);
});

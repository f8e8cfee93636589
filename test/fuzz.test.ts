/**
 * Fuzzing every parser that reads outside input (fast-check): tree file headers and levels,
 * proof documents (inclusion, consistency, keyed), the file and keyed sync messages, checkpoint
 * files and text leaves. Each gets valid inputs mutated and arbitrary ones, and must answer or
 * refuse with its own named error, never throw anything else (a TypeError, a RangeError from a
 * typed array) or hang. `npm test` runs a bounded number of inputs per parser (FUZZ_RUNS,
 * default 150); `npm run fuzz` runs 20,000.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTree } from '../src/api/build.js';
import { openTree } from '../src/api/open-tree.js';
import { proveConsistency, proveInclusion, verifyProof, type Proof } from '../src/api/proofs.js';
import { readCheckpoint } from '../src/builders/checkpoint.js';
import { parseLeafHashes, parseRecords } from '../src/builders/text-leaves.js';
import { MerkleError } from '../src/errors.js';
import { openKeyedTree } from '../src/keyed/open.js';
import { verifyKeyProof } from '../src/keyed/proof.js';
import { decodeFetchAnswer, decodeGroupsAnswer, encodeFetchRequest, encodeReconcileRequest, parseFetchRequest, parseReconcileRequest } from '../src/keyed/sync/fingerprints.js';
import { decodeBuckets, decodeRows, kDefaultKeyedSyncLimits, parseBucketsRequest, parseNodesRequest as parseKeyedNodes, parseRowsRequest } from '../src/keyed/sync/protocol.js';
import { decodeHeader, HEADER_SIZE } from '../src/store/format.js';
import { kDefaultSyncLimits, parseBlocksRequest, parseNodesRequest, parseTreeMeta } from '../src/sync/protocol.js';

const kRuns = Number(process.env.FUZZ_RUNS ?? 150);
const dir = mkdtempSync(path.join(tmpdir(), 'merkle-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `parse`; a throw is fine only if `allowed` says so (the parser's own, named error). */
function refusesByName(parse: () => unknown, allowed: (error: unknown) => boolean): void {
  try {
    parse();
  } catch (error) {
    if (!allowed(error)) throw error;
    expect((error as Error).message.length).toBeGreaterThan(0);
  }
}
async function refusesByNameAsync(parse: () => Promise<unknown>, allowed: (error: unknown) => boolean): Promise<void> {
  try {
    await parse();
  } catch (error) {
    if (!allowed(error)) throw error;
    expect((error as Error).message.length).toBeGreaterThan(0);
  }
}
const ours = (error: unknown) => error instanceof MerkleError;
/** The protocol parsers throw plain errors (or RangeErrors, file sync) that the servers answer as 400. */
const plain = (error: unknown) => error instanceof Error && (error.constructor === Error || error.constructor === RangeError);

/** Valid bytes with some bytes replaced, some cut off or some appended. */
function mutated(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.array(fc.tuple(fc.nat({ max: Math.max(0, valid.length - 1) }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }).map((edits) => {
      const out = Uint8Array.from(valid);
      for (const [at, value] of edits) out[at] = value;
      return out;
    }),
    fc.nat({ max: valid.length }).map((length) => valid.slice(0, length)),
    fc.uint8Array({ maxLength: 64 }).map((tail) => Uint8Array.from([...valid, ...tail])),
  );
}

/** A JSON document with one field replaced by any JSON value, or removed. */
function mutatedJson(valid: Record<string, unknown>): fc.Arbitrary<unknown> {
  const keys = Object.keys(valid);
  return fc.oneof(
    fc.tuple(fc.constantFrom(...keys), fc.jsonValue()).map(([key, value]) => ({ ...valid, [key]: value })),
    fc.constantFrom(...keys).map((key) => Object.fromEntries(Object.entries(valid).filter(([k]) => k !== key))),
    fc.jsonValue(),
  );
}

let treeFile: Uint8Array;
let inclusion: Proof;
let consistency: Proof;
let rootHex: string;

beforeAll(async () => {
  const data = Buffer.alloc(37 * 64);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) & 0xff;
  writeFileSync(path.join(dir, 'data.bin'), data);
  const built = await buildTree(path.join(dir, 'data.bin'), { blockSize: 64, out: path.join(dir, 'tree.mtree') });
  rootHex = built.rootHex;
  treeFile = new Uint8Array(await import('node:fs/promises').then((fs) => fs.readFile(path.join(dir, 'tree.mtree'))));
  const tree = await openTree(path.join(dir, 'tree.mtree'));
  inclusion = await proveInclusion(tree, 17);
  await tree.close();
  const records = Array.from({ length: 20 }, (_, i) => Buffer.from(`r${i}`));
  consistency = await proveConsistency(await buildTree({ records: records.slice(0, 13) }), await buildTree({ records }));
});

describe('fuzz: tree files', () => {
  it('decodeHeader: a mutated or arbitrary header is decoded or refused with a TreeFileError', () => {
    const header = treeFile.subarray(0, HEADER_SIZE);
    fc.assert(
      fc.property(fc.oneof(mutated(header), fc.uint8Array({ maxLength: HEADER_SIZE + 16 })), fc.nat({ max: 1 << 20 }), (prefix, size) => {
        refusesByName(() => decodeHeader(prefix, Math.max(size, prefix.length), 'fuzz.mtree'), ours);
      }),
      { numRuns: kRuns },
    );
  });

  it('a mutated tree file opens, answers proofs right, or is refused by name', async () => {
    let file = 0;
    await fc.assert(
      fc.asyncProperty(mutated(treeFile), async (bytes) => {
        const name = path.join(dir, `m${file++ % 4}.mtree`);
        await writeFile(name, bytes);
        await refusesByNameAsync(async () => {
          const tree = await openTree(name);
          try {
            const proof = await proveInclusion(tree, Math.min(17, Math.max(0, tree.size - 1)));
            if (tree.rootHex === rootHex && tree.size === 37) expect(proof).toEqual(inclusion);
          } finally {
            await tree.close();
          }
        }, ours);
      }),
      { numRuns: Math.ceil(kRuns / 3) },
    );
  });
});

describe('fuzz: proofs', () => {
  it('verifyProof: a mutated inclusion or consistency proof verifies only if unchanged, else a named error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutatedJson(inclusion as unknown as Record<string, unknown>), mutatedJson(consistency as unknown as Record<string, unknown>)), async (proof) => {
        await refusesByNameAsync(() => verifyProof(proof as Proof), ours);
      }),
      { numRuns: kRuns },
    );
  });

  it('verifyKeyProof: a mutated keyed proof is checked or refused by name', async () => {
    const tree = await openKeyedTree(undefined, { bucketBits: 4 });
    for (let i = 0; i < 40; i++) tree.put(`k${i}`, `v${i}`);
    const root = tree.root();
    const proofs = [tree.proveKey('k3'), tree.proveKey('absent')] as unknown as Record<string, unknown>[];
    await fc.assert(
      fc.asyncProperty(fc.oneof(...proofs.map(mutatedJson)), async (proof) => {
        await refusesByNameAsync(() => verifyKeyProof(proof, root), ours);
      }),
      { numRuns: kRuns },
    );
  });
});

describe('fuzz: sync messages', () => {
  it('file sync: metadata, nodes and blocks requests are parsed or refused by name', () => {
    const meta = { protocol: 1, profile: 'rfc9162', hash: 'sha256', digestSize: 32, blockSize: 64, leafCount: 37, dataLength: 2368, root: 'ab'.repeat(32), top: [] };
    const nodes = { root: 'ab'.repeat(32), ranges: [{ level: 0, begin: 0, end: 4 }] };
    const blocks = { root: 'ab'.repeat(32), ranges: [{ begin: 0, end: 2 }] };
    const shape = { leafCount: 37, blockSize: 64, dataLength: 2368, digestSize: 32 };
    fc.assert(
      fc.property(mutatedJson(meta), mutatedJson(nodes), mutatedJson(blocks), fc.nat({ max: 8 }), (m, n, b, depth) => {
        refusesByName(() => parseTreeMeta(m, depth), ours);
        refusesByName(() => parseNodesRequest(n, 37, 32, kDefaultSyncLimits), plain);
        refusesByName(() => parseBlocksRequest(b, shape, kDefaultSyncLimits), plain);
      }),
      { numRuns: kRuns },
    );
  });

  it('keyed sync: fingerprint messages, bucket lists and rows are parsed or refused by name', () => {
    const params = { hash: 'sha256', bucketBits: 16, salt: new Uint8Array(0) };
    const reconcile = encodeReconcileRequest({ f: 3, params, level: 11, answerLevel: 6, groups: [{ first: 0, fingerprints: new Uint8Array(32 * 3).fill(7) }] });
    const fetch = encodeFetchRequest({ f: 3, params, groups: [{ first: 9, fingerprints: new Uint8Array(6).fill(1) }] });
    fc.assert(
      fc.property(fc.oneof(mutated(reconcile), mutated(fetch), fc.uint8Array({ maxLength: 200 })), fc.nat({ max: 4 }), (bytes, count) => {
        refusesByName(() => parseReconcileRequest(bytes, 65536), plain);
        refusesByName(() => parseFetchRequest(bytes, 4096), plain);
        refusesByName(() => decodeGroupsAnswer(bytes, 3, 1 << 16, 65536), plain);
        refusesByName(() => decodeFetchAnswer(bytes, count), plain);
        refusesByName(() => decodeBuckets(Buffer.from(bytes), count, 32), ours);
        refusesByName(() => decodeRows(Buffer.from(bytes), count), ours);
      }),
      { numRuns: kRuns },
    );
    fc.assert(
      fc.property(fc.jsonValue(), (body) => {
        refusesByName(() => parseKeyedNodes(body, 16, kDefaultKeyedSyncLimits), plain);
        refusesByName(() => parseBucketsRequest(body, 16, kDefaultKeyedSyncLimits), plain);
        refusesByName(() => parseRowsRequest(body, kDefaultKeyedSyncLimits), plain);
      }),
      { numRuns: kRuns },
    );
  });
});

describe('fuzz: checkpoints and text leaves', () => {
  it('readCheckpoint: any text, and any body under a correct checksum, is read or refused by name', async () => {
    const checkpointDir = path.join(dir, 'checkpoint');
    await mkdir(checkpointDir, { recursive: true });
    const valid = { format: 'merkle-engine checkpoint', version: 1, identity: { path: '/x', size: 10 }, segments: 1, bytes: 10, roots: Buffer.alloc(32).toString('base64') };
    const checksummed = (body: string) => JSON.stringify({ body, checksum: createHash('sha256').update(body).digest('hex') });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          mutatedJson(valid).map((body) => checksummed(JSON.stringify(body))),
          fc.string().map(checksummed),
        ),
        async (text) => {
          await writeFile(path.join(checkpointDir, 'checkpoint.json'), text);
          await refusesByNameAsync(() => readCheckpoint(checkpointDir), ours);
        },
      ),
      { numRuns: kRuns },
    );
  });

  it('parseLeafHashes and parseRecords: any text is parsed or refused by name', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(fc.oneof(fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: 62, maxLength: 66 }), fc.string()), { maxLength: 6 }).map((lines) => lines.join('\n'))), fc.boolean(), (text, reversed) => {
        refusesByName(() => parseLeafHashes(text, 32, reversed, 'fuzz.txt'), ours);
        refusesByName(() => parseRecords(text, 'fuzz.txt'), ours);
      }),
      { numRuns: kRuns },
    );
  });
});

describe('fuzz findings, kept as cases', () => {
  it('a checkpoint whose checksummed body is not JSON is corrupt, not a SyntaxError', async () => {
    const checkpointDir = path.join(dir, 'finding-1');
    await mkdir(checkpointDir, { recursive: true });
    const body = '';
    await writeFile(path.join(checkpointDir, 'checkpoint.json'), JSON.stringify({ body, checksum: createHash('sha256').update(body).digest('hex') }));
    await expect(readCheckpoint(checkpointDir)).rejects.toThrow(/corrupt checkpoint \(the body is not JSON\)/);
  });

  it('a checkpoint with roots that do not fit its segments is corrupt (it would resume to a wrong root)', async () => {
    const checkpointDir = path.join(dir, 'finding-2');
    await mkdir(checkpointDir, { recursive: true });
    const identity = { profile: 'rfc9162', hash: 'sha256', blockSize: 1024, segmentLevel: 4, out: null, input: { kind: 'stream' } };
    const body = JSON.stringify({ format: 'merkle-engine checkpoint', version: 1, identity, segments: 3, bytes: 3 * 16 * 1024, roots: Buffer.alloc(64).toString('base64') });
    await writeFile(path.join(checkpointDir, 'checkpoint.json'), JSON.stringify({ body, checksum: createHash('sha256').update(body).digest('hex') }));
    await expect(readCheckpoint(checkpointDir)).rejects.toThrow(/64 bytes of roots for 3 segments of 32-byte hashes/);
  });

  it('metadata whose fields are objects without a usable toString is refused by name, not a TypeError', () => {
    const meta = { protocol: { toString: false }, profile: 'rfc9162', hash: 'sha256', digestSize: 32, blockSize: 64, leafCount: 37, dataLength: 2368, root: 'ab'.repeat(32), top: [] };
    expect(() => parseTreeMeta(meta, 0)).toThrow(/malformed metadata: protocol \{"toString":false\}, want 1/);
  });
});

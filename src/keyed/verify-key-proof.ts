/**
 * Key proofs: that a key is in a keyed tree with a given value digest, or that it is absent,
 * checked against a trusted root alone. Every field of a proof is hostile until checked.
 *
 * Presence: the entry, its path to the bucket's subroot, the bucket's entry count, and the
 * bucket's path to the root. Absence: the same for the neighbours around where the key would
 * sit in the key-sorted bucket (the entry before and the entry after, or one of them at an end,
 * or none in an empty bucket); their indexes are adjacent, so nothing lies between them.
 *
 * Verification runs on kernels the caller supplies (proof.ts binds the registry's in Node; the
 * browser build its embedded WASM kernels), and needs nothing of Node.
 */
import { compareBytes, equalBytes } from '../bytes.js';
import { parseHex, toHex } from '../encoding.js';
import { InputError, ProofError, RootMismatchError } from '../errors.js';
import type { KernelSource } from '../hash/kernel-source.js';
import { createTreeHasher } from '../hash/tree-hasher.js';
import { kHashInfo, type HashName } from '../hash/types.js';
import { rootFromInclusionProof } from '../tree/proof.js';
import { kProfiles } from '../tree/profile.js';
import { kMaxKeyBytes } from './encoding.js';
import { KeyedHasher } from './hashing.js';
import { checkKeyedParams } from './params.js';

export const kKeyProofVersion = 1;

export interface ProvenEntry {
  /** Position in the key-sorted bucket. */
  readonly index: number;
  readonly key: string;
  readonly digest: string;
  /** Inclusion path to the bucket's subroot, leaf level first (hex). */
  readonly path: readonly string[];
}

/** A key proof, JSON as printed by `merkle kv proof` (bytes as hex). */
export interface KeyProof {
  readonly type: 'keyed';
  readonly version: number;
  readonly hash: string;
  readonly bucketBits: number;
  readonly salt: string;
  readonly key: string;
  readonly present: boolean;
  readonly bucket: number;
  /** Entries in the bucket. */
  readonly count: number;
  readonly entries: readonly ProvenEntry[];
  /** Sibling of the bucket at each level, bucket level first (hex). */
  readonly bucketPath: readonly string[];
  /** The root the prover saw; informative only — verification uses the caller's root. */
  readonly root: string;
}

export interface KeyProofResult {
  /** The key the proof is about (hex). */
  readonly key: string;
  readonly present: boolean;
  /** The key's value digest (hex) when present. */
  readonly digest?: string;
  readonly bucket: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function field<T>(proof: Record<string, unknown>, name: string, check: (v: unknown) => v is T, want: string): T {
  const value = proof[name];
  if (!check(value)) throw new ProofError(`key proof: ${name} must be ${want}, got ${JSON.stringify(value) ?? typeof value}`, 'ERR_MERKLE_PROOF_FORMAT');
  return value;
}
const isString = (v: unknown): v is string => typeof v === 'string';
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= 0xffffffff;
const isHexList = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);

function hexField(text: string, where: string, size?: number): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = parseHex(text, where);
  } catch (error) {
    throw new ProofError(`key proof: ${(error as Error).message}`, 'ERR_MERKLE_PROOF_FORMAT');
  }
  if (size !== undefined && bytes.length !== size) throw new ProofError(`key proof: ${where} is ${bytes.length} bytes, want ${size}`, 'ERR_MERKLE_PROOF_HASH');
  return bytes;
}

/**
 * checkKeyProof checks `proof` against `root` (the trusted root, bytes or hex) on kernels from
 * `kernels` and says whether the key is present and with which digest. Pass `key` to require
 * the proof to be about that key: a valid proof of another key's absence is still a valid
 * proof. Throws ProofError (RootMismatchError for a proof of another root) on anything that
 * does not check.
 */
export async function checkKeyProof(
  proof: unknown,
  root: Uint8Array | string,
  options: { key?: Uint8Array | string },
  kernels: KernelSource,
): Promise<KeyProofResult> {
  if (!isObject(proof) || proof.type !== 'keyed') throw new ProofError('key proof: not a keyed proof (type must be "keyed")', 'ERR_MERKLE_PROOF_FORMAT');
  if (proof.version !== kKeyProofVersion) throw new ProofError(`key proof: version ${JSON.stringify(proof.version)} is not supported (want ${kKeyProofVersion})`, 'ERR_MERKLE_PROOF_FORMAT');
  const hashName = field(proof, 'hash', isString, 'a hash name');
  const bucketBits = field(proof, 'bucketBits', isCount, 'an integer');
  let params;
  try {
    params = checkKeyedParams({ hash: hashName, bucketBits, salt: hexField(field(proof, 'salt', isString, 'hex'), 'salt') });
  } catch (error) {
    throw new ProofError(`key proof: ${(error as Error).message}`, 'ERR_MERKLE_PROOF_FORMAT');
  }
  const d = kHashInfo[params.hash as HashName].digestSize;
  // The trusted root is the caller's input, not part of the proof: a bad one is an InputError.
  const trusted = typeof root === 'string' && /^(?:[0-9a-fA-F]{2})*$/.test(root) ? parseHex(root, 'the trusted root') : root;
  if (!(trusted instanceof Uint8Array) || trusted.length !== d) {
    throw new InputError(`the trusted root must be ${d} bytes (${params.hash}) as hex, got ${typeof root === 'string' ? JSON.stringify(root) : `${(root as Uint8Array).length} bytes`}`);
  }
  const key = hexField(field(proof, 'key', isString, 'hex'), 'key');
  if (options.key !== undefined) {
    const wanted = typeof options.key === 'string' ? new TextEncoder().encode(options.key) : options.key;
    if (!equalBytes(wanted, key)) throw new ProofError(`key proof: the proof is about key ${toHex(key)}, not ${toHex(wanted)}`, 'ERR_MERKLE_PROOF_KEY');
  }
  if (key.length > kMaxKeyBytes) throw new ProofError(`key proof: key is ${key.length} bytes, more than ${kMaxKeyBytes}`, 'ERR_MERKLE_PROOF_FORMAT');
  const present = field(proof, 'present', (v): v is boolean => typeof v === 'boolean', 'true or false');
  const bucket = field(proof, 'bucket', isCount, 'an integer');
  const count = field(proof, 'count', isCount, 'an integer');
  const bucketPath = field(proof, 'bucketPath', isHexList, 'a list of hex hashes');
  const rawEntries = field(proof, 'entries', (v): v is unknown[] => Array.isArray(v) && v.length <= 2, 'a list of at most 2 entries');

  const kernel = await kernels.hashKernel(params.hash as HashName);
  const hasher = new KeyedHasher(kernel, params.salt, params.bucketBits);
  const inner = createTreeHasher(kProfiles.rfc9162, kernel);

  if (hasher.buckets([key])[0] !== bucket) throw new ProofError(`key proof: the key belongs to bucket ${hasher.buckets([key])[0]}, not ${bucket}`, 'ERR_MERKLE_PROOF_BUCKET');
  if (bucketPath.length !== params.bucketBits) throw new ProofError(`key proof: bucket path has ${bucketPath.length} hashes, want ${params.bucketBits}`, 'ERR_MERKLE_PROOF_SIZE');

  const entries = rawEntries.map((raw, i) => {
    if (!isObject(raw)) throw new ProofError(`key proof: entry ${i} must be an object`, 'ERR_MERKLE_PROOF_FORMAT');
    const index = field(raw, 'index', isCount, 'an integer');
    if (index >= count) throw new ProofError(`key proof: entry ${i} index ${index} is outside the bucket's ${count} entries`, 'ERR_MERKLE_PROOF_INDEX');
    const entryKey = hexField(field(raw, 'key', isString, 'hex'), `entry ${i} key`);
    const digest = hexField(field(raw, 'digest', isString, 'hex'), `entry ${i} digest`, d);
    const path = field(raw, 'path', isHexList, 'a list of hex hashes').map((h, k) => hexField(h, `entry ${i} path ${k}`, d));
    return { index, key: entryKey, digest, path };
  });

  // Which entries the claim needs, and how they must sit around the key.
  const before = (a: Uint8Array, b: Uint8Array) => compareBytes(a, b) < 0;
  const shapeError = (what: string) => new ProofError(`key proof: ${what}`, 'ERR_MERKLE_PROOF_SHAPE');
  if (present) {
    if (entries.length !== 1 || !equalBytes(entries[0]!.key, key)) throw shapeError('a presence proof must hold exactly the key\'s own entry');
  } else if (count === 0) {
    if (entries.length !== 0) throw shapeError('an empty bucket has no entries to show');
  } else if (entries.length === 2) {
    const [a, b] = entries as [(typeof entries)[0], (typeof entries)[0]];
    if (b.index !== a.index + 1 || !before(a.key, key) || !before(key, b.key)) throw shapeError('absence needs two adjacent entries, one before and one after the key');
  } else if (entries.length === 1) {
    const [e] = entries as [(typeof entries)[0]];
    const atStart = e.index === 0 && before(key, e.key);
    const atEnd = e.index === count - 1 && before(e.key, key);
    if (!atStart && !atEnd) throw shapeError('absence with one neighbour needs the first entry after the key or the last entry before it');
  } else {
    throw shapeError('absence in a non-empty bucket needs the neighbouring entries');
  }

  // Every shown entry must lead to one bucket subroot.
  let subroot: Uint8Array | undefined;
  const leaves = hasher.entryLeaves(entries);
  for (const [i, entry] of entries.entries()) {
    const leaf = leaves.subarray(i * d, (i + 1) * d);
    const calculated = rootFromInclusionProof(inner, 'carry', entry.index, count, leaf, entry.path);
    if (subroot !== undefined && !equalBytes(subroot, calculated)) throw new ProofError('key proof: the entries lead to different bucket roots', 'ERR_MERKLE_PROOF_SHAPE');
    subroot = calculated;
  }
  let node = hasher.bucketLeaves([count], subroot ?? new Uint8Array(0));
  const pair = new Uint8Array(2 * d);
  bucketPath.forEach((hex, level) => {
    const sibling = hexField(hex, `bucketPath ${level}`, d);
    const right = ((bucket >>> level) & 1) === 1;
    pair.set(right ? sibling : node, 0);
    pair.set(right ? node : sibling, d);
    node = new Uint8Array(d);
    hasher.parents(pair, 1, node);
  });
  const calculated = hasher.sealedRoot(node);
  if (!equalBytes(calculated, trusted)) throw new RootMismatchError(toHex(trusted), toHex(calculated));
  return present ? { key: toHex(key), present, digest: toHex(entries[0]!.digest), bucket } : { key: toHex(key), present, bucket };
}

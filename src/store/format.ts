/**
 * The `.mtree` v1 on-disk layout: a fixed 4 KiB header followed by the level sections, level 0
 * first. docs/tree-file.md describes every byte; this module is the single place that encodes
 * and decodes it, so the writer and the reader cannot disagree.
 *
 * Integers are little-endian; counts and lengths are u64 (held as JS numbers, exact to 2^53).
 * Checksums are SHA-256 (node:crypto, SHA-NI accelerated): one over the header, one per level
 * section. SHA-256 is far stronger than corruption detection needs, but it is the fastest
 * strong hash node:crypto offers here and leaves no doubt about collisions.
 */
import { createHash } from 'node:crypto';
import { equalBytes } from '../bytes.js';
import { TreeFileError } from '../errors.js';
import { hashWithCode, kHashInfo, kHashNames, type HashName } from '../hash/types.js';
import { levelCount, levelSize } from '../tree/levels.js';
import { kProfileNames, kProfiles, profileWithCode, type ProfileName } from '../tree/profile.js';
import { kLeafModeInfo, kLeafModes, leafModeWithCode, type LeafMode } from './leaf-modes.js';

/** "\x89MTREE\r\n": a non-ASCII first byte and a CR LF pair catch text-mode transfers. */
export const MAGIC = Uint8Array.of(0x89, 0x4d, 0x54, 0x52, 0x45, 0x45, 0x0d, 0x0a);
export const FORMAT_VERSION = 1;
/** The header is one 4 KiB page, whatever the tree size: level 0 starts page-aligned. */
export const HEADER_SIZE = 4096;
/** Level sections start at multiples of this many bytes. */
export const SECTION_ALIGN = 8;
/** Enough levels for 2^63 leaves: every u64 leaf count fits the fixed level table. */
export const MAX_LEVELS = 64;
/** The root field holds digests up to this size, zero-padded. */
export const ROOT_FIELD_SIZE = 64;
export const CHECKSUM_SIZE = 32;
export const CHECKSUM_NAME = 'sha256';

// Byte offsets of the header fields (docs/tree-file.md, "Header").
export const OFFSET = {
  magic: 0,
  version: 8,
  headerSize: 12,
  profile: 16,
  hash: 17,
  digestSize: 18,
  leafMode: 19,
  levelCount: 20,
  blockSize: 24,
  leafCount: 32,
  dataLength: 40,
  sourceSize: 48,
  sourceMtimeNs: 56,
  flags: 64,
  reserved: 68,
  root: 72,
  levelTable: 136,
  headerChecksum: HEADER_SIZE - CHECKSUM_SIZE,
} as const;

/** Per level: u64 offset, u64 node count, 32-byte SHA-256 of the section. */
export const LEVEL_ENTRY_SIZE = 16 + CHECKSUM_SIZE;

/** Flag bit: the data-source identity fields hold a real size and mtime. */
export const FLAG_SOURCE_KNOWN = 1;
const kKnownFlags = FLAG_SOURCE_KNOWN;

/** How the leaves were formed from the data. */
export { kLeafModes, type LeafMode } from './leaf-modes.js';

/** Identity of the data a tree was built from, to detect a stale tree. */
export interface SourceIdentity {
  /** Size of the data source in bytes. */
  readonly size: number;
  /** Modification time in nanoseconds since the epoch (fs.stat with `bigint: true`). */
  readonly mtimeNs: bigint;
}

/** What a writer is told about a tree; everything else in the header is derived from it. */
export interface TreeFileMeta {
  readonly profile: ProfileName;
  readonly hash: HashName;
  /** Bytes per node; must be the hash's digest size. */
  readonly digestSize: number;
  readonly leafMode: LeafMode;
  /** Bytes per leaf block in `blocks` mode; 0 in the other modes. */
  readonly blockSize: number;
  readonly leafCount: number;
  /** Bytes of data hashed into the leaves. */
  readonly dataLength: number;
  /** The data source's identity, when the tree was built from a file. */
  readonly source?: SourceIdentity;
}

/** One entry of the level table. */
export interface LevelEntry {
  /** Byte offset of the level's section in the file. */
  readonly offset: number;
  readonly nodeCount: number;
  /** SHA-256 of the section's nodeCount × digestSize bytes. */
  readonly checksum: Uint8Array;
}

/** Every field of a decoded header. */
export interface TreeFileHeader extends TreeFileMeta {
  readonly version: number;
  readonly levelCount: number;
  readonly levels: readonly LevelEntry[];
  readonly root: Uint8Array;
  /** Length the file must have: the end of the last level section (the header size if none). */
  readonly fileSize: number;
}

/** Where each level lives, computed from the leaf count alone. */
export interface Layout {
  readonly levels: readonly { readonly offset: number; readonly nodeCount: number }[];
  readonly fileSize: number;
}

/** layoutOf places the levels of a tree of `leafCount` leaves after the header, aligned. */
export function layoutOf(leafCount: number, digestSize: number): Layout {
  const levels: { offset: number; nodeCount: number }[] = [];
  let end = HEADER_SIZE;
  for (let level = 0; level < levelCount(leafCount); level++) {
    const offset = alignUp(end, SECTION_ALIGN);
    const nodeCount = levelSize(leafCount, level);
    levels.push({ offset, nodeCount });
    end = offset + nodeCount * digestSize;
  }
  return { levels, fileSize: end };
}

function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

/** checksumOf returns the SHA-256 of `bytes`. */
export function checksumOf(bytes: Uint8Array): Uint8Array {
  return createHash(CHECKSUM_NAME).update(bytes).digest();
}

/**
 * validateMeta checks writer input once, at the public edge.
 * Throws TypeError or RangeError naming the field.
 */
export function validateMeta(meta: TreeFileMeta): void {
  if (typeof meta !== 'object' || meta === null) {
    throw new TypeError(`Expected an object for meta but received ${String(meta)} of type ${typeof meta}`);
  }
  if (!kProfileNames.includes(meta.profile)) {
    throw new RangeError(`meta.profile must be one of ${kProfileNames.join(', ')}; got ${String(meta.profile)}`);
  }
  if (!kHashNames.includes(meta.hash)) {
    throw new RangeError(`meta.hash must be one of ${kHashNames.join(', ')}; got ${String(meta.hash)}`);
  }
  const allowed = kProfiles[meta.profile].hashes;
  if (allowed && !allowed.includes(meta.hash)) {
    throw new RangeError(`meta.hash must be ${allowed.join(' or ')} for profile ${meta.profile}; got ${meta.hash}`);
  }
  if (meta.digestSize !== kHashInfo[meta.hash].digestSize) {
    throw new RangeError(`meta.digestSize must be ${kHashInfo[meta.hash].digestSize} for ${meta.hash}; got ${String(meta.digestSize)}`);
  }
  if (!kLeafModes.includes(meta.leafMode)) {
    throw new RangeError(`meta.leafMode must be one of ${kLeafModes.join(', ')}; got ${String(meta.leafMode)}`);
  }
  requireCount(meta.blockSize, 'meta.blockSize');
  if (kLeafModeInfo[meta.leafMode].fixedBlocks !== meta.blockSize > 0) {
    throw new RangeError(`meta.blockSize must be > 0 in blocks mode and 0 otherwise; got ${meta.blockSize} in ${meta.leafMode} mode`);
  }
  requireCount(meta.leafCount, 'meta.leafCount');
  requireCount(meta.dataLength, 'meta.dataLength');
  if (meta.source !== undefined) {
    requireCount(meta.source.size, 'meta.source.size');
    if (typeof meta.source.mtimeNs !== 'bigint' || meta.source.mtimeNs < 0n || meta.source.mtimeNs >= 1n << 64n) {
      throw new RangeError(`meta.source.mtimeNs must be a bigint in [0, 2^64); got ${String(meta.source.mtimeNs)}`);
    }
  }
}

function requireCount(value: unknown, name: string): void {
  if (typeof value !== 'number') {
    throw new TypeError(`Expected a number for ${name} but received ${String(value)} of type ${typeof value}`);
  }
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be an integer in [0, 2^53); got ${value}`);
  }
}

/**
 * encodeHeader returns the 4 KiB header for a tree described by `meta` with `root` and the
 * per-level checksums, its own checksum in the last 32 bytes. Requires validated meta and
 * one checksum per level of layoutOf(meta.leafCount).
 */
export function encodeHeader(meta: TreeFileMeta, root: Uint8Array, levelChecksums: readonly Uint8Array[]): Uint8Array {
  const layout = layoutOf(meta.leafCount, meta.digestSize);
  const header = new Uint8Array(HEADER_SIZE);
  const view = new DataView(header.buffer);
  header.set(MAGIC, OFFSET.magic);
  view.setUint32(OFFSET.version, FORMAT_VERSION, true);
  view.setUint32(OFFSET.headerSize, HEADER_SIZE, true);
  view.setUint8(OFFSET.profile, kProfiles[meta.profile].code);
  view.setUint8(OFFSET.hash, kHashInfo[meta.hash].code);
  view.setUint8(OFFSET.digestSize, meta.digestSize);
  view.setUint8(OFFSET.leafMode, kLeafModeInfo[meta.leafMode].code);
  view.setUint32(OFFSET.levelCount, layout.levels.length, true);
  view.setBigUint64(OFFSET.blockSize, BigInt(meta.blockSize), true);
  view.setBigUint64(OFFSET.leafCount, BigInt(meta.leafCount), true);
  view.setBigUint64(OFFSET.dataLength, BigInt(meta.dataLength), true);
  if (meta.source) {
    view.setBigUint64(OFFSET.sourceSize, BigInt(meta.source.size), true);
    view.setBigUint64(OFFSET.sourceMtimeNs, meta.source.mtimeNs, true);
  }
  view.setUint32(OFFSET.flags, meta.source ? FLAG_SOURCE_KNOWN : 0, true);
  header.set(root, OFFSET.root);
  layout.levels.forEach((entry, level) => {
    const at = OFFSET.levelTable + level * LEVEL_ENTRY_SIZE;
    view.setBigUint64(at, BigInt(entry.offset), true);
    view.setBigUint64(at + 8, BigInt(entry.nodeCount), true);
    header.set(levelChecksums[level]!, at + 16);
  });
  header.set(checksumOf(header.subarray(0, OFFSET.headerChecksum)), OFFSET.headerChecksum);
  return header;
}

/**
 * decodeHeader parses and checks the first bytes of a tree file of `fileSize` bytes, given as
 * `prefix` (at least min(fileSize, HEADER_SIZE) bytes). Checks, in this order, each failure a
 * TreeFileError with its code: magic (ERR_MTREE_MAGIC), version (ERR_MTREE_VERSION), a file
 * shorter than the header (ERR_MTREE_TRUNCATED), the header checksum (ERR_MTREE_CHECKSUM),
 * field consistency (ERR_MTREE_HEADER), and the file length against the level table
 * (shorter: ERR_MTREE_TRUNCATED; longer: ERR_MTREE_HEADER). `name` labels the messages.
 */
export function decodeHeader(prefix: Uint8Array, fileSize: number, name: string): TreeFileHeader {
  const available = Math.min(prefix.length, fileSize);
  const magicBytes = Math.min(available, MAGIC.length);
  for (let i = 0; i < magicBytes; i++) {
    if (prefix[i] !== MAGIC[i]) {
      throw new TreeFileError('ERR_MTREE_MAGIC', `${name}: not a tree file (bad magic ${hex(prefix.subarray(0, magicBytes))}, want ${hex(MAGIC)})`);
    }
  }
  const view = new DataView(prefix.buffer, prefix.byteOffset, available);
  if (available >= OFFSET.version + 4) {
    const version = view.getUint32(OFFSET.version, true);
    if (version !== FORMAT_VERSION) {
      throw new TreeFileError('ERR_MTREE_VERSION', `${name}: tree file format version ${version} is not supported, want ${FORMAT_VERSION}`);
    }
  }
  if (available < HEADER_SIZE) {
    throw new TreeFileError('ERR_MTREE_TRUNCATED', `${name}: truncated inside the header: ${fileSize} bytes, header needs ${HEADER_SIZE}`);
  }
  const header = prefix.subarray(0, HEADER_SIZE);
  const storedSum = header.subarray(OFFSET.headerChecksum);
  const actualSum = checksumOf(header.subarray(0, OFFSET.headerChecksum));
  if (!equalBytes(storedSum, actualSum)) {
    throw new TreeFileError('ERR_MTREE_CHECKSUM', `${name}: header checksum mismatch: calculated ${hex(actualSum)}, want ${hex(storedSum)}`);
  }
  const parsed = parseFields(view, header, name);
  if (fileSize < parsed.fileSize) {
    throw new TreeFileError('ERR_MTREE_TRUNCATED', `${name}: truncated: ${fileSize} bytes, level table needs ${parsed.fileSize}`);
  }
  if (fileSize > parsed.fileSize) {
    throw new TreeFileError('ERR_MTREE_HEADER', `${name}: ${fileSize - parsed.fileSize} trailing bytes after the last level (file ${fileSize} bytes, want ${parsed.fileSize})`);
  }
  return parsed;
}

/** parseFields decodes a header whose checksum matched and checks that its fields agree. */
function parseFields(view: DataView, header: Uint8Array, name: string): TreeFileHeader {
  const bad = (what: string): TreeFileError => new TreeFileError('ERR_MTREE_HEADER', `${name}: inconsistent header: ${what}`);
  const u64 = (offset: number, field: string): number => {
    const value = view.getBigUint64(offset, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw bad(`${field} ${value} exceeds 2^53`);
    return Number(value);
  };
  const headerSize = view.getUint32(OFFSET.headerSize, true);
  if (headerSize !== HEADER_SIZE) throw bad(`header size ${headerSize}, want ${HEADER_SIZE}`);
  const profile = profileWithCode(view.getUint8(OFFSET.profile))?.name;
  if (!profile) throw bad(`unknown profile code ${view.getUint8(OFFSET.profile)}`);
  const hash = hashWithCode(view.getUint8(OFFSET.hash))?.name;
  if (!hash) throw bad(`unknown hash code ${view.getUint8(OFFSET.hash)}`);
  const allowed = kProfiles[profile].hashes;
  if (allowed && !allowed.includes(hash)) throw bad(`profile ${profile} with hash ${hash}`);
  const digestSize = view.getUint8(OFFSET.digestSize);
  if (digestSize !== kHashInfo[hash].digestSize) throw bad(`digest size ${digestSize}, want ${kHashInfo[hash].digestSize} for ${hash}`);
  const leafMode = leafModeWithCode(view.getUint8(OFFSET.leafMode));
  if (!leafMode) throw bad(`unknown leaf mode code ${view.getUint8(OFFSET.leafMode)}`);
  const blockSize = u64(OFFSET.blockSize, 'block size');
  if (kLeafModeInfo[leafMode].fixedBlocks !== blockSize > 0) throw bad(`block size ${blockSize} in ${leafMode} mode`);
  const leafCount = u64(OFFSET.leafCount, 'leaf count');
  const dataLength = u64(OFFSET.dataLength, 'data length');
  const flags = view.getUint32(OFFSET.flags, true);
  if ((flags & ~kKnownFlags) !== 0) throw bad(`unknown flags 0x${flags.toString(16)}`);
  const sourceSize = u64(OFFSET.sourceSize, 'source size');
  const sourceMtimeNs = view.getBigUint64(OFFSET.sourceMtimeNs, true);
  const sourceKnown = (flags & FLAG_SOURCE_KNOWN) !== 0;
  if (!sourceKnown && (sourceSize !== 0 || sourceMtimeNs !== 0n)) throw bad('source identity present but flagged unknown');
  if (view.getUint32(OFFSET.reserved, true) !== 0) throw bad('reserved field is not zero');
  const rootField = header.subarray(OFFSET.root, OFFSET.root + ROOT_FIELD_SIZE);
  if (rootField.subarray(digestSize).some((b) => b !== 0)) throw bad('root field padding is not zero');

  const layout = layoutOf(leafCount, digestSize);
  const count = view.getUint32(OFFSET.levelCount, true);
  if (count !== layout.levels.length) throw bad(`level count ${count}, want ${layout.levels.length} for ${leafCount} leaves`);
  const levels: LevelEntry[] = [];
  for (let level = 0; level < MAX_LEVELS; level++) {
    const at = OFFSET.levelTable + level * LEVEL_ENTRY_SIZE;
    const entry = header.subarray(at, at + LEVEL_ENTRY_SIZE);
    const expected = layout.levels[level];
    if (!expected) {
      if (entry.some((b) => b !== 0)) throw bad(`level table entry ${level} beyond level count ${count} is not zero`);
      continue;
    }
    const offset = u64(at, `level ${level} offset`);
    const nodeCount = u64(at + 8, `level ${level} node count`);
    if (offset !== expected.offset) throw bad(`level ${level} offset ${offset}, want ${expected.offset}`);
    if (nodeCount !== expected.nodeCount) throw bad(`level ${level} node count ${nodeCount}, want ${expected.nodeCount}`);
    levels.push({ offset, nodeCount, checksum: entry.slice(16, 16 + CHECKSUM_SIZE) });
  }
  const tableEnd = OFFSET.levelTable + MAX_LEVELS * LEVEL_ENTRY_SIZE;
  if (header.subarray(tableEnd, OFFSET.headerChecksum).some((b) => b !== 0)) throw bad('header padding is not zero');

  return {
    version: FORMAT_VERSION,
    profile,
    hash,
    digestSize,
    leafMode,
    blockSize,
    leafCount,
    dataLength,
    ...(sourceKnown ? { source: { size: sourceSize, mtimeNs: sourceMtimeNs } } : {}),
    levelCount: count,
    levels,
    root: rootField.slice(0, digestSize),
    fileSize: layout.fileSize,
  };
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}

/**
 * Text inputs: records (one hex-encoded record per line) and leaf hashes (one hex hash per
 * line). A bad line is reported with its source and line number.
 */
import { parseDigestHex, parseHex, splitLines } from '../encoding.js';
import type { LeafModeInfo } from '../store/leaf-modes.js';
import type { TreeLevels } from '../tree/build.js';
import type { TreeHasher } from '../tree/hasher.js';
import type { Profile } from '../tree/profile.js';
import { checkedRecords, treeFromLeafHashes, treeFromRecords } from './memory.js';

type TextLine = NonNullable<LeafModeInfo['textLine']>;
type TextTree = (text: string, hasher: TreeHasher, profile: Profile, source: string) => { levels: TreeLevels; bytes: number };

/** How each kind of text line (LeafModeInfo.textLine) becomes a tree. */
const kTextTrees: Readonly<Record<TextLine, TextTree>> = {
  'hex record': (text, hasher, profile, source) => {
    const records = checkedRecords(parseRecords(text, source));
    return { levels: treeFromRecords(records, hasher, profile.lone), bytes: records.reduce((sum, r) => sum + r.length, 0) };
  },
  'hex leaf hash': (text, hasher, profile, source) => {
    const parsed = parseLeafHashes(text, hasher.digestSize, profile.reversedDisplay, source);
    return { levels: treeFromLeafHashes(parsed.leaves, parsed.size, hasher, profile.lone), bytes: parsed.leaves.length };
  },
};

/** treeFromText builds the tree of a text input whose lines are each one `line`; `source` names it in errors. */
export function treeFromText(text: string, line: TextLine, hasher: TreeHasher, profile: Profile, source: string): { levels: TreeLevels; bytes: number } {
  return kTextTrees[line](text, hasher, profile, source);
}

/** parseRecords decodes one hex record per line; an empty line is the empty record. */
export function parseRecords(text: string, source: string): Uint8Array[] {
  return splitLines(text).map((line, i) => parseHex(line.trim(), `${source} line ${i + 1}`));
}

/**
 * parseLeafHashes decodes one hex hash of `digestSize` bytes per line into one flat level.
 * `reversed`: the lines are in display order (Bitcoin txids) and are flipped to internal order.
 */
export function parseLeafHashes(text: string, digestSize: number, reversed: boolean, source: string): { leaves: Uint8Array; size: number } {
  const lines = splitLines(text);
  const leaves = new Uint8Array(lines.length * digestSize);
  for (const [i, line] of lines.entries()) {
    leaves.set(parseDigestHex(line.trim(), digestSize, reversed, `${source} line ${i + 1}`), i * digestSize);
  }
  return { leaves, size: lines.length };
}

/**
 * Text inputs: records (one hex-encoded record per line) and leaf hashes (one hex hash per
 * line). A bad line is reported with its source and line number.
 */
import { parseDigestHex, parseHex, splitLines } from '../encoding.js';

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

/**
 * Hex in and out, with errors that say where the bad text is, and Bitcoin's display order
 * (byte-reversed hashes, as bitcoin-cli prints them). Plain JavaScript, no Buffer: the browser
 * build's proof verifiers use these too.
 */
import { InputError } from './errors.js';

const kHexPattern = /^(?:[0-9a-fA-F]{2})*$/;
const kHexDigits = '0123456789abcdef';
/** The two hex digits of each byte value. */
const kByteToHex = Array.from({ length: 256 }, (_, byte) => kHexDigits[byte >> 4]! + kHexDigits[byte & 15]!);

/** The value of a hex digit's character code (validated beforehand). */
function nibble(code: number): number {
  return code <= 0x39 ? code - 0x30 : (code | 0x20) - 0x57;
}

/**
 * parseHex decodes `text` (even length, 0-9a-f either case). `where` names the source in the
 * error, e.g. "--record" or "records.txt line 12".
 */
export function parseHex(text: string, where: string): Uint8Array {
  if (!kHexPattern.test(text)) {
    const bad = text.search(/[^0-9a-fA-F]/);
    const detail = bad >= 0 ? `bad character ${JSON.stringify(text[bad])} at column ${bad + 1}` : `odd length ${text.length}`;
    throw new InputError(`${where}: invalid hex (${detail})`);
  }
  const bytes = new Uint8Array(text.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (nibble(text.charCodeAt(2 * i)) << 4) | nibble(text.charCodeAt(2 * i + 1));
  return bytes;
}

/** parseDigestHex decodes a hash of exactly `size` bytes, reversing it when `reversed` (display order). */
export function parseDigestHex(text: string, size: number, reversed: boolean, where: string): Uint8Array {
  const bytes = parseHex(text, where);
  if (bytes.length !== size) {
    throw new InputError(`${where}: hash is ${bytes.length} bytes, want ${size}`);
  }
  return reversed ? bytes.reverse() : bytes;
}

/** toHex encodes bytes as lowercase hex, byte-reversed when `reversed` (display order). */
export function toHex(bytes: Uint8Array, reversed = false): string {
  let text = '';
  if (reversed) {
    for (let i = bytes.length - 1; i >= 0; i--) text += kByteToHex[bytes[i]!];
  } else {
    for (let i = 0; i < bytes.length; i++) text += kByteToHex[bytes[i]!];
  }
  return text;
}

/**
 * splitLines splits text into lines. A final newline ends the last line rather than starting
 * an empty one; "\r\n" endings are accepted. Empty text has no lines.
 */
export function splitLines(text: string): string[] {
  if (text.length === 0) return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

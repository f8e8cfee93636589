/**
 * Byte comparisons that run wherever JavaScript does (Node, browsers, workers): the proof
 * verifiers use them, and the browser build has no Buffer.
 */

/** compareBytes orders byte strings as memcmp does, a shorter prefix first (Buffer.compare's order). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** equalBytes says whether two byte strings are the same. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

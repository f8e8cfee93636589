/**
 * The `node` backend: node:crypto (OpenSSL inside Node). Always available; one call per
 * message, so it is slow for small messages and a baseline for the batched backends.
 */
import { createHash, hash as oneShotHash } from 'node:crypto';
import { kernelFromHashOne } from './message-loop.js';
import { kHashInfo, type HashKernel, type HashName } from './types.js';

const kOpenSslNames: Partial<Record<HashName, string>> = { sha256: 'sha256', 'sha3-256': 'sha3-256' };

/** nodeKernel returns node:crypto's kernel for `hash`, or undefined if OpenSSL lacks it. */
export function nodeKernel(hash: HashName): HashKernel | undefined {
  const algorithm = kOpenSslNames[hash];
  if (!algorithm) return undefined;
  const digestSize = kHashInfo[hash].digestSize;
  const prefixByte = new Uint8Array(1);
  return kernelFromHashOne(hash, 'node', 'node:crypto', digestSize, (message, prefix, out, outOffset) => {
    let digest: Buffer;
    if (prefix < 0) {
      // crypto.hash is the one-shot form: about twice as fast as createHash for small inputs.
      digest = oneShotHash(algorithm, message, 'buffer') as unknown as Buffer;
    } else {
      prefixByte[0] = prefix;
      digest = createHash(algorithm).update(prefixByte).update(message).digest();
    }
    out.set(digest, outOffset);
  });
}

/** Hashes node:crypto provides here. */
export function nodeHashes(): HashName[] {
  return (Object.keys(kOpenSslNames) as HashName[]).filter((h) => kOpenSslNames[h] !== undefined);
}

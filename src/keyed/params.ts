/** Validation of a keyed tree's parameters: done once, at the public edge. */
import { InputError } from '../errors.js';
import { kHashInfo, kHashNames, type HashName } from '../hash/types.js';
import type { KeyedParams } from './store.js';

export const kDefaultBucketBits = 16;
export const kMaxBucketBits = 24;
export const kMaxSaltBytes = 64;

export interface KeyedParamsInput {
  readonly hash?: string;
  readonly bucketBits?: number;
  readonly salt?: Uint8Array | string;
}

/** checkKeyedParams fills defaults and throws InputError naming the option that is wrong. */
export function checkKeyedParams(input: KeyedParamsInput): KeyedParams {
  const hash = input.hash ?? 'sha256';
  if (!(kHashNames as readonly string[]).includes(hash)) throw new InputError(`hash must be one of ${kHashNames.join(', ')}, got ${JSON.stringify(hash)}`);
  if (!kHashInfo[hash as HashName].cryptographic) {
    throw new InputError(`hash ${hash} is not cryptographic: a keyed tree's proofs and repairs need a collision-resistant hash`);
  }
  const bucketBits = input.bucketBits ?? kDefaultBucketBits;
  if (!(Number.isInteger(bucketBits) && bucketBits >= 0 && bucketBits <= kMaxBucketBits)) {
    throw new InputError(`bucketBits must be an integer from 0 to ${kMaxBucketBits}, got ${JSON.stringify(bucketBits)}`);
  }
  const salt = typeof input.salt === 'string' ? new TextEncoder().encode(input.salt) : (input.salt ?? new Uint8Array(0));
  if (!(salt instanceof Uint8Array) || salt.length > kMaxSaltBytes) {
    throw new InputError(`salt must be at most ${kMaxSaltBytes} bytes (a Uint8Array or a string), got ${salt instanceof Uint8Array ? `${salt.length} bytes` : typeof salt}`);
  }
  return { hash, bucketBits, salt };
}

/** sameParams says whether two parameter sets describe the same tree shape and hashes. */
export function sameParams(a: KeyedParams, b: KeyedParams): boolean {
  return a.hash === b.hash && a.bucketBits === b.bucketBits && Buffer.compare(a.salt, b.salt) === 0;
}

export function describeParams(p: KeyedParams): string {
  return `hash ${p.hash}, ${p.bucketBits} bucket bits, salt ${p.salt.length === 0 ? 'none' : Buffer.from(p.salt).toString('hex')}`;
}

/** digestSizeOf is the size of the value digests and node hashes of a tree with `params`. */
export function digestSizeOf(params: KeyedParams): number {
  return kHashInfo[params.hash as HashName].digestSize;
}

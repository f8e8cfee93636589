/**
 * A directory tree's parameters, checked once at the public edge: how each file's own tree is
 * built (profile, hash, block size, as `merkle build FILE`), which optional fields an entry's
 * record carries, and the keyed tree's bucket bits. All of them are sealed into the root
 * through the keyed tree's salt (docs/directory.md), so trees built differently never compare
 * equal by accident.
 */
import { apiOptionName, fillBuildOptionsNamed, type OptionNamer } from '../api/options.js';
import { InputError } from '../errors.js';
import { kHashInfo, type HashName } from '../hash/types.js';
import { kDefaultBucketBits, kMaxBucketBits } from '../keyed/params.js';
import type { ProfileName } from '../tree/profile.js';

export interface DirParams {
  readonly profile: ProfileName;
  readonly hash: HashName;
  readonly blockSize: number;
  /** Records carry each entry's permission bits (files and directories). */
  readonly modes: boolean;
  /** Records carry each entry's modification time in nanoseconds. */
  readonly mtimes: boolean;
  readonly bucketBits: number;
}

export interface DirParamsInput {
  profile?: ProfileName;
  hash?: HashName;
  blockSize?: number;
  modes?: boolean;
  mtimes?: boolean;
  bucketBits?: number;
}

/** checkDirParams fills defaults and throws InputError naming the option that is wrong. */
export function checkDirParams(input: DirParamsInput, name: OptionNamer = apiOptionName): DirParams {
  const build = fillBuildOptionsNamed({ profile: input.profile, hash: input.hash, blockSize: input.blockSize }, name);
  if (!kHashInfo[build.hash].cryptographic) {
    throw new InputError(`${name('hash')} ${build.hash} is not cryptographic: a directory tree's diffs and proofs need a collision-resistant hash`);
  }
  for (const flag of ['modes', 'mtimes'] as const) {
    if (input[flag] !== undefined && typeof input[flag] !== 'boolean') throw new InputError(`${name(flag)} must be true or false, got ${JSON.stringify(input[flag])}`);
  }
  const bucketBits = input.bucketBits ?? kDefaultBucketBits;
  if (!(Number.isInteger(bucketBits) && bucketBits >= 0 && bucketBits <= kMaxBucketBits)) {
    throw new InputError(`${name('bucketBits')} must be an integer from 0 to ${kMaxBucketBits}, got ${JSON.stringify(bucketBits)}`);
  }
  return { profile: build.profile, hash: build.hash, blockSize: build.blockSize, modes: input.modes ?? false, mtimes: input.mtimes ?? false, bucketBits };
}

/**
 * saltOf is the keyed tree's salt for a directory tree: its parameters as text, e.g.
 * `merkle-dir/1 rfc9162 sha256 65536` or `… 65536 modes mtimes`. The hash and bucket bits are
 * sealed by the keyed tree itself.
 */
export function saltOf(params: DirParams): string {
  return ['merkle-dir/1', params.profile, params.hash, String(params.blockSize), ...(params.modes ? ['modes'] : []), ...(params.mtimes ? ['mtimes'] : [])].join(' ');
}

/** sameDirParams says whether two trees were built alike, so that their entries compare. */
export function sameDirParams(a: DirParams, b: DirParams): boolean {
  return saltOf(a) === saltOf(b) && a.bucketBits === b.bucketBits;
}

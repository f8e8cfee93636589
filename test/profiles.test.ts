/** The profile registry: what each profile declares, and the numbers tree files already hold. */
import { describe, expect, it } from 'vitest';
import { kHashNames } from '../src/hash/types.js';
import { kProfileNames, kProfiles, profileWithCode, topNodeIsRoot } from '../src/tree/profile.js';

describe('profile registry', () => {
  it('keeps the numbers existing tree files were written with', () => {
    // These numbers are in tree-file headers already written; a new profile takes the next free one.
    expect(Object.fromEntries(kProfileNames.map((name) => [name, kProfiles[name].code]))).toEqual({ rfc9162: 1, classic: 2, bitcoin: 3, b3tree: 4 });
  });

  it.each(kProfileNames)('%s is registered under its own name, with a unique code and known hashes', (name) => {
    const profile = kProfiles[name];
    expect(profile.name).toBe(name);
    expect(profileWithCode(profile.code)).toBe(profile);
    for (const hash of profile.hashes ?? []) expect(kHashNames).toContain(hash);
    expect(profile.leavesFromData || profile.leavesFromHashes).toBe(true);
  });

  it('an unknown code names no profile', () => {
    expect(profileWithCode(0)).toBeUndefined();
    expect(profileWithCode(kProfileNames.length + 1)).toBeUndefined();
  });

  it('only a root-flagged profile with one leaf stores something other than its root on top', () => {
    for (const name of kProfileNames) {
      expect(topNodeIsRoot(kProfiles[name], 2)).toBe(true);
      expect(topNodeIsRoot(kProfiles[name], 1)).toBe(!kProfiles[name].rootFlagged);
    }
  });
});

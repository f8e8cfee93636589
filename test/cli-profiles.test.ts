/** `merkle profiles`: what it lists is the registries, not a copy of them. */
import { describe, expect, it } from 'vitest';
import { kLeafModes } from '../src/store/leaf-modes.js';
import { kProfileNames, kProfiles } from '../src/tree/profile.js';
import { merkle } from './helpers/cli.js';

describe('merkle profiles', () => {
  it('--json lists every registered profile with its capabilities and every leaf mode', () => {
    const result = merkle(['profiles', '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { profiles: Array<{ name: string }>; leafModes: Array<{ name: string }> };
    expect(report.profiles).toEqual(kProfileNames.map((name) => kProfiles[name]));
    expect(report.leafModes.map((m) => m.name)).toEqual(kLeafModes);
  });

  it('prints one entry per profile and per leaf mode', () => {
    const { code, stdout } = merkle(['profiles']);
    expect(code).toBe(0);
    for (const name of [...kProfileNames, ...kLeafModes]) expect(stdout).toMatch(new RegExp(`^${name} `, 'm'));
  });

  it('takes no arguments', () => {
    expect(merkle(['profiles', 'extra']).code).toBe(2);
  });
});

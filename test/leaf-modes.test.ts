/** The leaf-mode registry: what each mode declares, and the numbers tree files already hold. */
import { describe, expect, it } from 'vitest';
import { kLeafModeInfo, kLeafModes, leafModeWithCode } from '../src/store/leaf-modes.js';

describe('leaf-mode registry', () => {
  it('keeps the numbers existing tree files were written with', () => {
    // These numbers are in tree-file headers already written; a new mode takes the next free one.
    expect(Object.fromEntries(kLeafModes.map((mode) => [mode, kLeafModeInfo[mode].code]))).toEqual({ blocks: 1, records: 2, 'leaf-hashes': 3 });
  });

  it.each(kLeafModes)('%s has a unique code, and only a fixed-block mode reads its input as raw data', (mode) => {
    const info = kLeafModeInfo[mode];
    expect(leafModeWithCode(info.code)).toBe(mode);
    expect(info.textLine === undefined).toBe(info.fixedBlocks);
    if (!info.fromData) expect(info.fixedBlocks).toBe(false);
  });

  it('an unknown code names no mode', () => {
    expect(leafModeWithCode(0)).toBeUndefined();
    expect(leafModeWithCode(kLeafModes.length + 1)).toBeUndefined();
  });
});

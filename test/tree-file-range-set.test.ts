import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RangeSet } from '../src/store/range-set.js';

describe('RangeSet (positioned-writer coverage)', () => {
  it('firstGap agrees with a boolean-array oracle for any sequence of adds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 64 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 16 })), { maxLength: 40 }),
        (size, adds) => {
          const set = new RangeSet();
          const covered = new Array<boolean>(size + 80).fill(false);
          for (const [begin, length] of adds) {
            set.add(begin, begin + length);
            for (let i = begin; i < begin + length; i++) covered[i] = true;
          }
          const want = covered.slice(0, size).indexOf(false);
          expect(set.firstGap(size)).toBe(want);
        },
      ),
      { seed: 0x6d74, numRuns: 500 },
    );
  });

  it('merges touching ranges added out of order', () => {
    const set = new RangeSet();
    set.add(8, 12);
    set.add(0, 4);
    expect(set.firstGap(12)).toBe(4);
    set.add(4, 8);
    expect(set.firstGap(12)).toBe(-1);
    expect(set.firstGap(13)).toBe(12);
    expect(new RangeSet().firstGap(0)).toBe(-1);
  });
});

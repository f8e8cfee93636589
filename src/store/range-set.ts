/**
 * RangeSet: a set of integers kept as sorted, disjoint, non-adjacent half-open ranges.
 * The positioned writer uses one per level to know, at commit, which nodes were never written.
 * Writes arrive mostly in order, so the list stays short and inserts touch its end.
 */
export class RangeSet {
  /** Flat [begin0, end0, begin1, end1, ...], sorted; ranges neither overlap nor touch. */
  private readonly bounds: number[] = [];

  /** add inserts [begin, end). Requires begin <= end. */
  add(begin: number, end: number): void {
    if (begin === end) return;
    const b = this.bounds;
    // First range whose end reaches begin: every range before it lies wholly to the left.
    let lo = 0;
    let hi = b.length / 2;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (b[2 * mid + 1]! < begin) lo = mid + 1;
      else hi = mid;
    }
    // Absorb every range that overlaps or touches [begin, end).
    let last = lo;
    let newBegin = begin;
    let newEnd = end;
    while (last < b.length / 2 && b[2 * last]! <= end) {
      newBegin = Math.min(newBegin, b[2 * last]!);
      newEnd = Math.max(newEnd, b[2 * last + 1]!);
      last++;
    }
    b.splice(2 * lo, 2 * (last - lo), newBegin, newEnd);
  }

  /** firstGap returns the smallest integer in [0, size) not in the set, or -1 if it covers all of them. */
  firstGap(size: number): number {
    if (size === 0) return -1;
    const b = this.bounds;
    if (b.length === 0 || b[0]! > 0) return 0;
    return b[1]! >= size ? -1 : b[1]!;
  }
}

/**
 * The seeded data every keyed benchmark uses (ours and the peers'), so figures side by side
 * are on the same keys, values and changes.
 */

/** xorshift32: the same data on every run. */
export function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

export const keyOf = (i) => `row:${String(i).padStart(9, '0')}`;
export const valueOf = (i, version) => `value-${i}-${version}-${'x'.repeat(40)}`;
/** indexOf inverts keyOf. */
export const indexOf = (key) => Number(key.slice(4));

export function initialOps(n) {
  return Array.from({ length: n }, (_, i) => ({ type: 'put', key: keyOf(i), value: valueOf(i, 0) }));
}

/** initialBatches yields the initial n puts in batches, so a load never holds all n ops at once. */
export function* initialBatches(n, size = 16384) {
  for (let first = 0; first < n; first += size) {
    const batch = [];
    for (let i = first; i < Math.min(n, first + size); i++) batch.push({ type: 'put', key: keyOf(i), value: valueOf(i, 0) });
    yield batch;
  }
}

/** updateOps mixes updates (60 %), inserts (20 %) and deletes (20 %) over a set of n keys. */
export function updateOps(n, count, seed) {
  const next = rng(seed);
  return Array.from({ length: count }, (_, j) => {
    const roll = next() % 10;
    if (roll < 6) return { type: 'put', key: keyOf(next() % n), value: valueOf(j, 1) };
    if (roll < 8) return { type: 'put', key: keyOf(n + j), value: valueOf(n + j, 0) };
    return { type: 'delete', key: keyOf(next() % n) };
  });
}

/**
 * differingKeys counts the keys whose state after `ops` (over the initial n keys) differs from
 * the initial state: the least any repair must move.
 */
export function differingKeys(n, ops) {
  const final = new Map();
  for (const op of ops) final.set(op.key, op.type === 'put' ? op.value : undefined);
  let count = 0;
  for (const [key, value] of final) {
    const i = indexOf(key);
    const initial = i < n ? valueOf(i, 0) : undefined;
    if (value !== initial) count++;
  }
  return count;
}

/**
 * loadKeyedTree: bulk load of a keyed tree from rows, in large batches (one transaction and
 * one kernel call per batch, not one per row), so memory is bounded by the batch size.
 */
import type { KeyedOp, KeyedTree } from './tree.js';

export const kLoadBatchRows = 16_384;

export interface LoadReport {
  readonly rows: number;
  readonly seconds: number;
}

/** loadKeyedTree puts every (key, value) of `rows` into `tree`; later rows replace earlier ones with the same key. */
export async function loadKeyedTree(
  tree: KeyedTree,
  rows: AsyncIterable<{ key: Uint8Array | string; value: Uint8Array | string }>,
  onProgress?: (rows: number) => void,
): Promise<LoadReport> {
  const started = performance.now();
  let batch: KeyedOp[] = [];
  let count = 0;
  for await (const row of rows) {
    batch.push({ type: 'put', key: row.key, value: row.value });
    if (batch.length === kLoadBatchRows) {
      tree.batch(batch);
      count += batch.length;
      batch = [];
      onProgress?.(count);
    }
  }
  tree.batch(batch);
  count += batch.length;
  tree.root();
  return { rows: count, seconds: (performance.now() - started) / 1000 };
}

/**
 * Where a keyed tree's values live: the tree holds only digests, so repairing a replica needs
 * the rows themselves from the caller's store. A RowSource answers a peer's request for rows;
 * a RowSink applies the verified rows of a repair, all in one transaction.
 */

export interface RowSource {
  /** The value bytes of each key (whose hash is its digest in the tree), or undefined if absent. */
  rows(keys: readonly Uint8Array[]): (Uint8Array | undefined)[];
}

/** One change of a repair: a put of a verified value, or a delete. */
export type RowChange = { readonly key: Uint8Array; readonly value: Uint8Array } | { readonly key: Uint8Array; readonly value?: undefined };

export interface RowSink {
  /** apply makes every change or none (one transaction). */
  apply(changes: readonly RowChange[]): void;
}

/**
 * FillableSource: a byte source whose reader fills the caller's buffers (fd-source.ts makes
 * them). Kept apart from fd-source.ts so the builders can recognise one without loading the
 * reader and its imports (node:tty pulls in node:net and the streams: ~3 ms of every start).
 */

/** A byte source whose reader can fill its own buffers, which saves a copy per byte. */
export interface FillableSource extends AsyncIterable<Uint8Array> {
  /** What the input is called in errors: `stdin`, or the name given to fdSource. */
  readonly name: string;
  /**
   * fill reads into `into` until it is full or the input ends; resolves to the bytes read
   * (less than `into.length` only at the end). Rejects with InputError naming the input if a
   * read fails, or with the signal's reason once `signal` aborts. One fill at a time.
   */
  fill(into: Uint8Array, signal?: AbortSignal): Promise<number>;
}

/** Marks the sources made by fdSource, so no other object with a `fill` method (a Buffer has one) passes. */
export const kFillable = Symbol('merkle.fillableSource');

export const isFillableSource = (value: unknown): value is FillableSource => typeof value === 'object' && value !== null && kFillable in value;

/**
 * createTreeStream: a Writable that builds the tree of every byte written to it, for
 * `stream.pipeline(source, createTreeStream(options))`. Chunks flow through the streaming
 * builder: each write's callback waits until the builder has room, so backpressure reaches
 * the source, and `result` resolves to the tree when the stream finishes.
 */
import { Writable } from 'node:stream';
import { buildTree, type BuiltTree } from './build.js';
import type { BuildOptions } from './options.js';

export interface TreeStream extends Writable {
  /** The built tree, once the stream has finished; rejects if the build or the stream fails. */
  readonly result: Promise<BuiltTree>;
}

/**
 * ChunkChannel hands chunks from a Writable to an async iterator one at a time: `push`
 * resolves when the consumer has taken the chunk, which is what delays the write callback.
 */
class ChunkChannel implements AsyncIterable<Uint8Array> {
  #waiting?: { chunk: Uint8Array; taken: () => void };
  #wake?: () => void;
  #ended = false;
  #error: unknown;

  push(chunk: Uint8Array): Promise<void> {
    return new Promise((taken) => {
      this.#waiting = { chunk, taken };
      this.#wake?.();
    });
  }

  end(error?: unknown): void {
    this.#ended = true;
    this.#error = error;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for (;;) {
      if (this.#waiting) {
        const { chunk, taken } = this.#waiting;
        this.#waiting = undefined;
        taken();
        yield chunk;
        continue;
      }
      if (this.#ended) {
        if (this.#error !== undefined) throw this.#error;
        return;
      }
      await new Promise<void>((wake) => (this.#wake = wake));
      this.#wake = undefined;
    }
  }
}

/** createTreeStream returns a Writable whose `result` is the tree of everything written (block leaves). */
export function createTreeStream(options: BuildOptions = {}): TreeStream {
  const channel = new ChunkChannel();
  const result = buildTree(channel, { ...options, leaves: 'blocks' });
  // The stream reports failures as 'error'; `result` is for callers that await it.
  result.catch(() => undefined);
  const stream = new Writable({
    write(chunk: Uint8Array, _encoding, callback) {
      channel.push(chunk).then(() => callback(), callback);
    },
    final(callback) {
      channel.end();
      result.then(() => callback(), callback);
    },
    destroy(error, callback) {
      channel.end(error ?? new Error('tree stream destroyed before it finished'));
      callback(error);
    },
  }) as TreeStream;
  result.catch((error: unknown) => stream.destroy(error as Error));
  Object.defineProperty(stream, 'result', { value: result, enumerable: true });
  return stream;
}

/**
 * The streaming builder: bytes of unknown length, cut anywhere, hashed in segments by the pool.
 *
 * The main thread copies incoming chunks into a segment buffer (`write`), or a fillable source
 * reads straight into it (`readFrom`: the native fd reader, no copy at all). A full segment is
 * handed to a worker (its shared buffer read in place, not copied) once more bytes arrive — so
 * the last segment is always still in hand at the end, and a stream of one segment or less is
 * hashed in-thread, where its top (and BLAKE3's ROOT flag) is made. At most 2 × threads
 * segments are in flight: `write()` and `readFrom()` wait for room, which is how backpressure
 * reaches the source. docs/streaming.md has the whole path and its costs.
 */
import { SegmentError } from '../errors.js';
import { createTaskWorkers, type TaskWorkers } from '../pool/task-workers.js';
import { kSegmentWorkerFile, type SegmentTask } from './segment-task.js';
import { writeLevels, type LevelSink } from './level-sink.js';
import { treeFromBytes } from './memory.js';
import { SegmentAssembler, type SegmentedBuild } from './segment-assembly.js';

export interface StreamBuild extends SegmentedBuild {
  readonly sink?: LevelSink;
  /** Continue from a checkpoint: its first `segments` segments are done, with these roots. */
  readonly resume?: { readonly segments: number; readonly roots: Uint8Array };
  /** Called after each segment is hashed and stored (checkpoints hang off it). */
  readonly onSegmentDone?: () => void;
}

/** The done prefix of a stream: every segment before `segments` is hashed and stored. */
export interface StreamProgress {
  readonly segments: number;
  readonly bytes: number;
  readonly roots: Uint8Array;
}

export interface StreamResult {
  readonly root: Uint8Array;
  readonly size: number;
  readonly bytes: number;
  readonly ambiguous: boolean;
  readonly threads: number;
}

export class StreamTreeBuilder {
  readonly #build: StreamBuild;
  readonly #segmentBytes: number;
  readonly #assembler: SegmentAssembler;
  /**
   * Answers a stream segment held in a SharedArrayBuffer with the byte length of its levels,
   * written at the start of that buffer, or the levels themselves when they are larger than the
   * buffer (blocks under 64 bytes).
   */
  #pool?: TaskWorkers<SegmentTask, Uint8Array | number>;
  #segment: Uint8Array;
  #filled = 0;
  #submitted = 0;
  #bytes = 0;
  #bytesHashed = 0;
  readonly #inFlight = new Set<Promise<void>>();
  /** Resolves the write (or read) waiting for a segment to finish, if one is. */
  #wakeWriter?: () => void;
  #failure: unknown;
  #finished = false;
  /** Segments [0, #donePrefix) are done; #doneBeyond holds done ones past a gap. */
  #donePrefix = 0;
  readonly #doneBeyond = new Set<number>();
  /**
   * Segment buffers back from the workers, ready for reuse. Each is a SharedArrayBuffer made
   * once: a worker reads it in place and writes the segment's levels back into its start, so
   * no buffer changes hands. (Transferring ArrayBuffers to and fro, as before, registered 8 MiB
   * of new external memory with V8 on every return; the collections that pressure forced kept
   * growing the main thread's young generation, and peak RSS grew with the stream's length.)
   */
  readonly #free: Uint8Array[] = [];

  constructor(build: StreamBuild) {
    this.#build = build;
    this.#segmentBytes = 2 ** build.segmentLevel * build.blockSize;
    this.#segment = this.#takeBuffer();
    this.#assembler = new SegmentAssembler(build.hasher, build.profile.lone, build.segmentLevel, build.sink);
    if (build.resume) {
      this.#assembler.restore(build.resume.roots);
      this.#submitted = this.#donePrefix = build.resume.segments;
      this.#bytes = this.#bytesHashed = build.resume.segments * this.#segmentBytes;
    }
  }

  /** completed returns the done prefix: what a checkpoint may record. */
  completed(): StreamProgress {
    return { segments: this.#donePrefix, bytes: this.#donePrefix * this.#segmentBytes, roots: this.#assembler.roots(this.#donePrefix) };
  }

  #markDone(index: number): void {
    this.#doneBeyond.add(index);
    while (this.#doneBeyond.delete(this.#donePrefix)) this.#donePrefix++;
  }

  /** Segments being hashed right now. */
  get segmentsInFlight(): number {
    return this.#inFlight.size;
  }

  /** write takes the next bytes; resolves when there is room for more. */
  async write(chunk: Uint8Array): Promise<void> {
    this.#throwIfFailed();
    if (this.#finished) throw new Error('write after finish');
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#filled === this.#segmentBytes) {
        // More bytes follow, so this full segment is not the last: hand it to the pool.
        await this.#submit(this.#segment, false);
        this.#segment = this.#takeBuffer();
        this.#filled = 0;
      }
      const take = Math.min(chunk.length - offset, this.#segmentBytes - this.#filled);
      this.#segment.set(chunk.subarray(offset, offset + take), this.#filled);
      this.#filled += take;
      offset += take;
    }
    this.#bytes += chunk.length;
  }

  /**
   * readFrom takes every byte `fill` gives until it reports the end (a short fill). `fill`
   * reads straight into the builder's segment buffers — the very buffers the workers then
   * hash in place — so no byte is copied on the main thread. Resolves when the input has ended;
   * then call finish.
   */
  async readFrom(fill: (into: Uint8Array) => Promise<number>): Promise<void> {
    this.#throwIfFailed();
    if (this.#finished) throw new Error('read after finish');
    for (;;) {
      if (this.#filled < this.#segmentBytes) {
        const bytes = await fill(this.#segment.subarray(this.#filled));
        this.#filled += bytes;
        this.#bytes += bytes;
        if (this.#filled < this.#segmentBytes) return;
        continue;
      }
      // A full segment is sent only once the next one has bytes: the last one stays here.
      const next = this.#takeBuffer();
      const bytes = await fill(next);
      if (bytes === 0) {
        this.#free.push(next);
        return;
      }
      await this.#submit(this.#segment, false);
      this.#segment = next;
      this.#filled = bytes;
      this.#bytes += bytes;
      if (bytes < this.#segmentBytes) return;
    }
  }

  /** #takeBuffer returns a segment buffer back from a worker, or a new shared one. */
  #takeBuffer(): Uint8Array {
    return this.#free.pop() ?? new Uint8Array(new SharedArrayBuffer(this.#segmentBytes));
  }

  /** finish hashes what is left and resolves to the root. */
  async finish(): Promise<StreamResult> {
    this.#throwIfFailed();
    this.#finished = true;
    const { hasher, profile, blockSize, sink } = this.#build;
    try {
      if (this.#submitted === 0) {
        // The whole stream fits one segment: hash it here, top and root included.
        const tree = treeFromBytes(this.#segment.subarray(0, this.#filled), blockSize, hasher, profile.lone);
        if (sink) await writeLevels(sink, tree.levels);
        this.#build.onProgress?.({ bytesDone: this.#bytes, bytesTotal: this.#bytes });
        return { root: tree.root, size: tree.size, bytes: this.#bytes, ambiguous: tree.ambiguous, threads: 1 };
      }
      if (this.#filled === 0) throw new Error(`the input ended at byte ${this.#bytes}, before the resumed checkpoint's position`);
      await this.#submit(this.#segment.subarray(0, this.#filled), true);
      await Promise.all(this.#inFlight);
      this.#throwIfFailed();
      const segments = this.#submitted;
      const { root, ambiguous } = await this.#assembler.finish(segments);
      return { root, size: Math.ceil(this.#bytes / blockSize), bytes: this.#bytes, ambiguous, threads: this.#build.threads };
    } finally {
      await this.close();
    }
  }

  /** close stops the pool (after an error or abort); in-flight segments are dropped. */
  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.destroy();
  }

  async #submit(data: Uint8Array, isLast: boolean): Promise<void> {
    const { build } = this;
    const index = this.#submitted++;
    const length = data.length;
    const leafCount = Math.ceil(length / build.blockSize);
    const task: SegmentTask = {
      source: { data },
      profile: build.profile.name,
      hash: build.hash,
      backend: build.backend,
      blockSize: build.blockSize,
      segmentIndex: index,
      firstLeaf: index * 2 ** build.segmentLevel,
      topLevel: build.segmentLevel,
    };
    const byteOffset = index * this.#segmentBytes;
    this.#pool ??= createTaskWorkers(build.threads, build.workerFile ?? kSegmentWorkerFile);
    const buffer = new Uint8Array(data.buffer, 0, this.#segmentBytes);
    const running: Promise<void> = this.#pool
      .run(task)
      .then(async (answer) => {
        // The worker wrote the levels at the start of the segment's buffer when they fit (see worker.ts).
        const levels = typeof answer === 'number' ? buffer.subarray(0, answer) : answer;
        await this.#assembler.accept(index, leafCount, levels, isLast);
        this.#free.push(buffer);
        this.#bytesHashed += length;
        this.#markDone(index);
        build.onProgress?.({ bytesDone: this.#bytesHashed, bytesTotal: this.#bytes });
        build.onSegmentDone?.();
      })
      .catch((error: unknown) => {
        this.#failure ??= new SegmentError(index, byteOffset, byteOffset + length, error);
      })
      .finally(() => {
        this.#inFlight.delete(running);
        this.#wakeWriter?.();
      });
    this.#inFlight.add(running);
    // One waiter woken by whichever segment finishes (Promise.race would hang a reaction on
    // every in-flight segment per call, objects that live as long as the segments do).
    while (this.#inFlight.size >= 2 * build.threads) {
      await new Promise<void>((wake) => (this.#wakeWriter = wake));
      this.#wakeWriter = undefined;
    }
    this.#throwIfFailed();
  }

  get build(): StreamBuild {
    return this.#build;
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }
}

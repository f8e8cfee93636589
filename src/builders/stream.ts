/**
 * The streaming builder: bytes of unknown length, cut anywhere, hashed in segments by the pool.
 *
 * The main thread copies incoming bytes into a segment buffer; a full segment is handed to a
 * worker (its buffer transferred, not copied) once more bytes arrive — so the last segment is
 * always still in hand at the end, and a stream of one segment or less is hashed in-thread,
 * where its top (and BLAKE3's ROOT flag) is made. At most 2 × threads segments are in flight:
 * `write()` waits for room, which is how backpressure reaches the source.
 */
import { createHashPool, type HashPool } from '../pool/pool.js';
import type { SegmentTask } from '../pool/task.js';
import { writeLevels, type LevelSink } from './level-sink.js';
import { treeFromBytes } from './memory.js';
import { SegmentError } from './parallel.js';
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
  #pool?: Promise<HashPool>;
  #segment: Uint8Array;
  #filled = 0;
  #submitted = 0;
  #bytes = 0;
  #bytesHashed = 0;
  readonly #inFlight = new Set<Promise<void>>();
  #failure: unknown;
  #finished = false;
  /** Segments [0, #donePrefix) are done; #doneBeyond holds done ones past a gap. */
  #donePrefix = 0;
  readonly #doneBeyond = new Set<number>();
  /** Segment buffers back from the workers, ready for reuse. */
  readonly #free: ArrayBuffer[] = [];

  constructor(build: StreamBuild) {
    this.#build = build;
    this.#segmentBytes = 2 ** build.segmentLevel * build.blockSize;
    this.#segment = new Uint8Array(this.#segmentBytes);
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

  /** Bytes taken so far. */
  get bytes(): number {
    return this.#bytes;
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
        const reused = this.#free.pop();
        this.#segment = reused ? new Uint8Array(reused) : new Uint8Array(this.#segmentBytes);
        this.#filled = 0;
      }
      const take = Math.min(chunk.length - offset, this.#segmentBytes - this.#filled);
      this.#segment.set(chunk.subarray(offset, offset + take), this.#filled);
      this.#filled += take;
      offset += take;
    }
    this.#bytes += chunk.length;
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
    await (await pool)?.destroy();
  }

  async #submit(data: Uint8Array, isLast: boolean): Promise<void> {
    const { build } = this;
    const index = this.#submitted++;
    // Read the length now: handing the bytes to a worker detaches them (length becomes 0).
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
    this.#pool ??= createHashPool(build.threads, build.workerFile);
    const pool = await this.#pool;
    const running: Promise<void> = pool
      .run(task)
      .then(async (levels) => {
        await this.#assembler.accept(index, leafCount, levels, isLast);
        // The worker answers in the segment's own buffer when the levels fit (see worker.ts).
        if (levels.buffer.byteLength === this.#segmentBytes) this.#free.push(levels.buffer as ArrayBuffer);
        this.#bytesHashed += length;
        this.#markDone(index);
        build.onProgress?.({ bytesDone: this.#bytesHashed, bytesTotal: this.#bytes });
        build.onSegmentDone?.();
      })
      .catch((error: unknown) => {
        this.#failure ??= new SegmentError(index, byteOffset, byteOffset + length, error);
      })
      .finally(() => this.#inFlight.delete(running));
    this.#inFlight.add(running);
    while (this.#inFlight.size >= 2 * build.threads) await Promise.race(this.#inFlight);
    this.#throwIfFailed();
  }

  get build(): StreamBuild {
    return this.#build;
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }
}

/**
 * The commands of `merkle`: for each, its options, help text, and a run function that calls
 * the library and prints. No tree or hashing logic lives here.
 */
import { statSync } from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import { buildTreeNamed } from '../api/build.js';
import { parseHex } from '../encoding.js';
import { InputError, UsageError } from '../errors.js';
import { readBytes, readText } from '../io/read-only-file.js';
import { kBackendNames, kHashNames } from '../hash/types.js';
import { kDefaultBlockSize, kDefaultBuildOptions, kDefaultSegmentSize, type BuildOptions, type OptionNamer } from '../api/options.js';
import type { OpenTree } from '../api/open-tree.js';
import type { LeafClaim, Proof } from '../api/proofs.js';
import { formatByteSize, parseByteSize } from '../sizes.js';
import { kLeafModeInfo, kLeafModes, type LeafMode } from '../store/leaf-modes.js';
import { kProfileNames } from '../tree/profile.js';
import { EXIT_OK } from './exit.js';
import { stderrIsTerminal, writeOut } from './output.js';
import { createProgressBar } from './progress.js';
import { mappingChoice } from './mapping-flags.js';
import { kSyncCommands } from './commands-sync.js';
import { kBenchCommands } from './commands-bench.js';
import { kProfileCommands } from './commands-profiles.js';
import { kKeyedCommands } from './commands-kv.js';
import { buildDirectoryCommand, kDirectoryBuildHelp, refuseMisplacedOptions } from './commands-dir.js';
import { kQueueCommands } from './commands-queue.js';

type Values = Record<string, string | boolean | undefined>;

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly help: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  /** [min, max] positional arguments. */
  readonly positionals: readonly [number, number];
  run(values: Values, positionals: string[]): Promise<number>;
  /** A command family (e.g. `kv`): the first argument names one of these, which then runs. */
  readonly subcommands?: Readonly<Record<string, Command>>;
}

const kFlagNames: Record<string, string> = {
  blockSize: '--block-size',
  profile: '--profile',
  hash: '--hash',
  backend: '--backend',
  leaves: '--leaves',
  segmentSize: '--segment-size',
  mmap: '--mmap/--no-mmap',
  checkpoint: '--checkpoint',
  checkpointEvery: '--checkpoint-every',
  resume: '--resume',
  restart: '--restart',
  queue: '--queue',
  queueName: '--queue-name',
  rangeSize: '--range-size',
};
const cliOptionName: OptionNamer = (key) => kFlagNames[key] ?? `--${key}`;

const str = (values: Values, key: string): string | undefined => values[key] as string | undefined;

/**
 * leafModeFlag is the leaf mode the command line names: --leaves MODE, or its shorthands
 * --records and --leaf-hashes; undefined leaves the build's default. An unknown MODE is left for
 * the build options to refuse, with the list of modes.
 */
function leafModeFlag(values: Values): LeafMode | undefined {
  const named = [str(values, 'leaves'), values.records ? 'records' : undefined, values['leaf-hashes'] ? 'leaf-hashes' : undefined].filter((mode) => mode !== undefined);
  if (new Set(named).size > 1) throw new UsageError(`--leaves, --records and --leaf-hashes name different leaf modes: ${named.join(', ')}`);
  return named[0] as LeafMode | undefined;
}

function printJson(value: unknown): void {
  writeOut(`${JSON.stringify(value, null, 2)}\n`);
}

/** Standard input as a build source; its reader (and node:tty with it) loads only when asked for. */
async function stdinSource(): Promise<AsyncIterable<Uint8Array>> {
  const { fdSource } = await import('../io/fd-source.js');
  return fdSource(0);
}

const isDirectory = (input: string): boolean => statSync(input, { throwIfNoEntry: false })?.isDirectory() ?? false;

function parseThreads(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const threads = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(threads) || threads < 1) {
    throw new InputError(`--threads must be a whole number of at least 1, got ${JSON.stringify(text)}`);
  }
  return threads;
}

const build: Command = {
  name: 'build',
  summary: 'build the tree of a file, a directory or stdin and print its root',
  positionals: [1, 1],
  options: {
    'block-size': { type: 'string' },
    leaves: { type: 'string' },
    records: { type: 'boolean' },
    'leaf-hashes': { type: 'boolean' },
    hash: { type: 'string' },
    profile: { type: 'string' },
    backend: { type: 'string' },
    threads: { type: 'string' },
    'segment-size': { type: 'string' },
    progress: { type: 'boolean' },
    'no-progress': { type: 'boolean' },
    mmap: { type: 'boolean' },
    'no-mmap': { type: 'boolean' },
    out: { type: 'string', short: 'o' },
    checkpoint: { type: 'string' },
    'checkpoint-every': { type: 'string' },
    resume: { type: 'boolean' },
    restart: { type: 'boolean' },
    queue: { type: 'string' },
    'queue-name': { type: 'string' },
    'range-size': { type: 'string' },
    json: { type: 'boolean' },
    exclude: { type: 'string', multiple: true },
    modes: { type: 'boolean' },
    mtimes: { type: 'boolean' },
    update: { type: 'string' },
    verify: { type: 'boolean' },
    'bucket-bits': { type: 'string' },
  },
  help: `Usage: merkle build INPUT [options]

Builds the Merkle tree of INPUT (a file path, a directory, or - for standard input) and prints
its root as lowercase hex (bitcoin: display order) and a newline.

Leaves (default: fixed-size blocks of the input's bytes):
  --block-size N      block size in bytes, with an optional KiB, MiB or GiB suffix
                      (default ${formatByteSize(kDefaultBlockSize)}; b3tree: a power of two >= 1 KiB)
  --leaves MODE       ${kLeafModes.join(' | ')} (default blocks); the flags below are short for
                      the other modes
  --records           INPUT is text, one hex-encoded record per line; an empty line is the
                      empty record; the final newline ends the last line
  --leaf-hashes       INPUT is text, one hex leaf hash per line (bitcoin: txids in display order)

Tree:
  --profile P         ${kProfileNames.join(' | ')} (default rfc9162)
  --hash H            ${kHashNames.join(' | ')} (default sha256, blake3 for b3tree; xxh128 is a
                      non-cryptographic checksum)
  --backend B         auto | ${kBackendNames.join(' | ')} (default auto: the fastest available)

Speed:
  --threads N         hashing threads for file inputs (default: one per core, here ${kDefaultBuildOptions.threads})
  --segment-size N    data per worker task, rounded down to a power-of-two number of blocks
                      (default: for a file 8-32 MiB by its size, at least 16 per thread; for
                      stdin ${formatByteSize(kDefaultSegmentSize)})
  --mmap, --no-mmap   always hash file segments from memory mappings (no copy out of the
                      page cache), or always read them with read(2). Default: each window
                      of a segment is mapped only where a probe finds its mapped pages cost
                      less to use than reading them (a file the page cache holds in huge
                      pages), and read otherwise (e.g. a file written in small writes)
  --progress, --no-progress
                      show a progress bar on stderr (default: when stderr is a terminal)

Output:
  -o, --out FILE      also write the whole tree to FILE (.mtree), atomically: on failure or
                      Ctrl-C an existing FILE is left as it was

Crash safety (block leaves, file or - input):
  --checkpoint DIR    record progress in DIR every few seconds (with --out, the tree's levels
                      are spilled there too); a crashed build can then be resumed
  --checkpoint-every S  seconds between checkpoints (default 5)
  --resume            continue the build recorded in DIR (same input; - must replay the same
                      bytes from the start); the root equals an uninterrupted build's
  --restart           discard the checkpoint in DIR and start afresh

Across machines (docs/distributed.md; block leaves):
  --queue redis://HOST:PORT
                      queue the build as range jobs on this Redis for 'merkle worker's (on
                      any machine) to hash, then combine their results into the same tree;
                      INPUT is a path every worker can read, or an http(s):// URL served
                      with Range requests. Run again after a crash: finished ranges are kept
  --queue-name N      the queue the workers take jobs from (default merkle)
  --range-size N      data per job, in whole segments (default 256 MiB; segments 32 MiB
                      unless --segment-size)

  --json              print one JSON object: root, profile, hash, leaves, bytes, blockSize,
                      threads, backend, kernel, seconds, bytesPerSecond (with --queue, for
                      threads and kernel: build, segments, ranges, rangesDoneBefore,
                      jobStarts, local, workers: per worker its ranges and bytes; combine:
                      bytes of levels read, seconds after the last range, of them the commit)

${kDirectoryBuildHelp}`,
  async run(values, [input]) {
    const threads = parseThreads(str(values, 'threads'));
    if (input !== '-' && isDirectory(input!)) return buildDirectoryCommand(values, input!, threads);
    refuseMisplacedOptions(values, false);
    if (values.queue !== undefined) return buildOnQueueCommand(values, input!);
    const strayQueueFlag = ['queue-name', 'range-size'].find((k) => values[k] !== undefined);
    if (strayQueueFlag) throw new UsageError(`--${strayQueueFlag} needs --queue redis://HOST:PORT`);
    if (values.records && values['leaf-hashes']) throw new UsageError('--records and --leaf-hashes exclude each other');
    const leaves = leafModeFlag(values);
    const blockSizeText = str(values, 'block-size');
    if (blockSizeText !== undefined && leaves !== undefined && kLeafModes.includes(leaves) && !kLeafModeInfo[leaves].fixedBlocks) {
      throw new UsageError(`--block-size applies to block leaves, not ${leaves}`);
    }
    const segmentSizeText = str(values, 'segment-size');
    const showProgress = values['no-progress'] ? false : Boolean(values.progress) || stderrIsTerminal();
    const bar = showProgress ? createProgressBar(process.stderr) : undefined;
    const abort = new AbortController();
    const onSigint = () => abort.abort(new InputError('interrupted (SIGINT)'));
    process.once('SIGINT', onSigint);
    const options: BuildOptions = {
      profile: str(values, 'profile') as BuildOptions['profile'],
      hash: str(values, 'hash') as BuildOptions['hash'],
      backend: str(values, 'backend') as BuildOptions['backend'],
      blockSize: blockSizeText === undefined ? undefined : parseByteSize(blockSizeText, '--block-size'),
      leaves,
      threads,
      segmentSize: segmentSizeText === undefined ? undefined : parseByteSize(segmentSizeText, '--segment-size'),
      mmap: mappingChoice(values),
      onProgress: bar ? (progress) => bar.update(progress) : undefined,
      signal: abort.signal,
      out: str(values, 'out'),
      checkpoint: checkpointOptions(values),
    };
    const source = input === '-' ? await stdinSource() : input!;
    let tree;
    try {
      tree = await buildTreeNamed(source, options, cliOptionName);
    } finally {
      bar?.done();
      process.off('SIGINT', onSigint);
    }
    if (values.json) {
      printJson({
        root: tree.rootHex,
        profile: tree.profile,
        hash: tree.hash,
        leaves: tree.size,
        bytes: tree.bytes,
        blockSize: tree.blockSize ?? null,
        leafMode: tree.leafMode,
        threads: tree.threads,
        backend: tree.backend,
        kernel: tree.kernel,
        seconds: tree.seconds,
        bytesPerSecond: tree.seconds > 0 ? Math.round(tree.bytes / tree.seconds) : null,
        ...(tree.ambiguous ? { ambiguous: true } : {}),
        ...(tree.out ? { out: tree.out } : {}),
      });
    } else {
      writeOut(`${tree.rootHex}\n`);
    }
    return EXIT_OK;
  },
};

/** `merkle build INPUT --queue URL`: the coordinator of a build across machines. */
async function buildOnQueueCommand(values: Values, input: string): Promise<number> {
  const local = ['leaves', 'records', 'leaf-hashes', 'threads', 'mmap', 'no-mmap', 'checkpoint', 'checkpoint-every', 'resume', 'restart'].find((k) => values[k] !== undefined);
  if (local) throw new UsageError(`--${local} does not apply to a build with --queue (workers hash block leaves, with their own --threads)`);
  if (input === '-') throw new UsageError('a build with --queue reads a file or URL every worker can reach, not standard input');
  const { buildOnQueueNamed } = await import('../distributed/coordinator.js');
  const showProgress = values['no-progress'] ? false : Boolean(values.progress) || stderrIsTerminal();
  const bar = showProgress ? createProgressBar(process.stderr) : undefined;
  const abort = new AbortController();
  const onSigint = () => abort.abort(new InputError('interrupted (SIGINT); run the same command again to continue'));
  process.once('SIGINT', onSigint);
  const size = (key: string): number | undefined => {
    const text = str(values, key);
    return text === undefined ? undefined : parseByteSize(text, `--${key}`);
  };
  let built;
  try {
    built = await buildOnQueueNamed(input, {
      queue: str(values, 'queue')!,
      queueName: str(values, 'queue-name'),
      rangeSize: size('range-size'),
      profile: str(values, 'profile') as BuildOptions['profile'],
      hash: str(values, 'hash') as BuildOptions['hash'],
      backend: str(values, 'backend') as BuildOptions['backend'],
      blockSize: size('block-size'),
      segmentSize: size('segment-size'),
      out: str(values, 'out'),
      signal: abort.signal,
      onProgress: bar && ((p) => bar.update(p, `${p.segmentsDone}/${p.segmentsTotal} segments, ${p.workers} workers (${p.workersSeen} seen)`)),
    }, cliOptionName);
  } finally {
    bar?.done();
    process.off('SIGINT', onSigint);
  }
  if (!values.json) {
    writeOut(`${built.rootHex}\n`);
    return EXIT_OK;
  }
  printJson({
    root: built.rootHex,
    profile: built.profile,
    hash: built.hash,
    leaves: built.size,
    bytes: built.bytes,
    blockSize: built.blockSize,
    leafMode: 'blocks',
    backend: built.backend,
    seconds: built.seconds,
    bytesPerSecond: built.seconds > 0 ? Math.round(built.bytes / built.seconds) : null,
    build: built.build,
    segments: built.segments,
    ranges: built.ranges,
    rangesDoneBefore: built.rangesDoneBefore,
    jobStarts: built.jobStarts,
    local: built.local,
    workers: built.workers,
    combine: built.combine,
    ...(built.ambiguous ? { ambiguous: true } : {}),
    ...(built.out ? { out: built.out } : {}),
  });
  return EXIT_OK;
}

function checkpointOptions(values: Values): BuildOptions['checkpoint'] {
  const dir = str(values, 'checkpoint');
  const every = str(values, 'checkpoint-every');
  if (dir === undefined) {
    const stray = ['checkpoint-every', 'resume', 'restart'].find((k) => values[k] !== undefined);
    if (stray) throw new UsageError(`--${stray} needs --checkpoint DIR`);
    return undefined;
  }
  const everySeconds = every === undefined ? undefined : Number(every);
  if (everySeconds !== undefined && !(Number.isFinite(everySeconds) && everySeconds >= 0 && every!.trim() !== '')) {
    throw new InputError(`--checkpoint-every must be a number of seconds >= 0, got ${JSON.stringify(every)}`);
  }
  return { dir, everySeconds, resume: Boolean(values.resume), restart: Boolean(values.restart) };
}

async function readProofFile(path: string): Promise<Proof> {
  let text: string;
  try {
    text = await readText(path);
  } catch (error) {
    throw new InputError(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    return JSON.parse(text) as Proof;
  } catch (error) {
    throw new InputError(`${path}: not valid JSON (${(error as Error).message})`);
  }
}

const verify: Command = {
  name: 'verify',
  summary: 'verify an inclusion or consistency proof',
  positionals: [1, 1],
  options: {
    root: { type: 'string' },
    'leaf-data': { type: 'string' },
    record: { type: 'string' },
    'leaf-hash': { type: 'string' },
    backend: { type: 'string' },
  },
  help: `Usage: merkle verify PROOF.json [--root HEX] [--leaf-data FILE | --record HEX | --leaf-hash HEX]

Verifies a proof made by 'merkle proof' or 'merkle consistency'. Exit 0 and "valid" when it
verifies; exit 1 and the reason on stderr when it does not.

  --root HEX          the trusted root to check against (default: the proof's own root, which
                      only shows the proof is self-consistent)
  --leaf-data FILE    inclusion: the leaf's bytes (a block or a record), hashed under the profile
  --record HEX        inclusion: the leaf's bytes as hex
  --leaf-hash HEX     inclusion: the leaf hash (bitcoin: the txid in display order)
  --backend B         auto | ${kBackendNames.join(' | ')}
`,
  async run(values, [proofPath]) {
    const claims = ['leaf-data', 'record', 'leaf-hash'].filter((k) => values[k] !== undefined);
    if (claims.length > 1) throw new UsageError(`--${claims.join(' and --')} exclude each other`);
    let leaf: LeafClaim;
    const leafData = str(values, 'leaf-data');
    const record = str(values, 'record');
    const leafHash = str(values, 'leaf-hash');
    if (leafData !== undefined) {
      try {
        leaf = { data: await readBytes(leafData) };
      } catch (error) {
        throw new InputError(`--leaf-data ${leafData}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      }
    } else if (record !== undefined) leaf = { data: parseHex(record, '--record') };
    else if (leafHash !== undefined) leaf = { leafHash };
    const proof = await readProofFile(proofPath!);
    const backend = str(values, 'backend');
    if (backend !== undefined && !['auto', ...kBackendNames].includes(backend)) {
      throw new InputError(`--backend must be one of auto, ${kBackendNames.join(', ')}, got ${JSON.stringify(backend)}`);
    }
    const { verifyProof } = await import('../api/proofs.js');
    await verifyProof(proof, { root: str(values, 'root'), leaf, backend: backend as 'auto' | undefined });
    writeOut('valid\n');
    return EXIT_OK;
  },
};

const backends: Command = {
  name: 'backends',
  summary: "list each hash's backends, their kernels, and what auto picks",
  positionals: [0, 0],
  options: { json: { type: 'boolean' } },
  help: `Usage: merkle backends [--json]

Lists, for each hash, every backend with the kernel it runs (or why it cannot run here), and
the backend 'auto' picks.
`,
  async run(values) {
    const { describeBackends } = await import('../hash/registry.js');
    const reports = await describeBackends();
    if (values.json) {
      printJson(reports);
      return EXIT_OK;
    }
    for (const report of reports) {
      writeOut(`${report.hash} (auto: ${report.auto ?? 'none'})\n`);
      for (const b of report.backends) {
        writeOut(`  ${b.backend.padEnd(7)} ${b.kernel ?? `unavailable: ${b.unavailable}`}\n`);
      }
    }
    return EXIT_OK;
  },
};

async function withTree<T>(path: string, use: (tree: OpenTree) => Promise<T>): Promise<T> {
  const { openTree } = await import('../api/open-tree.js');
  const tree = await openTree(path);
  try {
    return await use(tree);
  } finally {
    await tree.close();
  }
}

function parseIndex(text: string): number {
  const index = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(index)) throw new InputError(`INDEX must be a whole number, got ${JSON.stringify(text)}`);
  return index;
}

const proof: Command = {
  name: 'proof',
  summary: 'print the inclusion proof of one leaf of a tree file',
  positionals: [2, 2],
  options: {},
  help: `Usage: merkle proof TREE.mtree INDEX

Prints the inclusion proof of leaf INDEX (0-based) as JSON: profile, hash, treeSize, index,
blockSize (block trees), leafHash, path (sibling hashes as hex from the leaf upward) and root.
Hashes are in the profile's display order (byte-reversed for bitcoin).
`,
  async run(_values, [treePath, indexText]) {
    const index = parseIndex(indexText!);
    await withTree(treePath!, async (tree) => {
      if (index >= tree.size) throw new InputError(`INDEX ${index} is out of range: ${treePath} has ${tree.size} leaves`);
      const { proveInclusion } = await import('../api/proofs.js');
      printJson(await proveInclusion(tree, index));
    });
    return EXIT_OK;
  },
};

const consistency: Command = {
  name: 'consistency',
  summary: 'print the consistency proof that one tree file is a prefix of another',
  positionals: [2, 2],
  options: {},
  help: `Usage: merkle consistency OLD.mtree NEW.mtree

Prints the RFC 9162 consistency proof that OLD's leaves are the first leaves of NEW, as JSON:
profile, hash, size1, size2, root1, root2, path. rfc9162 trees only; OLD must not be empty.
`,
  async run(_values, [oldPath, newPath]) {
    const { proveConsistency } = await import('../api/proofs.js');
    await withTree(oldPath!, (older) => withTree(newPath!, async (newer) => printJson(await proveConsistency(older, newer))));
    return EXIT_OK;
  },
};

const info: Command = {
  name: 'info',
  summary: 'describe a tree file (and check it with --verify)',
  positionals: [1, 1],
  options: { json: { type: 'boolean' }, verify: { type: 'boolean' } },
  help: `Usage: merkle info TREE.mtree [--json] [--verify]

Prints a tree file's header: profile, hash, leaf mode, block size, leaves, data length, levels,
root, and the data source's size and mtime when it was built from a file.
  --verify    also check every level's checksum and the root (reads the whole file)
  --json      print one JSON object
`,
  async run(values, [treePath]) {
    await withTree(treePath!, async (tree) => {
      if (values.verify) await tree.verify();
      const m = tree.meta;
      const summary = {
        path: treePath,
        formatVersion: m.version,
        profile: m.profile,
        hash: m.hash,
        leafMode: m.leafMode,
        blockSize: kLeafModeInfo[m.leafMode].fixedBlocks ? m.blockSize : null,
        leaves: m.leafCount,
        bytes: m.dataLength,
        levels: m.levelCount,
        fileBytes: m.fileSize,
        root: tree.rootHex,
        source: m.source ? { size: m.source.size, mtimeNs: m.source.mtimeNs.toString() } : null,
        ...(values.verify ? { verified: true } : {}),
      };
      if (values.json) {
        printJson(summary);
        return;
      }
      for (const [key, value] of Object.entries(summary)) {
        if (value === null) continue;
        const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
        writeOut(`${key.padEnd(14)} ${text}\n`);
      }
    });
    return EXIT_OK;
  },
};

const append: Command = {
  name: 'append',
  summary: 'extend a saved tree by more data and print the new root',
  positionals: [2, 2],
  options: { data: { type: 'string' }, out: { type: 'string', short: 'o' }, json: { type: 'boolean' } },
  help: `Usage: merkle append TREE.mtree MORE-DATA [--data FILE] [--out NEW.mtree] [--json]

Extends the block tree in TREE.mtree by the bytes of MORE-DATA (a file, or - for standard
input) as if they had followed the original data, hashing only the new blocks and O(log n)
nodes, and prints the new root. The tree file is replaced atomically (or NEW.mtree written).
rfc9162 and classic block trees. 'merkle consistency OLD NEW' then proves old ⊑ new.

  --data FILE      the original data; needed when it ended in a short block, which the new
                   data completes (its bytes are rehashed)
  -o, --out FILE   write the extended tree to FILE and keep TREE.mtree as it is
  --json           print root, oldLeaves, leaves, bytes, out
`,
  async run(values, [treePath, morePath]) {
    const { appendToTree } = await import('../api/append.js');
    const result = await appendToTree(treePath!, morePath === '-' ? await stdinSource() : morePath!, {
      data: str(values, 'data'),
      out: str(values, 'out'),
    });
    if (values.json) printJson({ root: result.rootHex, oldLeaves: result.oldSize, leaves: result.size, bytes: result.bytes, out: result.out });
    else writeOut(`${result.rootHex}\n`);
    return EXIT_OK;
  },
};

export const kCommands: Record<string, Command> = { build, append, proof, consistency, verify, info, backends, ...kSyncCommands, ...kKeyedCommands, ...kQueueCommands, ...kBenchCommands, ...kProfileCommands };

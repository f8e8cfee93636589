/**
 * Directory trees on the command line: `merkle build DIR` and `merkle diff A.tree B.tree` when
 * their arguments are directories (trees). Each parses, calls src/dir/, prints.
 */
import path from 'node:path';
import { InputError, SyncError, UsageError } from '../errors.js';
import type { ServerAccess } from '../sync/http.js';
import type { PeerAccess } from '../sync/transport.js';
import type { DirBuildOptions } from '../dir/build.js';
import type { DirDiff } from '../dir/diff.js';
import type { IndexRange } from '../tree/diff.js';
import { parseByteSize } from '../sizes.js';
import { EXIT_FAILED, EXIT_OK } from './exit.js';
import { stderrIsTerminal, writeOut } from './output.js';
import { createProgressBar } from './progress.js';

type Values = Record<string, string | boolean | string[] | undefined>;

/** The build options that mean something only for a directory, and those that mean nothing for one. */
export const kDirectoryOnlyOptions = ['exclude', 'modes', 'mtimes', 'update', 'verify', 'bucket-bits'] as const;
const kFileOnlyOptions = ['leaves', 'records', 'leaf-hashes', 'segment-size', 'mmap', 'no-mmap', 'checkpoint', 'checkpoint-every', 'resume', 'restart', 'queue', 'queue-name', 'range-size'] as const;

export const kDirectoryBuildHelp = `Directories (INPUT is a directory; docs/directory.md):
  One root for every file, symlink and empty directory below INPUT, keyed by relative path;
  each file's root is what 'merkle build FILE' prints. Special files are skipped and listed.
  -o, --out DIR.tree  save the tree (a directory: an index and the tree files of large files)
  --update DIR.tree   rescan: reuse every file whose size, mtime, ctime and inode are unchanged
                      since DIR.tree was saved, rehash the rest, drop removed paths; saves there
                      unless -o names another place
  --verify            with --update: read every file anyway and list those the shortcut missed
  --exclude PATTERN   leave out matching paths (repeatable): '*.tmp' matches a name at any
                      depth, 'build/**' a path; * ? ** as in .gitignore
  --modes, --mtimes   also record permission bits / modification times (part of the root)
  --bucket-bits N     the keyed tree's 2^N buckets (default 16)
  --json              print { root, files, symlinks, directories, bytes, hashedFiles,
                      hashedBytes, reused, removed, skipped, seconds, filesPerSecond, bytesPerSecond }
`;

const str = (values: Values, key: string): string | undefined => values[key] as string | undefined;
const warn = (text: string) => process.stderr.write(`merkle: ${text}\n`);

function bucketBits(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new InputError(`--bucket-bits must be a whole number, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** refuseFileOnlyOptions: the file build's options are refused by name for a directory, and the other way round. */
export function refuseMisplacedOptions(values: Values, isDirectory: boolean): void {
  const misplaced = (isDirectory ? kFileOnlyOptions : kDirectoryOnlyOptions).find((k) => values[k] !== undefined);
  if (misplaced) throw new UsageError(`--${misplaced} applies to ${isDirectory ? 'files and stdin, not directories' : 'directory inputs only'}`);
}

/** buildDirectoryCommand runs `merkle build DIR`. */
export async function buildDirectoryCommand(values: Values, dir: string, threads: number | undefined): Promise<number> {
  refuseMisplacedOptions(values, true);
  if (values.verify && values.update === undefined) throw new UsageError('--verify needs --update DIR.tree');
  const { buildDirectoryTree } = await import('../dir/build.js');
  const showProgress = values['no-progress'] ? false : Boolean(values.progress) || stderrIsTerminal();
  const bar = showProgress ? createProgressBar(process.stderr) : undefined;
  const blockSize = str(values, 'block-size');
  const options: DirBuildOptions = {
    profile: str(values, 'profile') as DirBuildOptions['profile'],
    hash: str(values, 'hash') as DirBuildOptions['hash'],
    backend: str(values, 'backend') as DirBuildOptions['backend'],
    blockSize: blockSize === undefined ? undefined : parseByteSize(blockSize, '--block-size'),
    modes: values.modes ? true : undefined,
    mtimes: values.mtimes ? true : undefined,
    bucketBits: bucketBits(str(values, 'bucket-bits')),
    exclude: (values.exclude as string[] | undefined) ?? [],
    out: str(values, 'out'),
    update: str(values, 'update'),
    verify: Boolean(values.verify),
    threads,
    onProgress: bar ? (p) => bar.update(p, `${p.filesDone} / ${p.filesTotal} files`) : undefined,
  };
  let result;
  try {
    result = await buildDirectoryTree(dir, options);
  } finally {
    bar?.done();
  }
  if (values.json) {
    const { root: _root, rootHex: _rootHex, params: _params, ...figures } = result;
    writeOut(`${JSON.stringify({
      ...figures,
      root: result.rootHex,
      ...result.params,
      filesPerSecond: result.seconds > 0 ? Math.round(result.hashedFiles / result.seconds) : null,
      bytesPerSecond: result.seconds > 0 ? Math.round(result.hashedBytes / result.seconds) : null,
    }, null, 2)}\n`);
  } else {
    for (const s of result.skipped) warn(`skipped ${JSON.stringify(s.path)}: ${s.why}`);
    for (const m of result.missed ?? []) warn(`${JSON.stringify(m)} changed without a change of size, mtime, ctime or inode`);
    writeOut(`${result.rootHex}\n`);
  }
  return (result.missed?.length ?? 0) > 0 ? EXIT_FAILED : EXIT_OK;
}

const rangeText = (r: IndexRange) => (r.end - r.begin === 1 ? `${r.begin}` : `${r.begin}..${r.end - 1}`);

function changeText(change: DirDiff['changed'][number]): string {
  const parts: string[] = [];
  for (const field of change.fields) {
    if (field === 'type') parts.push(`type ${change.a.type} → ${change.b.type}`);
    else if (field === 'size') parts.push(`size ${change.a.size} → ${change.b.size}`);
    else if (field !== 'content') parts.push(field);
  }
  const blocks = change.blocks;
  if (blocks) {
    const ranges = blocks.ranges.map(rangeText);
    if (blocks.added) ranges.push(`+${rangeText(blocks.added)}`);
    if (blocks.removed) ranges.push(`-${rangeText(blocks.removed)}`);
    parts.push(`blocks ${ranges.join(', ') || 'none'}${blocks.exact ? '' : ' (no levels kept: all counted)'}`);
  }
  return parts.join('; ');
}

/** diffDirectoryCommand runs `merkle diff A.tree B.tree` for directory trees. */
export async function diffDirectoryCommand(values: Values, pathA: string, pathB: string): Promise<number> {
  const { openDirectoryTree } = await import('../dir/tree-dir.js');
  const { diffDirectoryTrees } = await import('../dir/diff.js');
  const a = await openDirectoryTree(pathA);
  try {
    const b = await openDirectoryTree(pathB);
    try {
      const result = await diffDirectoryTrees(a, b);
      if (values.json) {
        writeOut(`${JSON.stringify(result, null, 2)}\n`);
      } else {
        if (result.equal) writeOut('equal\n');
        for (const e of result.added) writeOut(`added    ${JSON.stringify(e.path)} (${e.type}, ${e.size} bytes)\n`);
        for (const e of result.removed) writeOut(`removed  ${JSON.stringify(e.path)} (${e.type}, ${e.size} bytes)\n`);
        for (const c of result.changed) writeOut(`changed  ${JSON.stringify(c.path)}: ${changeText(c)}\n`);
      }
      return result.equal ? EXIT_OK : EXIT_FAILED;
    } finally {
      b.close();
    }
  } finally {
    a.close();
  }
}

/** serveDirectoryCommand runs `merkle serve DIR.tree --data DIR`. */
export async function serveDirectoryCommand(treePath: string, data: string, host: string | undefined, port: number, access: ServerAccess, json: boolean): Promise<number> {
  const { startDirectorySyncServer } = await import('../dir/sync-server.js');
  const { readIndex } = await import('../dir/index-file.js');
  const index = await readIndex(path.join(treePath, 'index'));
  const server = await startDirectorySyncServer({ tree: treePath, data, ...(host ? { host } : {}), port, ...access });
  const root = Buffer.from(index.root).toString('hex');
  writeOut(`${json ? JSON.stringify({ url: server.url, root, entries: index.entries.length }) : `serving ${treePath} (root ${root}, ${index.entries.length} entries) at ${server.url}`}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return EXIT_OK;
}

/** syncDirectoryCommand runs `merkle sync URL DIR`. */
export async function syncDirectoryCommand(values: Values, url: string, dir: string, access: PeerAccess): Promise<number> {
  const { syncDirectoryFrom } = await import('../dir/sync-client.js');
  let report;
  try {
    report = await syncDirectoryFrom(url, dir, { ...access, ...(values.root ? { expectedRoot: values.root as string } : {}), ...(values.tree ? { tree: values.tree as string } : {}), delete: Boolean(values.delete) });
  } catch (error) {
    if (!(error instanceof SyncError)) throw error;
    warn(`sync stopped: ${error.message} (${error.code}); every file is as it was or as the peer has it, none half-written`);
    return EXIT_FAILED;
  }
  if (values.json) writeOut(`${JSON.stringify(report, null, 2)}\n`);
  else writeOut(`synced ${dir} to root ${report.root}: ${report.filesWritten} files written (${report.blocksFetched} blocks fetched, ${report.blocksReused} reused), ${report.symlinksWritten} links, ${report.directoriesMade} directories, ${report.removed} removed; ${report.wireBytes} bytes in ${report.roundTrips} round trips\n`);
  return EXIT_OK;
}

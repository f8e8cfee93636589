/**
 * The comparing commands of `merkle`: diff, conflicts, serve and sync. Each parses, calls the
 * library, prints; the logic lives in src/api/diff.ts, src/api/conflicts.ts and src/sync/.
 */
import { statSync } from 'node:fs';
import type { DiffResult } from '../api/diff.js';
import { InputError, SyncError } from '../errors.js';
import type { OpenTree } from '../api/open-tree.js';
// The diff, conflict and sync modules load when their command runs, not with every command.
import type { IndexRange } from '../tree/diff.js';
import { kServeAccessHelp, kServeAccessOptions, kSyncAccessHelp, kSyncAccessOptions, peerAccessOf, serverAccessOf } from './access-options.js';
import type { Command } from './commands.js';
import { diffDirectoryCommand, serveDirectoryCommand, syncDirectoryCommand } from './commands-dir.js';
import { EXIT_FAILED, EXIT_OK } from './exit.js';
import { writeOut } from './output.js';

type Values = Record<string, string | boolean | undefined>;

function printJson(value: unknown): void {
  writeOut(`${JSON.stringify(value, null, 2)}\n`);
}

const rangeText = (r: IndexRange) => (r.end - r.begin === 1 ? `${r.begin}` : `${r.begin}..${r.end - 1}`);

async function withTrees<T>(paths: readonly string[], use: (trees: OpenTree[]) => Promise<T>): Promise<T> {
  const trees: OpenTree[] = [];
  try {
    const { openTree } = await import('../api/open-tree.js');
    for (const path of paths) trees.push(await openTree(path));
    return await use(trees);
  } finally {
    for (const tree of trees) await tree.close();
  }
}

function wholeNumber(values: Values, key: string, min: number, max: number): number | undefined {
  const text = values[key] as string | undefined;
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw new InputError(`--${key} must be a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  return value;
}

const diff: Command = {
  name: 'diff',
  summary: 'list where two tree files differ (leaf ranges), or two directory trees (paths and blocks)',
  positionals: [2, 2],
  options: { json: { type: 'boolean' } },
  help: `Usage: merkle diff A.mtree B.mtree [--json]
       merkle diff A.tree B.tree [--json]      (directory trees, from 'merkle build DIR -o')

Compares two trees of the same profile, hash and block size top-down, reading only the
subtrees whose hashes differ, and prints the differing leaf ranges (inclusive, e.g. 12..15),
the leaves only B has (added) or only A has (removed), and the node hashes compared.
  --json    print { equal, sizeA, sizeB, ranges: [{ begin, end }], added, removed,
            nodesCompared } with end exclusive
For directory trees, walks both keyed trees into differing nodes only and prints the paths
added, removed and changed (type, size, symlink target, mode, mtime), and for a changed file
the differing blocks (from both files' trees).
Exit status: 0 the trees are equal, 1 they differ, 2 usage or input error (incompatible trees).
`,
  async run(values, [pathA, pathB]) {
    const { isDirectoryTree } = await import('../dir/tree-dir.js');
    if (isDirectoryTree(pathA!) || isDirectoryTree(pathB!)) return diffDirectoryCommand(values, pathA!, pathB!);
    const { diffTrees } = await import('../api/diff.js');
    const result: DiffResult = await withTrees([pathA!, pathB!], ([a, b]) => diffTrees(a!, b!));
    if (values.json) {
      printJson({ ...result, added: result.added ?? null, removed: result.removed ?? null });
    } else {
      if (result.equal) writeOut('equal\n');
      for (const range of result.ranges) writeOut(`differ  ${rangeText(range)}\n`);
      if (result.added) writeOut(`added   ${rangeText(result.added)}\n`);
      if (result.removed) writeOut(`removed ${rangeText(result.removed)}\n`);
      writeOut(`nodes compared: ${result.nodesCompared}\n`);
    }
    return result.equal ? EXIT_OK : EXIT_FAILED;
  },
};

const conflicts: Command = {
  name: 'conflicts',
  summary: 'find the majority root among replicas and where the others diverge',
  positionals: [2, Number.POSITIVE_INFINITY],
  options: { json: { type: 'boolean' } },
  help: `Usage: merkle conflicts A.mtree B.mtree [C.mtree ...] [--json]

Groups the replicas by root, takes the largest group as the majority (the first in argument
order on a tie), and for every other replica prints the leaf ranges where it differs from the
majority, plus leaves it added or lacks.
  --json    print { agree, majorityRoot, majoritySize, majority, tie, divergent: [{ index, name,
            root, size, ranges, added, removed, nodesCompared }] }
Exit status: 0 all replicas agree, 1 some diverge, 2 usage or input error.
`,
  async run(values, paths) {
    const { detectConflicts } = await import('../api/conflicts.js');
    const report = await withTrees(paths, (trees) => detectConflicts(trees, paths));
    if (values.json) {
      printJson(report);
    } else {
      writeOut(`majority ${report.majorityRoot} (${report.majority.length} of ${paths.length}${report.tie ? ', tie' : ''})\n`);
      for (const replica of report.divergent) {
        const parts = replica.ranges.map(rangeText);
        if (replica.added) parts.push(`added ${rangeText(replica.added)}`);
        if (replica.removed) parts.push(`lacks ${rangeText(replica.removed)}`);
        writeOut(`diverges ${replica.name}: ${parts.join(', ')}\n`);
      }
    }
    return report.agree ? EXIT_OK : EXIT_FAILED;
  },
};

const serve: Command = {
  name: 'serve',
  summary: 'serve a tree file and its data (or a directory tree and its directory) to `merkle sync` peers',
  positionals: [1, 1],
  options: { data: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, json: { type: 'boolean' }, ...kServeAccessOptions },
  help: `Usage: merkle serve TREE.mtree --data FILE [--host 127.0.0.1] [--port N] [--json]
                   [--tls-cert FILE --tls-key FILE] [--token-file FILE] [--insecure]

Serves TREE (block leaves, built from FILE) and FILE, read-only, to 'merkle sync' (protocol in
docs/sync.md); or a directory tree (DIR.tree from 'merkle build DIR -o') and the directory. Refuses to start, and answers 503 later, when FILE no longer matches the tree.
  --data FILE   the data file TREE was built from (required)
  --host H      interface to bind (default 127.0.0.1, loopback only; any other needs a token)
  --port N      port (default 0: any free port; the URL is printed)
  --json        print { url, root, leaves } as one JSON line when listening
${kServeAccessHelp}Runs until interrupted (SIGINT or SIGTERM).
`,
  async run(values, [treePath]) {
    const data = values.data as string | undefined;
    if (!data) throw new InputError('serve: --data FILE is required (the data file the tree was built from)');
    const port = wholeNumber(values, 'port', 0, 65535) ?? 0;
    const { isDirectoryTree } = await import('../dir/tree-dir.js');
    if (isDirectoryTree(treePath!)) return serveDirectoryCommand(treePath!, data, values.host as string | undefined, port, serverAccessOf(values), Boolean(values.json));
    const { startSyncServer } = await import('../sync/server.js');
    const server = await startSyncServer({ tree: treePath!, data, host: values.host as string | undefined, port, access: serverAccessOf(values) });
    const { openTree } = await import('../api/open-tree.js');
    const tree = await openTree(treePath!);
    const line = values.json ? JSON.stringify({ url: server.url, root: tree.rootHex, leaves: tree.size }) : `serving ${treePath} (root ${tree.rootHex}) at ${server.url}`;
    await tree.close();
    writeOut(`${line}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
    return EXIT_OK;
  },
};

const sync: Command = {
  name: 'sync',
  summary: 'make a local file (or directory) equal to a served one, fetching only differing blocks',
  positionals: [2, 2],
  options: { tree: { type: 'string' }, root: { type: 'string' }, 'levels-per-trip': { type: 'string' }, timeout: { type: 'string' }, json: { type: 'boolean' }, delete: { type: 'boolean' }, ...kSyncAccessOptions },
  help: `Usage: merkle sync URL LOCALFILE [--root HEX] [--tree LOCAL.mtree] [--json]
                  [--ca FILE] [--token-file FILE]
       merkle sync URL DIR [--root HEX] [--tree DIR.tree] [--delete] [--json]   (a directory tree)

Compares LOCALFILE's tree with the tree served at URL ('merkle serve'), walking down only where
they differ, fetches the differing blocks, checks every node and block against the peer's root,
and replaces LOCALFILE atomically (a patched copy renamed into place). On any failure LOCALFILE
is left exactly as it was.
  --root HEX             the root you trust (as 'merkle build' prints it, from a source you
                         trust): a peer serving any other root is refused before anything is
                         written
  --tree FILE            LOCALFILE's tree: used when current, else built; rebuilt after the sync
  --levels-per-trip N    tree levels fetched per round trip (default 4, up to 8)
  --timeout MS           abandon a request after MS milliseconds of silence (default 15000)
  --json                 print the report: roundTrips, bytesTransferred, blocksPatched, ratio, ...
${kSyncAccessHelp}Exit status: 0 synced (or already equal), 1 the peer lied, stalled or changed mid-sync,
2 usage or input error.

When DIR is a directory (or --delete is given), URL must serve a directory tree ('merkle serve
DIR.tree --data DIR'): DIR is made equal to it, each changed file rebuilt from the blocks it
already has and the differing blocks, every block checked against the peer's root, each file
renamed into place whole. No path is written through a symlink or outside DIR. --delete also
removes what the peer does not have. --tree keeps a saved tree of DIR (made if missing) so that
files whose stat is unchanged are compared unread. docs/directory.md, "Sync".
`,
  async run(values, [url, localPath]) {
    if (statSync(localPath!, { throwIfNoEntry: false })?.isDirectory() || values.delete) return syncDirectoryCommand(values, url!, localPath!, peerAccessOf(values));
    const { syncFile } = await import('../sync/client.js');
    let report;
    try {
      report = await syncFile(url!, localPath!, {
        tree: values.tree as string | undefined,
        expectedRoot: values.root as string | undefined,
        ...peerAccessOf(values),
        levelsPerTrip: wholeNumber(values, 'levels-per-trip', 1, 8),
        idleTimeoutMs: wholeNumber(values, 'timeout', 1, 3_600_000),
      });
    } catch (error) {
      if (!(error instanceof SyncError)) throw error;
      process.stderr.write(`merkle: sync aborted, ${localPath} unchanged: ${error.message} (${error.code})\n`);
      return EXIT_FAILED;
    }
    if (values.json) {
      printJson(report);
    } else {
      writeOut(
        report.changed
          ? `synced ${localPath}: ${report.blocksPatched} blocks patched, ${report.bytesTransferred} bytes in ${report.roundTrips} round trips (${(report.ratio * 100).toFixed(3)}% of a full copy)\n`
          : `${localPath} already equal (root ${report.root})\n`,
      );
    }
    return EXIT_OK;
  },
};

export const kSyncCommands: Record<string, Command> = { diff, conflicts, serve, sync };

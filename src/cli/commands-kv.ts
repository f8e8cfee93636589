/**
 * `merkle kv …`: keyed trees (docs/keyed.md). Each subcommand parses, calls src/keyed/, prints.
 */
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { toHex } from '../encoding.js';
import { InputError, UsageError } from '../errors.js';
import type { BackendChoice } from '../hash/types.js';
import type { KeyedTree } from '../keyed/tree.js';
import { kServeAccessHelp, kServeAccessOptions, kSyncAccessHelp, kSyncAccessOptions, peerAccessOf, serverAccessOf } from './access-options.js';
import type { Command } from './commands.js';
import { EXIT_FAILED, EXIT_OK } from './exit.js';
import { writeOut } from './output.js';

type Values = Record<string, string | boolean | undefined>;

const printJson = (value: unknown) => writeOut(`${JSON.stringify(value, null, 2)}\n`);

/** A key as people read it: JSON-quoted text when it is printable UTF-8, else 0x-hex. */
function keyText(key: Uint8Array): string {
  const text = Buffer.from(key).toString('utf8');
  return Buffer.from(text, 'utf8').equals(Buffer.from(key)) && !/[\u0000-\u001f\u007f]/.test(text) ? JSON.stringify(text) : `0x${toHex(key)}`;
}

/** A key for JSON output: hex always, and the text when it is valid UTF-8. */
function keyJson(key: Uint8Array): { key: string; keyText?: string } {
  const text = Buffer.from(key).toString('utf8');
  return Buffer.from(text, 'utf8').equals(Buffer.from(key)) ? { key: toHex(key), keyText: text } : { key: toHex(key) };
}

/** parseKey reads a KEY argument: UTF-8 text, or bytes with --key-hex. */
function parseKey(text: string, hex: boolean): Uint8Array {
  if (!hex) return new TextEncoder().encode(text);
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) throw new InputError(`KEY must be hex with --key-hex, got ${JSON.stringify(text)}`);
  return Buffer.from(text, 'hex');
}

function bucketBitsOption(values: Values): number | undefined {
  const text = values['bucket-bits'] as string | undefined;
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) > 24) throw new InputError(`--bucket-bits must be a whole number from 0 to 24, got ${JSON.stringify(text)}`);
  return Number(text);
}

async function withKeyedTrees<T>(paths: readonly string[], values: Values, use: (trees: KeyedTree[]) => Promise<T> | T): Promise<T> {
  const { openKeyedTree } = await import('../keyed/open.js');
  const trees: KeyedTree[] = [];
  try {
    for (const path of paths) trees.push(await openKeyedTree(path, { mustExist: true, backend: values.backend as BackendChoice | undefined }));
    return await use(trees);
  } finally {
    for (const tree of trees) tree.close();
  }
}

const kFormats = ['jsonl', 'csv', 'sqlite'] as const;
type Format = (typeof kFormats)[number];
const kFormatOfExtension: Record<string, Format> = { '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.csv': 'csv', '.db': 'sqlite', '.sqlite': 'sqlite', '.sqlite3': 'sqlite' };

function formatOf(values: Values, source: string): Format {
  const given = values.format as string | undefined;
  if (given !== undefined) {
    if (!(kFormats as readonly string[]).includes(given)) throw new InputError(`--format must be one of ${kFormats.join(', ')}, got ${JSON.stringify(given)}`);
    return given as Format;
  }
  const guessed = kFormatOfExtension[extname(source).toLowerCase()];
  if (!guessed) throw new InputError(`${source}: cannot tell the format from the extension; give --format ${kFormats.join('|')}`);
  return guessed;
}

const build: Command = {
  name: 'build',
  summary: 'build a keyed tree from a JSON Lines, CSV or SQLite source',
  positionals: [1, 1],
  options: {
    out: { type: 'string', short: 'o' },
    format: { type: 'string' },
    table: { type: 'string' },
    'key-column': { type: 'string' },
    'bucket-bits': { type: 'string' },
    hash: { type: 'string' },
    salt: { type: 'string' },
    backend: { type: 'string' },
    replace: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  help: `Usage: merkle kv build SOURCE -o TREE [--format jsonl|csv|sqlite] [--table T --key-column C]
                      [--bucket-bits N] [--hash sha256|blake3|sha3-256] [--salt TEXT] [--replace] [--json]

Builds the keyed tree of SOURCE into TREE (an LMDB directory) and prints its root.
  SOURCE        JSON Lines ({"key": "…", "value": "…"} per line), CSV with a header naming
                "key" and "value" columns, or a SQLite database (--table, --key-column; a row's
                value is its canonical encoding, docs/keyed.md). The format is taken from the
                extension (.jsonl .ndjson .csv .db .sqlite .sqlite3) unless --format is given.
  --bucket-bits 2^N buckets (default 16); a key's bucket is a prefix of H(0x03 ‖ salt ‖ key)
  --salt        mixed into every key's token: the same for all replicas of one data set
  --replace     replace an existing TREE (built aside, then swapped in; without it, an existing
                TREE is refused)
  --json        print { root, rows, seconds, rowsPerSecond, tree }
`,
  async run(values, [source]) {
    const out = values.out as string | undefined;
    if (out === undefined) throw new UsageError('kv build: -o TREE is required');
    if (existsSync(out) && !values.replace) throw new InputError(`${out} exists; pass --replace to rebuild it`);
    const format = formatOf(values, source!);
    const rows = await (async () => {
      if (format === 'sqlite') {
        const table = values.table as string | undefined;
        const keyColumn = values['key-column'] as string | undefined;
        if (table === undefined || keyColumn === undefined) throw new UsageError('kv build: a SQLite source needs --table and --key-column');
        const { sqliteRows } = await import('../keyed/sources/sqlite-rows.js');
        return sqliteRows({ path: source!, table, keyColumn });
      }
      if (!existsSync(source!)) throw new InputError(`${source}: cannot open (no such file)`);
      const { csvRows, jsonLinesRows } = await import('../keyed/sources/text-rows.js');
      return format === 'csv' ? csvRows(source!) : jsonLinesRows(source!);
    })();
    const { openKeyedTree } = await import('../keyed/open.js');
    const { loadKeyedTree } = await import('../keyed/load.js');
    // Built aside and renamed into place, so a failed build leaves whatever was at TREE.
    const temp = join(dirname(out), `.${basename(out)}.tmp-${process.pid}`);
    rmSync(temp, { recursive: true, force: true });
    try {
      const tree = await openKeyedTree(temp, {
        hash: values.hash as string | undefined,
        bucketBits: bucketBitsOption(values),
        salt: values.salt as string | undefined,
        backend: values.backend as BackendChoice | undefined,
      });
      let report;
      let root;
      try {
        report = await loadKeyedTree(tree, rows);
        root = toHex(tree.root());
      } finally {
        tree.close();
      }
      if (existsSync(out)) {
        const old = join(dirname(out), `.${basename(out)}.old-${process.pid}`);
        renameSync(out, old);
        renameSync(temp, out);
        rmSync(old, { recursive: true, force: true });
      } else {
        renameSync(temp, out);
      }
      const rate = report.seconds > 0 ? Math.round(report.rows / report.seconds) : null;
      if (values.json) printJson({ root, rows: report.rows, seconds: report.seconds, rowsPerSecond: rate, tree: out });
      else writeOut(`${root}\n`);
      return EXIT_OK;
    } catch (error) {
      rmSync(temp, { recursive: true, force: true });
      throw error;
    }
  },
};

const info: Command = {
  name: 'info',
  summary: "print a keyed tree's parameters, size and root",
  positionals: [1, 1],
  options: { json: { type: 'boolean' }, backend: { type: 'string' } },
  help: `Usage: merkle kv info TREE [--json]

Prints the tree's hash, bucket bits, salt, number of entries and root.
`,
  async run(values, [path]) {
    return withKeyedTrees([path!], values, ([tree]) => {
      const report = { hash: tree!.params.hash, bucketBits: tree!.params.bucketBits, salt: toHex(tree!.params.salt), entries: tree!.size, root: toHex(tree!.root()) };
      if (values.json) printJson(report);
      else writeOut(`hash        ${report.hash}\nbuckets     2^${report.bucketBits}\nsalt        ${report.salt || '(none)'}\nentries     ${report.entries}\nroot        ${report.root}\n`);
      return EXIT_OK;
    });
  },
};

const verify: Command = {
  name: 'verify',
  summary: 'rebuild a keyed tree from its entries and compare the root',
  positionals: [1, 1],
  options: { json: { type: 'boolean' }, backend: { type: 'string' } },
  help: `Usage: merkle kv verify TREE [--json]

Rehashes every stored entry and compares the result with the tree's root.
Exit status: 0 they match, 1 they differ, 2 usage or input error.
`,
  async run(values, [path]) {
    return withKeyedTrees([path!], values, ([tree]) => {
      const result = tree!.verify();
      if (values.json) printJson(result);
      else writeOut(result.ok ? `ok ${result.root}\n` : `MISMATCH: stored root ${result.root}, rebuilt from entries ${result.rebuilt}\n`);
      return result.ok ? EXIT_OK : EXIT_FAILED;
    });
  },
};

const proof: Command = {
  name: 'proof',
  summary: "print the proof of a key's presence or absence",
  positionals: [2, 2],
  options: { 'key-hex': { type: 'boolean' }, backend: { type: 'string' } },
  help: `Usage: merkle kv proof TREE KEY [--key-hex]

Prints, as JSON, the proof that KEY (UTF-8 text, or hex bytes with --key-hex) is in the tree
with its value digest, or that it is absent. Check it with 'merkle kv verify-proof'.
`,
  async run(values, [path, key]) {
    return withKeyedTrees([path!], values, ([tree]) => {
      printJson(tree!.proveKey(parseKey(key!, values['key-hex'] === true)));
      return EXIT_OK;
    });
  },
};

const verifyProof: Command = {
  name: 'verify-proof',
  summary: 'check a key proof against a trusted root',
  positionals: [1, 1],
  options: { root: { type: 'string' }, key: { type: 'string' }, 'key-hex': { type: 'boolean' }, backend: { type: 'string' }, json: { type: 'boolean' } },
  help: `Usage: merkle kv verify-proof PROOF.json --root HEX [--key KEY [--key-hex]] [--json]

Checks the proof against the trusted root alone and prints "present DIGEST" or "absent".
--key requires the proof to be about that key.
Exit status: 0 the proof holds, 1 it does not, 2 usage or input error.
`,
  async run(values, [proofPath]) {
    const root = values.root as string | undefined;
    if (root === undefined) throw new UsageError('kv verify-proof: --root HEX is required (the root you trust)');
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(proofPath!, 'utf8'));
    } catch (error) {
      throw new InputError(`${proofPath}: not a JSON proof (${(error as Error).message})`);
    }
    const { verifyKeyProof } = await import('../keyed/proof.js');
    const key = values.key === undefined ? undefined : parseKey(values.key as string, values['key-hex'] === true);
    const result = await verifyKeyProof(parsed, root, { key, backend: values.backend as BackendChoice | undefined });
    if (values.json) printJson(result);
    else writeOut(result.present ? `present ${result.digest}\n` : 'absent\n');
    return EXIT_OK;
  },
};

const diff: Command = {
  name: 'diff',
  summary: 'list the keys two keyed trees disagree on',
  positionals: [2, 2],
  options: { json: { type: 'boolean' }, backend: { type: 'string' } },
  help: `Usage: merkle kv diff A B [--json]

Walks both trees from the root into differing nodes only and lists the keys only A has
(missing from B), only B has (extra), and those with different values.
Exit status: 0 equal, 1 they differ, 2 usage or input error (trees of different shapes).
`,
  async run(values, paths) {
    const { diffKeyed } = await import('../keyed/diff.js');
    return withKeyedTrees(paths, values, ([a, b]) => {
      const result = diffKeyed(a!, b!);
      if (values.json) {
        printJson({
          equal: result.equal,
          missing: result.missing.map((e) => ({ ...keyJson(e.key), digest: toHex(e.digest) })),
          extra: result.extra.map((e) => ({ ...keyJson(e.key), digest: toHex(e.digest) })),
          different: result.different.map((e) => ({ ...keyJson(e.key), a: toHex(e.a), b: toHex(e.b) })),
          buckets: result.buckets,
          nodesCompared: result.nodesCompared,
        });
      } else if (result.equal) {
        writeOut('equal\n');
      } else {
        const lines = [
          ...result.missing.map((e) => `- ${keyText(e.key)}`),
          ...result.extra.map((e) => `+ ${keyText(e.key)}`),
          ...result.different.map((e) => `~ ${keyText(e.key)}`),
        ];
        writeOut(`${lines.join('\n')}\n${result.missing.length} only in A, ${result.extra.length} only in B, ${result.different.length} different; ${result.nodesCompared} nodes compared\n`);
      }
      return result.equal ? EXIT_OK : EXIT_FAILED;
    });
  },
};

const conflicts: Command = {
  name: 'conflicts',
  summary: 'find the keys N replicas disagree on, and the majority value of each',
  positionals: [2, 64],
  options: { json: { type: 'boolean' }, backend: { type: 'string' } },
  help: `Usage: merkle kv conflicts A B [C …] [--json]

For each key on which the replicas do not all agree: what each holds (a digest or nothing),
the majority value, the replicas in the minority, and whether the vote is a tie.
Exit status: 0 all agree, 1 they disagree, 2 usage or input error.
`,
  async run(values, paths) {
    const { detectKeyedConflicts } = await import('../keyed/diff.js');
    return withKeyedTrees(paths, values, (trees) => {
      const report = detectKeyedConflicts(trees, paths);
      if (values.json) {
        printJson({ ...report, conflicts: report.conflicts.map((c) => ({ ...c, ...keyJson(c.key) })) });
      } else if (report.agree) {
        writeOut(`all ${paths.length} replicas agree\n`);
      } else {
        const lines = report.conflicts.map((c) => {
          const who = c.minority.map((i) => paths[i]).join(', ');
          return `${keyText(c.key)}: ${c.tie ? 'tie; ' : ''}minority ${who} (majority ${c.majority === null ? 'absent' : c.majority.slice(0, 16)})`;
        });
        writeOut(`${lines.join('\n')}\n${report.conflicts.length} keys in conflict\n`);
      }
      return report.agree ? EXIT_OK : EXIT_FAILED;
    });
  },
};

function sqliteOptions(values: Values, command: string): { path: string; table: string; keyColumn: string } {
  const path = values.sqlite as string | undefined;
  const table = values.table as string | undefined;
  const keyColumn = values['key-column'] as string | undefined;
  if (path === undefined || table === undefined || keyColumn === undefined) throw new UsageError(`kv ${command}: --sqlite DB, --table T and --key-column C are required`);
  return { path, table, keyColumn };
}

const kShapeOptions = { 'bucket-bits': { type: 'string' }, hash: { type: 'string' }, salt: { type: 'string' }, backend: { type: 'string' } } as const;

/** treeOfTable builds the in-memory keyed tree of a SQLite table: the table is the truth, the tree derived from it. */
async function treeOfTable(values: Values, source: { path: string; table: string; keyColumn: string }): Promise<KeyedTree> {
  const { openKeyedTree } = await import('../keyed/open.js');
  const { loadKeyedTree } = await import('../keyed/load.js');
  const { sqliteRows } = await import('../keyed/sources/sqlite-rows.js');
  const tree = await openKeyedTree(undefined, {
    hash: values.hash as string | undefined,
    bucketBits: bucketBitsOption(values),
    salt: values.salt as string | undefined,
    backend: values.backend as BackendChoice | undefined,
  });
  await loadKeyedTree(tree, sqliteRows(source));
  return tree;
}

const serve: Command = {
  name: 'serve',
  summary: 'serve a SQLite table as a keyed tree for replicas to repair from',
  positionals: [0, 0],
  options: { sqlite: { type: 'string' }, table: { type: 'string' }, 'key-column': { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, ...kShapeOptions, ...kServeAccessOptions },
  help: `Usage: merkle kv serve --sqlite DB --table T --key-column C [--host H] [--port P]
                      [--bucket-bits N] [--hash H] [--salt TEXT]
                      [--tls-cert FILE --tls-key FILE] [--token-file FILE] [--insecure]

Builds the keyed tree of the table (rows as their canonical encoding, docs/keyed.md) and serves
it and the rows, read-only, over HTTP (default 127.0.0.1, any free port) until interrupted.
Prints the URL. Replicas repair from it with 'merkle kv sync'. Restart it after writing to the
table: the tree is built at start.
${kServeAccessHelp}`,
  async run(values) {
    const source = sqliteOptions(values, 'serve');
    const access = serverAccessOf(values);
    const portText = values.port as string | undefined;
    if (portText !== undefined && !(/^\d+$/.test(portText) && Number(portText) <= 65535)) throw new InputError(`--port must be 0..65535, got ${JSON.stringify(portText)}`);
    const tree = await treeOfTable(values, source);
    const { SqliteReplica } = await import('../keyed/sources/sqlite-replica.js');
    const { startKeyedSyncServer } = await import('../keyed/sync/server.js');
    const rows = await SqliteReplica.open(source);
    const server = await startKeyedSyncServer({ tree, rows, host: values.host as string | undefined, port: portText === undefined ? 0 : Number(portText), access });
    writeOut(`${server.url}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
    rows.close();
    return EXIT_OK;
  },
};

const sync: Command = {
  name: 'sync',
  summary: "repair a SQLite table from a peer's keyed tree, moving only the differing rows",
  positionals: [1, 1],
  options: { sqlite: { type: 'string' }, table: { type: 'string' }, 'key-column': { type: 'string' }, root: { type: 'string' }, method: { type: 'string' }, 'fingerprint-bytes': { type: 'string' }, 'levels-per-trip': { type: 'string' }, json: { type: 'boolean' }, ...kShapeOptions, ...kSyncAccessOptions },
  help: `Usage: merkle kv sync URL --sqlite DB --table T --key-column C [--root HEX] [--json]
                      [--method fingerprints|walk] [--fingerprint-bytes F] [--levels-per-trip K]
                      [--bucket-bits N] [--hash H] [--salt TEXT] [--ca FILE] [--token-file FILE]

Builds the keyed tree of the local table and repairs it from the peer's (at URL, from
'merkle kv serve'), moving exactly the differing rows, and applies the upserts and deletes in
one transaction. --root refuses a peer whose root is not the one you trust.
  --method fingerprints   (default) three round trips: truncated node and entry hashes find
                          the differing entries, then their rows; the result must give the
                          peer's root before anything is written, else the walk runs
  --method walk           full node hashes, each checked against its parent, K levels per
                          round trip (--levels-per-trip, default 4), then bucket lists, then rows
  --fingerprint-bytes F   bytes per fingerprint, 2 to 32 (default 3)
  --json   print { root, method, fallback?, roundTrips, payloadBytes, wireBytes,
           differingBuckets, nodesFetched, rowsPut, rowsDeleted, rowBytes }
${kSyncAccessHelp}`,
  async run(values, [url]) {
    const source = sqliteOptions(values, 'sync');
    const tripsText = values['levels-per-trip'] as string | undefined;
    if (tripsText !== undefined && !(/^\d+$/.test(tripsText) && Number(tripsText) >= 1 && Number(tripsText) <= 12)) {
      throw new InputError(`--levels-per-trip must be a whole number from 1 to 12, got ${JSON.stringify(tripsText)}`);
    }
    const method = values.method as string | undefined;
    if (method !== undefined && method !== 'fingerprints' && method !== 'walk') throw new InputError(`--method must be fingerprints or walk, got ${JSON.stringify(method)}`);
    const fingerprintText = values['fingerprint-bytes'] as string | undefined;
    if (fingerprintText !== undefined && !(/^\d+$/.test(fingerprintText) && Number(fingerprintText) >= 2 && Number(fingerprintText) <= 32)) {
      throw new InputError(`--fingerprint-bytes must be a whole number from 2 to 32, got ${JSON.stringify(fingerprintText)}`);
    }
    const tree = await treeOfTable(values, source);
    const { SqliteReplica } = await import('../keyed/sources/sqlite-replica.js');
    const { syncKeyed } = await import('../keyed/sync/client.js');
    const target = await SqliteReplica.open(source, true);
    try {
      const report = await syncKeyed(url!, tree, target, {
        expectedRoot: values.root as string | undefined,
        ...peerAccessOf(values),
        method,
        fingerprintBytes: fingerprintText === undefined ? undefined : Number(fingerprintText),
        levelsPerTrip: tripsText === undefined ? undefined : Number(tripsText),
      });
      if (values.json) printJson(report);
      else writeOut(`${report.root}\n${report.rowsPut} rows written, ${report.rowsDeleted} deleted; ${report.roundTrips} round trips (${report.method}${report.fallback === undefined ? '' : `: ${report.fallback}`}), ${report.wireBytes} bytes on the wire (rows alone: ${report.rowBytes})\n`);
      return EXIT_OK;
    } finally {
      target.close();
    }
  },
};

const kSubcommands: Record<string, Command> = { build, info, proof, 'verify-proof': verifyProof, verify, diff, conflicts, serve, sync };

const kv: Command = {
  name: 'kv',
  summary: 'keyed trees of key → value data: build, info, proof, verify, diff, conflicts',
  positionals: [0, 0],
  options: {},
  subcommands: kSubcommands,
  help: `Usage: merkle kv <command> [options]

Keyed trees (docs/keyed.md): Merkle trees of key → value-digest sets whose shape is fixed by
the keys' hashes, for comparing and repairing replicas of keyed data.

Commands:
${Object.values(kSubcommands)
  .map((c) => `  ${c.name.padEnd(13)} ${c.summary}`)
  .join('\n')}

Run 'merkle kv <command> --help' for a command's options.
`,
  async run() {
    writeOut(kv.help);
    return EXIT_OK;
  },
};

export const kKeyedCommands: Record<string, Command> = { kv };

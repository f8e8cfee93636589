/**
 * `merkle kv …` by spawning bin/merkle.cjs: build from JSON Lines, CSV and SQLite into LMDB
 * trees, info, verify, key proofs, diffs and conflicts, and the exit codes and one-line errors.
 * The oracle for roots, proofs and diffs is the library over an in-memory tree of the same rows.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffKeyed } from '../../src/keyed/diff.js';
import { loadKeyedTree } from '../../src/keyed/load.js';
import { openKeyedTree, type KeyedTreeOptions } from '../../src/keyed/open.js';
import { sqliteRows } from '../../src/keyed/sources/sqlite-rows.js';
import { jsonLinesRows } from '../../src/keyed/sources/text-rows.js';
import type { KeyedTree } from '../../src/keyed/tree.js';
import { merkle, tempDir, type CliResult } from '../helpers/cli.js';

// better-sqlite3 ships no type declarations: the little of it used here, typed here.
interface SqliteDatabase {
  exec(sql: string): void;
  prepare(sql: string): { run(...params: unknown[]): unknown };
  close(): void;
}
const Database = createRequire(import.meta.url)('better-sqlite3') as new (file: string) => SqliteDatabase;

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const hexOf = (text: string) => Buffer.from(text, 'utf8').toString('hex');

const { dir, cleanup } = tempDir();
afterAll(cleanup);
const at = (name: string) => path.join(dir, name);
const file = (name: string, content: string): string => {
  writeFileSync(at(name), content);
  return at(name);
};

/** ok asserts a clean exit 0 and returns stdout. */
function ok(result: CliResult): string {
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout;
}

/** fails asserts exit `code` with one error line on stderr and nothing on stdout; returns the message. */
function fails(result: CliResult, code: number): string {
  expect(result.stdout).toBe('');
  expect(result.code).toBe(code);
  expect(result.stderr).toMatch(/^merkle: [^\n]+\n$/);
  return result.stderr.slice('merkle: '.length, -1);
}

/** The dot-entries (temporary build or swap directories) left in the test directory. */
const leftovers = () => readdirSync(dir).filter((name) => name.startsWith('.'));

// The rows: 300 keys, some values with commas and quotes, and k005 written twice (the later wins).
type Pairs = Array<readonly [string, string]>;
const kRows: Pairs = Array.from({ length: 300 }, (_, i) => [`k${String(i).padStart(3, '0')}`, i % 10 === 0 ? `v${i}, "quoted"` : `v${i}`] as const);
kRows.push(['k005', 'v5 later']);
const jsonl = (pairs: Pairs) => pairs.map(([key, value]) => JSON.stringify({ key, value })).join('\n') + '\n';
const csv = (pairs: Pairs) => `note,value,key\r\n${pairs.map(([key, value], i) => `n${i},"${value.replaceAll('"', '""')}",${key}`).join('\r\n')}\r\n`;
// D: k001 gone, k002 changed, zz-new added. F: k002 changed otherwise, k003 gone.
const kRowsD: Pairs = [...kRows.filter(([key]) => key !== 'k001').map(([key, value]) => [key, key === 'k002' ? 'changed' : value] as const), ['zz-new', 'new']];
const kRowsF: Pairs = kRows.filter(([key]) => key !== 'k003').map(([key, value]) => [key, key === 'k002' ? 'third' : value] as const);

/** The in-memory tree of `pairs` (bucket bits 8 unless told), loaded the way the CLI loads. */
async function memoryTree(pairs: Pairs, options: KeyedTreeOptions = {}): Promise<KeyedTree> {
  const tree = await openKeyedTree(undefined, { bucketBits: 8, ...options });
  tree.batch(pairs.map(([key, value]) => ({ type: 'put', key, value })));
  return tree;
}

let jsonlA: string;
let csvA: string;
let dbPath: string;
let memA: KeyedTree;
let memD: KeyedTree;
let memF: KeyedTree;
let rootA: string;
const treeA = at('A');
const treeB = at('B');
const treeD = at('D');
const treeF = at('F');
let buildA: CliResult;

beforeAll(async () => {
  jsonlA = file('a.jsonl', jsonl(kRows));
  csvA = file('a.csv', csv(kRows));
  file('d.jsonl', jsonl(kRowsD));
  file('f.jsonl', jsonl(kRowsF));
  dbPath = at('rows.db');
  const db = new Database(dbPath);
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL, big INTEGER)');
  const insert = db.prepare('INSERT INTO t VALUES (?, ?, ?, ?)');
  for (let i = 1; i <= 200; i++) insert.run(BigInt(i), i % 17 === 0 ? null : `name ${i}`, i / 4, 2n ** 60n + BigInt(i));
  db.close();

  memA = await memoryTree(kRows);
  memD = await memoryTree(kRowsD);
  memF = await memoryTree(kRowsF);
  rootA = hex(memA.root());
  buildA = merkle(['kv', 'build', jsonlA, '-o', treeA, '--bucket-bits', '8', '--json']);
  ok(merkle(['kv', 'build', csvA, '-o', treeB, '--bucket-bits', '8']));
  ok(merkle(['kv', 'build', at('d.jsonl'), '-o', treeD, '--bucket-bits', '8']));
  ok(merkle(['kv', 'build', at('f.jsonl'), '-o', treeF, '--bucket-bits', '8']));
});

describe('merkle kv build', () => {
  it('builds from JSON Lines and prints the --json summary; the root is the in-memory tree of the rows', () => {
    const summary = JSON.parse(ok(buildA)) as Record<string, unknown>;
    expect(Object.keys(summary).sort()).toEqual(['root', 'rows', 'rowsPerSecond', 'seconds', 'tree']);
    expect(summary.root).toBe(rootA);
    expect(summary.rows).toBe(301);
    expect(summary.tree).toBe(treeA);
    expect(typeof summary.seconds).toBe('number');
    expect(summary.seconds as number).toBeGreaterThanOrEqual(0);
    expect(summary.rowsPerSecond === null || (Number.isInteger(summary.rowsPerSecond) && (summary.rowsPerSecond as number) > 0)).toBe(true);
    expect(leftovers()).toEqual([]);
  });

  it('builds the same root from CSV of the same key and value text', () => {
    const info = JSON.parse(ok(merkle(['kv', 'info', treeB, '--json'])));
    expect(info).toEqual({ hash: 'sha256', bucketBits: 8, salt: '', entries: 300, root: rootA });
  });

  it('builds from a SQLite table: the root of loadKeyedTree over sqliteRows', async () => {
    const tree = await openKeyedTree(undefined, { bucketBits: 8 });
    await loadKeyedTree(tree, sqliteRows({ path: dbPath, table: 't', keyColumn: 'id' }));
    const want = hex(tree.root());
    expect(want).not.toBe(hex((await openKeyedTree(undefined, { bucketBits: 8 })).root()));
    const out = at('S');
    const summary = JSON.parse(ok(merkle(['kv', 'build', dbPath, '-o', out, '--table', 't', '--key-column', 'id', '--bucket-bits', '8', '--json'])));
    expect(summary.root).toBe(want);
    expect(summary.rows).toBe(200);
  });

  it('takes --hash and --salt, shown by kv info', async () => {
    const out = at('H');
    const root = ok(merkle(['kv', 'build', jsonlA, '-o', out, '--bucket-bits', '6', '--hash', 'blake3', '--salt', 's1', '--format', 'jsonl']));
    const want = hex((await memoryTree(kRows, { bucketBits: 6, hash: 'blake3', salt: 's1' })).root());
    expect(root).toBe(`${want}\n`);
    expect(JSON.parse(ok(merkle(['kv', 'info', out, '--json'])))).toEqual({ hash: 'blake3', bucketBits: 6, salt: '7331', entries: 300, root: want });
  });

  it('refuses an existing -o without --replace, leaving the tree as it was', () => {
    const message = fails(merkle(['kv', 'build', at('d.jsonl'), '-o', treeA, '--bucket-bits', '8']), 2);
    expect(message).toBe(`${treeA} exists; pass --replace to rebuild it`);
    expect(JSON.parse(ok(merkle(['kv', 'info', treeA, '--json']))).root).toBe(rootA);
    expect(leftovers()).toEqual([]);
  });

  it('replaces an existing tree with --replace; a failed rebuild leaves it as it was and no temporary directory', () => {
    const out = at('R');
    expect(ok(merkle(['kv', 'build', jsonlA, '-o', out, '--bucket-bits', '8']))).toBe(`${rootA}\n`);
    const rootD = hex(memD.root());
    expect(ok(merkle(['kv', 'build', at('d.jsonl'), '-o', out, '--bucket-bits', '8', '--replace']))).toBe(`${rootD}\n`);
    expect(leftovers()).toEqual([]);

    const bad = file('bad.jsonl', `${jsonl(kRows.slice(0, 2))}{"key": "k2", "value": \n${jsonl(kRows.slice(3, 10))}`);
    expect(fails(merkle(['kv', 'build', bad, '-o', out, '--bucket-bits', '8', '--replace']), 2)).toMatch(new RegExp(`^${bad.replaceAll('.', '\\.')}:3: not JSON \\(`));
    expect(leftovers()).toEqual([]);
    const info = ok(merkle(['kv', 'info', out]));
    expect(info).toBe(`hash        sha256\nbuckets     2^8\nsalt        (none)\nentries     300\nroot        ${rootD}\n`);

    const fresh = at('never');
    expect(fails(merkle(['kv', 'build', bad, '-o', fresh]), 2)).toContain(`${bad}:3: not JSON`);
    expect(existsSync(fresh)).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it('refuses bad options with exit 2 and a message naming the option, creating nothing', () => {
    const out = at('not-built');
    const bucketBits = fails(merkle(['kv', 'build', jsonlA, '-o', out, '--bucket-bits', '25']), 2);
    expect(bucketBits).toMatch(/bucket-?bits/i);
    expect(bucketBits).toMatch(/\b24\b.*\b25\b/);
    expect(fails(merkle(['kv', 'build', jsonlA, '-o', out, '--format', 'xml']), 2)).toBe('--format must be one of jsonl, csv, sqlite, got "xml"');
    expect(fails(merkle(['kv', 'build', jsonlA]), 2)).toBe('kv build: -o TREE is required');
    expect(fails(merkle(['kv', 'build', dbPath, '-o', out, '--key-column', 'id']), 2)).toBe('kv build: a SQLite source needs --table and --key-column');
    expect(existsSync(out)).toBe(false);
    expect(leftovers()).toEqual([]);
  });
});

describe('merkle kv info and verify', () => {
  it('prints the parameters, size and root', () => {
    expect(ok(merkle(['kv', 'info', treeA]))).toBe(`hash        sha256\nbuckets     2^8\nsalt        (none)\nentries     300\nroot        ${rootA}\n`);
  });

  it('verifies a tree: exit 0 and "ok ROOT", or the --json result', () => {
    expect(ok(merkle(['kv', 'verify', treeA]))).toBe(`ok ${rootA}\n`);
    expect(JSON.parse(ok(merkle(['kv', 'verify', treeB, '--json'])))).toEqual({ ok: true, root: rootA, rebuilt: rootA });
  });

  it('refuses a missing path with exit 2 and creates nothing', () => {
    const missing = at('no-such-tree');
    expect(fails(merkle(['kv', 'info', missing]), 2)).toBe(`${missing}: no such keyed tree`);
    expect(existsSync(missing)).toBe(false);
  });

  it('refuses an existing directory that holds no keyed tree, and writes nothing into it', () => {
    const empty = at('empty-dir');
    mkdirSync(empty);
    expect(fails(merkle(['kv', 'info', empty]), 2)).toBe(`${empty}: not a keyed tree (no data.mdb in it)`);
    expect(readdirSync(empty)).toEqual([]);
  });
});

describe('merkle kv proof and verify-proof', () => {
  const proofFile = (name: string, proof: unknown) => file(name, JSON.stringify(proof));

  it('proves a present key: the library proof, checked against the root with and without --key', () => {
    const proof = JSON.parse(ok(merkle(['kv', 'proof', treeA, 'k007'])));
    expect(proof).toEqual(JSON.parse(JSON.stringify(memA.proveKey('k007'))));
    expect(proof.present).toBe(true);
    expect(proof.key).toBe(hexOf('k007'));
    expect(proof.root).toBe(rootA);
    const digest = hex(memA.get('k007')!);
    expect(proof.entries[0].digest).toBe(digest);
    const saved = proofFile('present.json', proof);
    expect(ok(merkle(['kv', 'verify-proof', saved, '--root', rootA]))).toBe(`present ${digest}\n`);
    expect(JSON.parse(ok(merkle(['kv', 'verify-proof', saved, '--root', rootA, '--key', 'k007', '--json'])))).toEqual({
      key: hexOf('k007'),
      present: true,
      digest,
      bucket: memA.bucketOf('k007'),
    });
  });

  it('takes the key as hex with --key-hex, for proof and verify-proof', () => {
    const proof = JSON.parse(ok(merkle(['kv', 'proof', treeA, hexOf('k007'), '--key-hex'])));
    expect(proof).toEqual(JSON.parse(JSON.stringify(memA.proveKey('k007'))));
    const saved = proofFile('present-hex.json', proof);
    expect(ok(merkle(['kv', 'verify-proof', saved, '--root', rootA, '--key', hexOf('k007'), '--key-hex']))).toBe(`present ${hex(memA.get('k007')!)}\n`);
  });

  it('proves an absent key', () => {
    const proof = JSON.parse(ok(merkle(['kv', 'proof', treeA, 'not a key'])));
    expect(proof).toEqual(JSON.parse(JSON.stringify(memA.proveKey('not a key'))));
    expect(proof.present).toBe(false);
    const saved = proofFile('absent.json', proof);
    expect(JSON.parse(ok(merkle(['kv', 'verify-proof', saved, '--root', rootA, '--key', 'not a key', '--json'])))).toEqual({
      key: hexOf('not a key'),
      present: false,
      bucket: memA.bucketOf('not a key'),
    });
  });

  it('fails (exit 1) a tampered proof, a proof of another key, a proof checked against another root', () => {
    const proof = JSON.parse(JSON.stringify(memA.proveKey('k007')));
    const digest: string = proof.entries[0].digest;
    const tampered = proofFile('tampered.json', { ...proof, entries: [{ ...proof.entries[0], digest: `${digest[0] === '0' ? '1' : '0'}${digest.slice(1)}` }] });
    expect(fails(merkle(['kv', 'verify-proof', tampered, '--root', rootA]), 1)).toMatch(/^root mismatch: /);
    const sibling: string = proof.bucketPath[3];
    const tamperedPath = proofFile('tampered-path.json', { ...proof, bucketPath: proof.bucketPath.map((h: string, i: number) => (i === 3 ? `${sibling.slice(0, -1)}${sibling.endsWith('f') ? 'e' : 'f'}` : h)) });
    expect(fails(merkle(['kv', 'verify-proof', tamperedPath, '--root', rootA]), 1)).toMatch(/^root mismatch: /);

    const honest = proofFile('honest.json', proof);
    expect(fails(merkle(['kv', 'verify-proof', honest, '--root', rootA, '--key', 'k008']), 1)).toBe(`key proof: the proof is about key ${hexOf('k007')}, not ${hexOf('k008')}`);
    expect(fails(merkle(['kv', 'verify-proof', honest, '--root', hex(memD.root())]), 1)).toMatch(/^root mismatch: /);
  });

  it('refuses (exit 2) a verify-proof without --root, or with a --root that is not a hash', () => {
    const honest = proofFile('honest2.json', memA.proveKey('k007'));
    expect(fails(merkle(['kv', 'verify-proof', honest]), 2)).toBe('kv verify-proof: --root HEX is required (the root you trust)');
    // A malformed trusted root is a usage error, not a proof that fails to verify.
    expect(fails(merkle(['kv', 'verify-proof', honest, '--root', 'abcd']), 2)).toMatch(/root/);
  });
});

describe('merkle kv diff', () => {
  it('exit 0 "equal" for trees of the same rows (built from JSON Lines and from CSV)', () => {
    expect(ok(merkle(['kv', 'diff', treeA, treeB]))).toBe('equal\n');
  });

  it('exit 1 listing the missing, extra and different keys, as --json and as text', () => {
    const want = diffKeyed(memA, memD);
    const result = merkle(['kv', 'diff', treeA, treeD, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      equal: false,
      missing: [{ key: hexOf('k001'), keyText: 'k001', digest: hex(memA.get('k001')!) }],
      extra: [{ key: hexOf('zz-new'), keyText: 'zz-new', digest: hex(memD.get('zz-new')!) }],
      different: [{ key: hexOf('k002'), keyText: 'k002', a: hex(memA.get('k002')!), b: hex(memD.get('k002')!) }],
      buckets: JSON.parse(JSON.stringify(want.buckets)),
      nodesCompared: want.nodesCompared,
    });
    const text = merkle(['kv', 'diff', treeA, treeD]);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(1);
    expect(text.stdout).toBe(`- "k001"\n+ "zz-new"\n~ "k002"\n1 only in A, 1 only in B, 1 different; ${want.nodesCompared} nodes compared\n`);
  });

  it('exit 2 for trees of different bucket bits', () => {
    const out = at('E');
    ok(merkle(['kv', 'build', jsonlA, '-o', out, '--bucket-bits', '4']));
    expect(fails(merkle(['kv', 'diff', treeA, out]), 2)).toMatch(/bucket bits.*not replicas|not replicas.*bucket bits/);
  });
});

describe('merkle kv conflicts', () => {
  it('exit 0 when all replicas agree', () => {
    expect(ok(merkle(['kv', 'conflicts', treeA, treeB]))).toBe('all 2 replicas agree\n');
  });

  it('exit 1 with the majority value and the minority replicas of each key in conflict', () => {
    const d = (tree: KeyedTree, key: string) => hex(tree.get(key)!);
    const result = merkle(['kv', 'conflicts', treeA, treeD, treeF, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.agree).toBe(false);
    expect(report.names).toEqual([treeA, treeD, treeF]);
    expect(report.roots).toEqual([rootA, hex(memD.root()), hex(memF.root())]);
    expect(report.divergence).toEqual([0, 3, 2]);
    const byKey = (c: { keyText: string }, e: { keyText: string }) => (c.keyText < e.keyText ? -1 : 1);
    expect([...report.conflicts].sort(byKey)).toEqual(
      [
        { keyText: 'k001', values: [d(memA, 'k001'), null, d(memA, 'k001')], majority: d(memA, 'k001'), tie: false, minority: [1] },
        { keyText: 'k002', values: [d(memA, 'k002'), d(memD, 'k002'), d(memF, 'k002')], majority: d(memA, 'k002'), tie: true, minority: [1, 2] },
        { keyText: 'k003', values: [d(memA, 'k003'), d(memA, 'k003'), null], majority: d(memA, 'k003'), tie: false, minority: [2] },
        { keyText: 'zz-new', values: [null, d(memD, 'zz-new'), null], majority: null, tie: false, minority: [1] },
      ].map((c) => ({ ...c, key: hexOf(c.keyText), bucket: memA.bucketOf(c.keyText) })),
    );
  });

  it('exit 1 with every key a tie between two replicas, the first replica taken as the majority', () => {
    const result = merkle(['kv', 'conflicts', treeA, treeD]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    const lines = result.stdout.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.pop()).toBe('3 keys in conflict');
    expect(lines.sort()).toEqual(
      [
        `"k001": tie; minority ${treeD} (majority ${hex(memA.get('k001')!).slice(0, 16)})`,
        `"k002": tie; minority ${treeD} (majority ${hex(memA.get('k002')!).slice(0, 16)})`,
        `"zz-new": tie; minority ${treeD} (majority absent)`,
      ].sort(),
    );
  });
});

describe('merkle kv usage', () => {
  const kSubcommands = ['build', 'info', 'proof', 'verify-proof', 'verify', 'diff', 'conflicts', 'serve', 'sync'];

  it('refuses an unknown kv command with exit 2, listing the kv commands', () => {
    expect(fails(merkle(['kv', 'nope']), 2)).toBe(`unknown command "kv nope"; kv commands: ${kSubcommands.join(', ')}`);
  });

  it('merkle --help lists kv', () => {
    expect(ok(merkle(['--help']))).toMatch(/^ {2}kv {11}keyed trees of key → value data/m);
  });

  it('merkle kv --help and merkle kv list the subcommands', () => {
    const help = ok(merkle(['kv', '--help']));
    for (const name of kSubcommands) expect(help).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    expect(ok(merkle(['kv']))).toBe(help);
  });
});

// The JSON Lines file really holds what the tests say it does (guards the fixtures above).
it('fixtures: a.jsonl has 301 rows over 300 keys, k005 last written "v5 later"', async () => {
  const rows = [];
  for await (const row of jsonLinesRows(jsonlA)) rows.push(row);
  expect(rows.length).toBe(301);
  expect(rows.at(-1)).toEqual({ key: 'k005', value: 'v5 later', line: 301 });
  expect(readFileSync(csvA, 'utf8').split('\r\n')[11]).toBe('n10,"v10, ""quoted""",k010');
  expect(memA.size).toBe(300);
  expect(hex(memA.get('k005')!)).toBe(hex((await memoryTree([['k005', 'v5 later']])).get('k005')!));
});

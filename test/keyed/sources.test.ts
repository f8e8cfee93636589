/**
 * Row sources of keyed trees: JSON Lines and CSV (src/keyed/sources/text-rows.ts) and SQLite
 * tables (src/keyed/sources/sqlite-rows.ts, against real databases made with better-sqlite3),
 * then loadKeyedTree over them against a tree built with plain batch puts.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { loadKeyedTree } from '../../src/keyed/load.js';
import { openKeyedTree } from '../../src/keyed/open.js';
import { encodeRow, sqliteRows, type SqliteRow } from '../../src/keyed/sources/sqlite-rows.js';
import { csvRows, jsonLinesRows, type TextRow } from '../../src/keyed/sources/text-rows.js';
import type { KeyedOp } from '../../src/keyed/tree.js';
import { tempDir } from '../helpers/cli.js';

// better-sqlite3 ships no type declarations (and @types/better-sqlite3 is not installed): the
// little of it these tests use, typed here.
interface SqliteStatement {
  run(...params: unknown[]): unknown;
}
interface SqliteDatabase {
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  transaction<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void;
  close(): void;
}
const Database = createRequire(import.meta.url)('better-sqlite3') as new (file: string, options?: { timeout?: number }) => SqliteDatabase;

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const utf8 = (s: string) => new TextEncoder().encode(s);

async function collect<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

/** collectUntilError returns the rows yielded before the source threw, and the error. */
async function collectUntilError<T>(rows: AsyncIterable<T>): Promise<{ rows: T[]; error: unknown }> {
  const out: T[] = [];
  try {
    for await (const row of rows) out.push(row);
  } catch (error) {
    return { rows: out, error };
  }
  throw new Error(`expected the source to throw, it yielded ${out.length} rows`);
}

let dir: string;
let cleanup: () => void;
let fileCount = 0;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

/** file writes `content` to a fresh file with extension `ext` and returns its path. */
function file(content: string | Uint8Array, ext: string): string {
  const at = path.join(dir, `f${fileCount++}.${ext}`);
  writeFileSync(at, content);
  return at;
}

const rowsOf = (rows: TextRow[]) => rows.map(({ key, value, line }) => [key, value, line]);

describe('jsonLinesRows', () => {
  it('reads one object per line, with the line each starts on', async () => {
    const at = file('{"key":"a","value":"1"}\n{"value":"x y","key":"b","other":[1,2]}\n{"key":"\\u00e9\\n","value":"\\"q\\""}\n', 'jsonl');
    expect(rowsOf(await collect(jsonLinesRows(at)))).toEqual([
      ['a', '1', 1],
      ['b', 'x y', 2],
      ['é\n', '"q"', 3],
    ]);
  });

  it('skips blank and whitespace-only lines but keeps counting them', async () => {
    const at = file('\n   \n{"key":"a","value":""}\n\t\n\n{"key":"","value":"b"}\n\n', 'jsonl');
    expect(rowsOf(await collect(jsonLinesRows(at)))).toEqual([
      ['a', '', 3],
      ['', 'b', 6],
    ]);
  });

  it('takes CRLF line ends (no \\r left in a row)', async () => {
    const at = file('{"key":"a","value":"1"}\r\n\r\n{"key":"b","value":"2"}\r\n', 'jsonl');
    expect(rowsOf(await collect(jsonLinesRows(at)))).toEqual([
      ['a', '1', 1],
      ['b', '2', 3],
    ]);
  });

  it('reads the last line of a file without a trailing newline', async () => {
    const at = file('{"key":"a","value":"1"}\n{"key":"b","value":"2"}', 'jsonl');
    expect(rowsOf(await collect(jsonLinesRows(at)))).toEqual([
      ['a', '1', 1],
      ['b', '2', 2],
    ]);
    const crlf = file('{"key":"a","value":"1"}\r\n{"key":"b","value":"2"}\r', 'jsonl');
    expect(rowsOf(await collect(jsonLinesRows(crlf)))).toEqual([
      ['a', '1', 1],
      ['b', '2', 2],
    ]);
  });

  it('reads an empty file as no rows', async () => {
    expect(await collect(jsonLinesRows(file('', 'jsonl')))).toEqual([]);
    expect(await collect(jsonLinesRows(file('\n\n', 'jsonl')))).toEqual([]);
  });

  it('streams a file of several read chunks, multi-byte characters across chunk boundaries included', async () => {
    // ~3.6 MB: three or four 1 MiB chunks, whose boundaries fall inside rows and inside 2-byte characters.
    const value = 'é'.repeat(57) + '€';
    const count = 30_000;
    const text = Array.from({ length: count }, (_, i) => JSON.stringify({ key: `k${i}`, value: `${value}${i}` })).join('\n');
    const rows = await collect(jsonLinesRows(file(text, 'jsonl')));
    expect(rows.length).toBe(count);
    rows.forEach((row, i) => {
      if (row.key !== `k${i}` || row.value !== `${value}${i}` || row.line !== i + 1) throw new Error(`row ${i}: ${JSON.stringify(row)}`);
    });
  });

  describe('errors name the file and line', () => {
    // [what, file, message after the path, rows yielded before the error]
    const cases: Array<[string, string, RegExp, number]> = [
      ['not JSON', '{"key":"a","value":"1"}\n\n{"key":"b",\n', /^:3: not JSON \(/, 1],
      ['an array', '{"key":"a","value":"1"}\n[1,2]\n', /^:2: want an object \{"key": …, "value": …\}$/, 1],
      ['a string', '"key"\n', /^:1: want an object/, 0],
      ['null', '{"key":"a","value":"1"}\n{"key":"b","value":"2"}\nnull\n', /^:3: want an object/, 2],
      ['a number key', '{"key":1,"value":"x"}\n', /^:1: "key" must be a string, got 1$/, 0],
      ['no key', '{"k":"a","value":"x"}\n', /^:1: "key" must be a string, got nothing$/, 0],
      ['a null value', '{"key":"a","value":"1"}\r\n{"key":"b","value":null}\r\n', /^:2: "value" must be a string, got null$/, 1],
      ['an object value', '{"key":"a","value":{"v":1}}', /^:1: "value" must be a string, got \{"v":1\}$/, 0],
      ['no value', '\n{"key":"a"}\n', /^:2: "value" must be a string, got nothing$/, 0],
    ];
    it.each(cases)('%s', async (_, content, message, before) => {
      const at = file(content, 'jsonl');
      const { rows, error } = await collectUntilError(jsonLinesRows(at));
      expect(error).toBeInstanceOf(InputError);
      const text = (error as Error).message;
      expect(text.startsWith(`${at}:`)).toBe(true);
      expect(text.slice(at.length)).toMatch(message);
      // The rows before the bad line came out first: the file is streamed, not checked whole.
      expect(rows.length).toBe(before);
    });

    it('a missing file', async () => {
      const at = path.join(dir, 'missing.jsonl');
      const { error } = await collectUntilError(jsonLinesRows(at));
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toBe(`${at}: cannot read (no such file)`);
    });
  });
});

describe('csvRows', () => {
  it('finds key and value in any column order and ignores the other columns', async () => {
    const at = file('id,value,note,key\n1,v1,n1,k1\n2,,n2,k2\n3,v3,,\n', 'csv');
    expect(rowsOf(await collect(csvRows(at)))).toEqual([
      ['k1', 'v1', 2],
      ['k2', '', 3],
      ['', 'v3', 4],
    ]);
  });

  it('takes quoted fields with commas, doubled quotes and empty quoted fields', async () => {
    const at = file('key,value\n"a,b","x, y ,z"\n"say ""hi""",""""\n"",""\nplain,"q"\n', 'csv');
    expect(rowsOf(await collect(csvRows(at)))).toEqual([
      ['a,b', 'x, y ,z', 2],
      ['say "hi"', '"', 3],
      ['', '', 4],
      ['plain', 'q', 5],
    ]);
  });

  it('carries a quoted field across lines; the row is numbered by its first line', async () => {
    const at = file('key,value,extra\nk1,"line 1\nline 2\n\nline 4",x\nk2,v2,"a\nb"\nk3,v3,y\n', 'csv');
    expect(rowsOf(await collect(csvRows(at)))).toEqual([
      ['k1', 'line 1\nline 2\n\nline 4', 2],
      ['k2', 'v2', 6],
      ['k3', 'v3', 8],
    ]);
  });

  it('takes CRLF line ends, blank lines and a last line without a newline', async () => {
    const at = file('value,key\r\nv1,k1\r\n\r\n"a\r\nb",k2\r\nv3,k3', 'csv');
    // A line break inside quotes comes out as \n whatever the file's line ends.
    expect(rowsOf(await collect(csvRows(at)))).toEqual([
      ['k1', 'v1', 2],
      ['k2', 'a\nb', 4],
      ['k3', 'v3', 6],
    ]);
  });

  it('reads a file with only a header as no rows', async () => {
    expect(await collect(csvRows(file('key,value\n', 'csv')))).toEqual([]);
    expect(await collect(csvRows(file('key,value', 'csv')))).toEqual([]);
  });

  describe('errors name the file and line', () => {
    const cases: Array<[string, string, string]> = [
      ['no key column', 'name,value\na,1\n', `:1: the header must name a "key" and a "value" column, got ["name","value"]`],
      ['no value column', '\n\nkey,val\n', `:3: the header must name a "key" and a "value" column, got ["key","val"]`],
      ['too few fields', 'key,value,extra\na,1,x\nb,2\n', ':3: 2 fields, the header has 3'],
      ['too many fields', 'key,value\na,1\r\nb,2\r\n"c\nc",3,4\n', ':4: 3 fields, the header has 2'],
      ['an unclosed quote', 'key,value\na,1\nb,"2\nmore\n', ':3: a quoted field is not closed by the end of the file'],
      ['text after a closing quote', 'key,value\na,1\n"b"x,2\n', ':3: text after a closing quote at column 4'],
      ['text after a closing quote on a later line', 'key,value\na,"1\n2"3\n', ':3: text after a closing quote at column 3'],
    ];
    it.each(cases)('%s', async (_, content, message) => {
      const at = file(content, 'csv');
      const { error } = await collectUntilError(csvRows(at));
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toBe(`${at}${message}`);
    });

    it('an empty file', async () => {
      for (const content of ['', '\n\r\n\n']) {
        const at = file(content, 'csv');
        const { error } = await collectUntilError(csvRows(at));
        expect(error).toBeInstanceOf(InputError);
        expect((error as Error).message).toBe(`${at}: empty CSV file (no header)`);
      }
    });

    it('a missing file', async () => {
      const at = path.join(dir, 'missing.csv');
      const { error } = await collectUntilError(csvRows(at));
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toBe(`${at}: cannot read (no such file)`);
    });

    it('yields the good rows before the bad one', async () => {
      const at = file('key,value\na,1\nb,2\nc\n', 'csv');
      const { rows } = await collectUntilError(csvRows(at));
      expect(rowsOf(rows)).toEqual([
        ['a', '1', 2],
        ['b', '2', 3],
      ]);
    });
  });
});

/** The canonical encoding of one column value, written out from the module comment. */
const col = (type: number, bytes: number[]) => [type, (bytes.length >>> 24) & 255, (bytes.length >>> 16) & 255, (bytes.length >>> 8) & 255, bytes.length & 255, ...bytes];

describe('encodeRow', () => {
  it('is type byte, u32 big-endian length, bytes, per column in order', () => {
    const encoded = encodeRow([null, 1n, -2n, 1.5, -0, 'hé', Uint8Array.of(0, 255), new Uint8Array(0), '']);
    expect(hex(encoded)).toBe(
      hex(
        Uint8Array.from([
          ...col(0, []),
          ...col(1, [0, 0, 0, 0, 0, 0, 0, 1]),
          ...col(1, [255, 255, 255, 255, 255, 255, 255, 254]),
          ...col(2, [0x3f, 0xf8, 0, 0, 0, 0, 0, 0]),
          ...col(2, [0x80, 0, 0, 0, 0, 0, 0, 0]),
          ...col(3, [0x68, 0xc3, 0xa9]),
          ...col(4, [0, 255]),
          ...col(4, []),
          ...col(3, []),
        ]),
      ),
    );
  });

  it('keeps integer and real apart, and text and blob apart', () => {
    expect(hex(encodeRow([1n]))).not.toBe(hex(encodeRow([1])));
    expect(hex(encodeRow(['a']))).not.toBe(hex(encodeRow([utf8('a')])));
    expect(hex(encodeRow([null]))).not.toBe(hex(encodeRow([''])));
    expect(encodeRow([]).length).toBe(0);
  });

  it('writes a 300-byte text with its length in four bytes', () => {
    const text = 'x'.repeat(300);
    expect(hex(encodeRow([text]))).toBe(`030000012c${'78'.repeat(300)}`);
  });
});

describe('sqliteRows', () => {
  let dbPath: string;
  beforeAll(() => {
    dbPath = path.join(dir, 'types.db');
    const db = new Database(dbPath);
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB, big INTEGER, note)');
    const insert = db.prepare('INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)');
    insert.run(1n, 'alice', 1.5, Buffer.from([0x00, 0xff]), 9007199254740993n, null);
    insert.run(-2n, '', null, Buffer.alloc(0), -9223372036854775808n, 42n);
    insert.run(3n, 'é€', 2, null, 4611686018427387904n, 1.0);
    insert.run(9223372036854775807n, null, -0.25, Buffer.from('x'), 0n, 'text');
    db.exec('CREATE TABLE named ("the key" TEXT, v INTEGER)');
    db.prepare('INSERT INTO named VALUES (?, ?)').run('k1', 1n);
    db.prepare('INSERT INTO named VALUES (?, ?)').run('k2', 2n);
    db.prepare('INSERT INTO named VALUES (?, ?)').run(null, 3n);
    db.exec('CREATE TABLE blobs (k BLOB, v TEXT)');
    db.prepare('INSERT INTO blobs VALUES (?, ?)').run(Buffer.from([0xde, 0xad, 0x00]), 'v');
    db.close();
  });

  it('streams each row as (key, canonical encoding), the bytes exactly as the module comment defines them', async () => {
    const rows = await collect(sqliteRows({ path: dbPath, table: 't', keyColumn: 'id' }));
    // SQLite returns a table without ORDER BY in rowid order here (INTEGER PRIMARY KEY is the rowid).
    expect(rows.map((r) => [Buffer.from(r.key).toString('utf8'), hex(r.value)])).toEqual([
      [
        '-2',
        hex(
          Uint8Array.from([
            ...col(1, [255, 255, 255, 255, 255, 255, 255, 254]),
            ...col(3, []),
            ...col(0, []),
            ...col(4, []),
            ...col(1, [0x80, 0, 0, 0, 0, 0, 0, 0]),
            ...col(1, [0, 0, 0, 0, 0, 0, 0, 42]),
          ]),
        ),
      ],
      [
        '1',
        hex(
          Uint8Array.from([
            ...col(1, [0, 0, 0, 0, 0, 0, 0, 1]),
            ...col(3, [0x61, 0x6c, 0x69, 0x63, 0x65]),
            ...col(2, [0x3f, 0xf8, 0, 0, 0, 0, 0, 0]),
            ...col(4, [0x00, 0xff]),
            ...col(1, [0x00, 0x20, 0, 0, 0, 0, 0, 0x01]), // 2^53 + 1, not rounded to 2^53
            ...col(0, []),
          ]),
        ),
      ],
      [
        '3',
        hex(
          Uint8Array.from([
            ...col(1, [0, 0, 0, 0, 0, 0, 0, 3]),
            ...col(3, [0xc3, 0xa9, 0xe2, 0x82, 0xac]),
            ...col(2, [0x40, 0, 0, 0, 0, 0, 0, 0]), // 2 in a REAL column is stored and read as 2.0
            ...col(0, []),
            ...col(1, [0x40, 0, 0, 0, 0, 0, 0, 0]), // 2^62
            ...col(2, [0x3f, 0xf0, 0, 0, 0, 0, 0, 0]), // 1.0 in an untyped column stays a real
          ]),
        ),
      ],
      [
        '9223372036854775807',
        hex(
          Uint8Array.from([
            ...col(1, [0x7f, 255, 255, 255, 255, 255, 255, 255]),
            ...col(0, []),
            ...col(2, [0xbf, 0xd0, 0, 0, 0, 0, 0, 0]),
            ...col(4, [0x78]),
            ...col(1, [0, 0, 0, 0, 0, 0, 0, 0]),
            ...col(3, [0x74, 0x65, 0x78, 0x74]),
          ]),
        ),
      ],
    ]);
  });

  it('takes a text key column (quoted name) as UTF-8 and a blob key column as its bytes', async () => {
    const blob = await collect(sqliteRows({ path: dbPath, table: 'blobs', keyColumn: 'k' }));
    expect(blob.map((r) => [hex(r.key), hex(r.value)])).toEqual([['dead00', hex(Uint8Array.from([...col(4, [0xde, 0xad, 0x00]), ...col(3, [0x76])]))]]);
    const { rows } = await collectUntilError(sqliteRows({ path: dbPath, table: 'named', keyColumn: 'the key' }));
    expect(rows.map((r) => [hex(r.key), hex(r.value)])).toEqual([
      [hex(utf8('k1')), hex(Uint8Array.from([...col(3, [0x6b, 0x31]), ...col(1, [0, 0, 0, 0, 0, 0, 0, 1])]))],
      [hex(utf8('k2')), hex(Uint8Array.from([...col(3, [0x6b, 0x32]), ...col(1, [0, 0, 0, 0, 0, 0, 0, 2])]))],
    ]);
  });

  it('streams a 50k-row table: every row, in order, with the statement open while rows are read', async () => {
    const bigPath = path.join(dir, 'big.db');
    const db = new Database(bigPath);
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    const insert = db.prepare('INSERT INTO t VALUES (?, ?)');
    db.transaction(() => {
      for (let i = 1; i <= 50_000; i++) insert.run(i, `value ${i}`);
    })();
    db.close();

    let count = 0;
    for await (const row of sqliteRows({ path: bigPath, table: 't', keyColumn: 'id' })) {
      count++;
      if (Buffer.from(row.key).toString('utf8') !== String(count)) throw new Error(`row ${count}: key ${Buffer.from(row.key).toString('utf8')}`);
      if (row.value.length !== 13 + 5 + `value ${count}`.length) throw new Error(`row ${count}: value of ${row.value.length} bytes`);
    }
    expect(count).toBe(50_000);

    // While the source is part-way through, its read statement holds the database: a writer
    // cannot commit (SQLITE_BUSY). So rows are read as they are yielded, not fetched whole.
    // Stopping early closes the database, and the writer then can.
    const writer = new Database(bigPath, { timeout: 0 });
    const rows = sqliteRows({ path: bigPath, table: 't', keyColumn: 'id' });
    const first = await rows.next();
    expect(Buffer.from((first.value as SqliteRow).key).toString('utf8')).toBe('1');
    expect(() => writer.prepare('DELETE FROM t WHERE id = 50000').run()).toThrow(/locked|busy/i);
    await rows.return(undefined);
    writer.prepare('DELETE FROM t WHERE id = 50000').run();
    writer.close();
  });

  describe('errors', () => {
    it('no such table', async () => {
      const { error } = await collectUntilError(sqliteRows({ path: dbPath, table: 'nope', keyColumn: 'id' }));
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toBe(`${dbPath}: no table "nope"`);
    });

    it('no such key column', async () => {
      const { error } = await collectUntilError(sqliteRows({ path: dbPath, table: 't', keyColumn: 'ID2' }));
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toBe(`${dbPath}: table t has no column "ID2" (columns: id, name, score, data, big, note)`);
    });

    it('a NULL key, after the rows before it', async () => {
      const { rows, error } = await collectUntilError(sqliteRows({ path: dbPath, table: 'named', keyColumn: 'the key' }));
      expect(rows.length).toBe(2);
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toBe(`${dbPath}: table named row 3: the key column is NULL; keys must be text, blob or integer`);
    });

    it('a REAL key: refused as the module says (keys are text, blob or integer), not turned into text', async () => {
      // Otherwise REAL 1.0 and INTEGER 1 both become the key "1", and one row silently replaces the other.
      const at = path.join(dir, 'real-key.db');
      const db = new Database(at);
      db.exec('CREATE TABLE t (k, v TEXT)');
      db.prepare('INSERT INTO t VALUES (?, ?)').run(1n, 'integer one');
      db.prepare('INSERT INTO t VALUES (?, ?)').run(1.0, 'real one');
      db.close();
      const { rows, error } = await collectUntilError(sqliteRows({ path: at, table: 't', keyColumn: 'k' }));
      expect(rows.length).toBe(1);
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toBe(`${at}: table t row 2: the key column is REAL; keys must be text, blob or integer`);
    });

    it('a missing file', async () => {
      const at = path.join(dir, 'missing.db');
      const { error } = await collectUntilError(sqliteRows({ path: at, table: 't', keyColumn: 'id' }));
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message.startsWith(`${at}: cannot open as a SQLite database (`)).toBe(true);
    });

    it('a file that is not a database: an InputError naming the file', async () => {
      const at = file('this is not a SQLite database, just some text that is long enough\n'.repeat(20), 'db');
      const { error } = await collectUntilError(sqliteRows({ path: at, table: 't', keyColumn: 'id' }));
      // better-sqlite3 opens any file; the first statement fails with SQLITE_NOTADB.
      expect((error as Error).message).toContain('not a database');
      expect((error as Error).message).toContain(at);
      expect(error).toBeInstanceOf(InputError);
    });
  });
});

describe('loadKeyedTree', () => {
  /** The tree of `ops` built with one plain batch. */
  async function batchRoot(ops: KeyedOp[]): Promise<{ root: string; size: number }> {
    const tree = await openKeyedTree(undefined, { bucketBits: 8 });
    tree.batch(ops);
    return { root: hex(tree.root()), size: tree.size };
  }

  it('over JSON Lines and CSV of the same text: the root of the same puts, the same for both', async () => {
    const pairs = Array.from({ length: 500 }, (_, i) => [`key ${i}`, i % 7 === 0 ? '' : `value, "${i}"`] as const);
    const jsonl = file(pairs.map(([key, value]) => JSON.stringify({ key, value })).join('\n'), 'jsonl');
    const csv = file(`key,value\n${pairs.map(([key, value]) => `${key},"${value.replaceAll('"', '""')}"`).join('\n')}\n`, 'csv');
    const want = await batchRoot(pairs.map(([key, value]) => ({ type: 'put', key, value })));
    expect(want.size).toBe(500);
    for (const rows of [jsonLinesRows(jsonl), csvRows(csv)]) {
      const tree = await openKeyedTree(undefined, { bucketBits: 8 });
      const report = await loadKeyedTree(tree, rows);
      expect(report.rows).toBe(500);
      expect(report.seconds).toBeGreaterThanOrEqual(0);
      expect(hex(tree.root())).toBe(want.root);
      expect(tree.size).toBe(500);
    }
  });

  it('over a SQLite table: the root of puts of (key text, canonical row) written out by hand', async () => {
    const at = path.join(dir, 'load.db');
    const db = new Database(at);
    db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER, r REAL, b BLOB)');
    db.prepare('INSERT INTO t VALUES (?, ?, ?, ?)').run('a', 1n, null, Buffer.from([7]));
    db.prepare('INSERT INTO t VALUES (?, ?, ?, ?)').run('b', null, 0.5, null);
    db.close();
    const tree = await openKeyedTree(undefined, { bucketBits: 8 });
    const report = await loadKeyedTree(tree, sqliteRows({ path: at, table: 't', keyColumn: 'k' }));
    expect(report.rows).toBe(2);
    const want = await batchRoot([
      { type: 'put', key: 'a', value: Uint8Array.from([...col(3, [0x61]), ...col(1, [0, 0, 0, 0, 0, 0, 0, 1]), ...col(0, []), ...col(4, [7])]) },
      { type: 'put', key: 'b', value: Uint8Array.from([...col(3, [0x62]), ...col(0, []), ...col(2, [0x3f, 0xe0, 0, 0, 0, 0, 0, 0]), ...col(0, [])]) },
    ]);
    expect(hex(tree.root())).toBe(want.root);
  });

  it('lets a later row replace an earlier one with the same key, within a load batch and across batches', async () => {
    // 20 000 rows: more than one load batch (16 384), with "dup" first and again near the end,
    // and "twice" twice within the first batch.
    const lines = [JSON.stringify({ key: 'dup', value: 'first' }), JSON.stringify({ key: 'twice', value: 'one' }), JSON.stringify({ key: 'twice', value: 'two' })];
    for (let i = 0; i < 20_000; i++) lines.push(JSON.stringify({ key: `k${i}`, value: `v${i}` }));
    lines.push(JSON.stringify({ key: 'dup', value: 'last' }));
    const tree = await openKeyedTree(undefined, { bucketBits: 8 });
    const report = await loadKeyedTree(tree, jsonLinesRows(file(lines.join('\n'), 'jsonl')));
    expect(report.rows).toBe(20_004);
    expect(tree.size).toBe(20_002);

    const ops: KeyedOp[] = [{ type: 'put', key: 'twice', value: 'two' }];
    for (let i = 0; i < 20_000; i++) ops.push({ type: 'put', key: `k${i}`, value: `v${i}` });
    ops.push({ type: 'put', key: 'dup', value: 'last' });
    const want = await batchRoot(ops);
    expect(hex(tree.root())).toBe(want.root);

    const reference = await openKeyedTree(undefined, { bucketBits: 8 });
    reference.batch([
      { type: 'put', key: 'dup', value: 'last' },
      { type: 'put', key: 'twice', value: 'two' },
    ]);
    expect(hex(tree.get('dup')!)).toBe(hex(reference.get('dup')!));
    expect(hex(tree.get('twice')!)).toBe(hex(reference.get('twice')!));
  });

  it('reports progress after each full batch and loads an empty source as an empty tree', async () => {
    const tree = await openKeyedTree(undefined, { bucketBits: 8 });
    const progress: number[] = [];
    const lines = Array.from({ length: 40_000 }, (_, i) => JSON.stringify({ key: `k${i}`, value: '' }));
    const report = await loadKeyedTree(tree, jsonLinesRows(file(lines.join('\n'), 'jsonl')), (n) => progress.push(n));
    expect(report.rows).toBe(40_000);
    expect(progress).toEqual([16_384, 32_768]);

    const empty = await openKeyedTree(undefined, { bucketBits: 8 });
    expect((await loadKeyedTree(empty, jsonLinesRows(file('', 'jsonl')))).rows).toBe(0);
    expect(hex(empty.root())).toBe((await batchRoot([])).root);
    expect(empty.size).toBe(0);
  });
});

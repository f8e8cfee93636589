/**
 * Rows of a SQLite table (better-sqlite3), streamed with an iterating statement: memory stays
 * bounded whatever the table's size. A row's value is its canonical encoding (docs/keyed.md):
 * for each column in the table's order, a type byte, a u32 big-endian length and the bytes —
 *   0 null (no bytes) · 1 integer (8 bytes, two's complement) · 2 real (8 bytes, IEEE 754)
 *   3 text (UTF-8) · 4 blob (raw)
 * so two replicas' rows have equal digests exactly when every column is equal, in type too.
 */
import { InputError } from '../../errors.js';
import { importModule } from '../../import-module.js';

export interface SqliteSource {
  readonly path: string;
  readonly table: string;
  /** The column whose value is the key (text as UTF-8, blob as bytes, integer as decimal text). */
  readonly keyColumn: string;
}

export interface SqliteRow {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

type Database = {
  prepare(sql: string): { raw(on?: boolean): Statement; safeIntegers(on?: boolean): Statement; iterate(...params: unknown[]): IterableIterator<unknown[]>; all(...params: unknown[]): unknown[]; run(...params: unknown[]): unknown; columns(): Array<{ name: string }> };
  close(): void;
};
type Statement = ReturnType<Database['prepare']>;

export async function openSqlite(path: string, readonly = true): Promise<Database> {
  let Driver: new (path: string, options: object) => Database;
  try {
    Driver = ((await importModule('better-sqlite3')) as { default: typeof Driver }).default;
  } catch (error) {
    throw new InputError(`SQLite sources need better-sqlite3 12.x, an optional peer dependency (npm install better-sqlite3), which is not installed or did not build (${(error as Error).message})`);
  }
  try {
    const db = new Driver(path, { readonly, fileMustExist: true });
    try {
      // better-sqlite3 opens any file; the first read is what finds it is not a database.
      db.prepare('SELECT 1 FROM sqlite_master LIMIT 1').all();
    } catch (error) {
      db.close();
      throw error;
    }
    return db;
  } catch (error) {
    throw new InputError(`${path}: cannot open as a SQLite database (${(error as Error).message})`);
  }
}

const quoteIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** tableColumns returns the table's column names in order, or throws naming the table. */
export function tableColumns(db: Database, path: string, table: string): string[] {
  const columns = (db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as Array<{ name: string }>).map((c) => c.name);
  if (columns.length === 0) throw new InputError(`${path}: no table ${JSON.stringify(table)}`);
  return columns;
}

const kUtf8 = new TextEncoder();

export function keyBytes(value: unknown, where: string): Uint8Array {
  if (typeof value === 'string') return kUtf8.encode(value);
  // Integers come as bigint (safeIntegers); a number is a REAL, which is no key: 1.0 and 1 would collide.
  if (typeof value === 'bigint') return kUtf8.encode(value.toString());
  if (value instanceof Uint8Array) return value;
  const kind = value === null ? 'NULL' : typeof value === 'number' ? 'REAL' : typeof value;
  throw new InputError(`${where}: the key column is ${kind}; keys must be text, blob or integer`);
}

/** encodeRow is the canonical encoding of one row's column values. */
export function encodeRow(values: readonly unknown[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const value of values) {
    let type: number;
    let bytes: Uint8Array;
    if (value === null) [type, bytes] = [0, new Uint8Array(0)];
    else if (typeof value === 'bigint') {
      bytes = new Uint8Array(8);
      new DataView(bytes.buffer).setBigInt64(0, value);
      type = 1;
    } else if (typeof value === 'number') {
      bytes = new Uint8Array(8);
      new DataView(bytes.buffer).setFloat64(0, value);
      type = 2;
    } else if (typeof value === 'string') [type, bytes] = [3, kUtf8.encode(value)];
    else [type, bytes] = [4, value as Uint8Array];
    const head = new Uint8Array(5);
    head[0] = type;
    new DataView(head.buffer).setUint32(1, bytes.length);
    parts.push(head, bytes);
    total += 5 + bytes.length;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** sqliteRows streams (key, canonical row) for every row of the table. */
export async function* sqliteRows(source: SqliteSource): AsyncGenerator<SqliteRow> {
  const db = await openSqlite(source.path);
  try {
    const columns = tableColumns(db, source.path, source.table);
    const keyAt = columns.indexOf(source.keyColumn);
    if (keyAt < 0) throw new InputError(`${source.path}: table ${source.table} has no column ${JSON.stringify(source.keyColumn)} (columns: ${columns.join(', ')})`);
    const select = db.prepare(`SELECT ${columns.map(quoteIdentifier).join(', ')} FROM ${quoteIdentifier(source.table)}`);
    select.raw(true);
    select.safeIntegers(true);
    let row = 0;
    for (const values of select.iterate()) {
      row++;
      yield { key: keyBytes(values[keyAt], `${source.path}: table ${source.table} row ${row}`), value: encodeRow(values) };
    }
  } finally {
    db.close();
  }
}

/**
 * SqliteReplica: a SQLite table as a keyed tree's rows — the source a server reads rows from
 * and the sink a repair writes them to (upserts and deletes in one transaction). A row's value
 * is its canonical encoding (sqlite-rows.ts), so a repaired row is decoded back into columns.
 */
import { InputError } from '../../errors.js';
import type { RowChange, RowSink, RowSource } from '../rows.js';
import { encodeRow, keyBytes, openSqlite, tableColumns, type SqliteSource } from './sqlite-rows.js';

type Database = Awaited<ReturnType<typeof openSqlite>>;
type Statement = ReturnType<Database['prepare']>;

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** decodeRow reads a canonical row encoding back into column values; throws on a malformed one. */
export function decodeRow(bytes: Uint8Array, columns: number, where: string): unknown[] {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values: unknown[] = [];
  let at = 0;
  for (let c = 0; c < columns; c++) {
    if (at + 5 > view.length) throw new InputError(`${where}: row encoding ends inside column ${c}`);
    const type = view[at]!;
    const length = view.readUInt32BE(at + 1);
    at += 5;
    if (at + length > view.length) throw new InputError(`${where}: row encoding ends inside column ${c}`);
    const body = view.subarray(at, at + length);
    at += length;
    if (type === 0 && length === 0) values.push(null);
    else if (type === 1 && length === 8) values.push(body.readBigInt64BE(0));
    else if (type === 2 && length === 8) values.push(body.readDoubleBE(0));
    else if (type === 3) values.push(body.toString('utf8'));
    else if (type === 4) values.push(Buffer.from(body));
    else throw new InputError(`${where}: column ${c} has type ${type} with ${length} bytes`);
  }
  if (at !== view.length) throw new InputError(`${where}: row encoding has ${view.length - at} bytes past its ${columns} columns`);
  return values;
}

export class SqliteReplica implements RowSource, RowSink {
  private readonly columns: string[];
  private readonly keyAt: number;
  private readonly select: Statement;
  private readonly upsert: Statement;
  private readonly remove: Statement;

  private constructor(
    private readonly db: Database,
    private readonly source: SqliteSource,
  ) {
    this.columns = tableColumns(db, source.path, source.table);
    this.keyAt = this.columns.indexOf(source.keyColumn);
    if (this.keyAt < 0) throw new InputError(`${source.path}: table ${source.table} has no column ${JSON.stringify(source.keyColumn)} (columns: ${this.columns.join(', ')})`);
    const table = quote(source.table);
    const key = quote(source.keyColumn);
    // A key arrives as bytes; the column may hold it as text, integer (decimal text) or blob.
    const match = `${key} IN (?, ?, ?)`;
    this.select = db.prepare(`SELECT ${this.columns.map(quote).join(', ')} FROM ${table} WHERE ${match}`);
    this.select.raw(true);
    this.select.safeIntegers(true);
    this.upsert = db.prepare(`INSERT OR REPLACE INTO ${table} (${this.columns.map(quote).join(', ')}) VALUES (${this.columns.map(() => '?').join(', ')})`);
    this.remove = db.prepare(`DELETE FROM ${table} WHERE ${match}`);
  }

  /** open opens the table read-only (a source) or writable (a repair target). */
  static async open(source: SqliteSource, writable = false): Promise<SqliteReplica> {
    const db = await openSqlite(source.path, !writable);
    try {
      return new SqliteReplica(db, source);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  private keyParams(key: Uint8Array): unknown[] {
    const text = Buffer.from(key).toString('utf8');
    const integer = /^-?\d{1,19}$/.test(text) ? BigInt(text) : null;
    return [text, integer, Buffer.from(key)];
  }

  rows(keys: readonly Uint8Array[]): (Uint8Array | undefined)[] {
    return keys.map((key) => {
      for (const values of this.select.iterate(...this.keyParams(key))) {
        // The IN list may match a text '42' and an integer 42 alike; keep the row whose key bytes are these.
        if (Buffer.compare(keyBytes(values[this.keyAt], this.source.path), key) === 0) return encodeRow(values);
      }
      return undefined;
    });
  }

  apply(changes: readonly RowChange[]): void {
    const decoded = changes.map((change, i) => (change.value === undefined ? undefined : decodeRow(change.value, this.columns.length, `${this.source.path}: repaired row ${i}`)));
    const db = this.db as unknown as { transaction(fn: () => void): () => void };
    db.transaction(() => {
      changes.forEach((change, i) => {
        const values = decoded[i];
        if (values === undefined) this.remove.run(...this.keyParams(change.key));
        else this.upsert.run(...values);
      });
    })();
  }

  close(): void {
    this.db.close();
  }
}

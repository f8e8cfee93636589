/**
 * Rows of (key, value) from JSON Lines and CSV files, streamed: a file of any size is read in
 * chunks and never held whole. Errors name the file, the line and what is wrong.
 */
import { createReadStream } from 'node:fs';
import { InputError } from '../../errors.js';

export interface TextRow {
  readonly key: string;
  readonly value: string;
  /** 1-based line where the row starts. */
  readonly line: number;
}

async function* lines(path: string): AsyncGenerator<{ text: string; line: number }> {
  let rest = '';
  let line = 0;
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      // A UTF-8 byte-order mark (spreadsheet exports) is not part of the first line.
      const parts = (line === 0 && rest === '' ? chunk.replace(/^\uFEFF/, '') : rest + chunk).split('\n');
      rest = parts.pop()!;
      for (const part of parts) yield { text: part.endsWith('\r') ? part.slice(0, -1) : part, line: ++line };
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(`${path}: cannot read (${code === 'ENOENT' ? 'no such file' : code ?? (error as Error).message})`, { cause: error });
  }
  if (rest !== '') yield { text: rest.endsWith('\r') ? rest.slice(0, -1) : rest, line: ++line };
}

/** jsonLinesRows reads objects {"key": string, "value": string} one per line; blank lines are skipped. */
export async function* jsonLinesRows(path: string): AsyncGenerator<TextRow> {
  for await (const { text, line } of lines(path)) {
    if (text.trim() === '') continue;
    let row: unknown;
    try {
      row = JSON.parse(text);
    } catch (error) {
      throw new InputError(`${path}:${line}: not JSON (${(error as Error).message})`);
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new InputError(`${path}:${line}: want an object {"key": …, "value": …}`);
    const { key, value } = row as Record<string, unknown>;
    if (typeof key !== 'string') throw new InputError(`${path}:${line}: "key" must be a string, got ${JSON.stringify(key) ?? 'nothing'}`);
    if (typeof value !== 'string') throw new InputError(`${path}:${line}: "value" must be a string, got ${JSON.stringify(value) ?? 'nothing'}`);
    yield { key, value, line };
  }
}

/**
 * csvRecords splits CSV text (RFC 4180: fields in double quotes may hold commas, newlines and
 * doubled quotes) into records, carrying a quoted field across lines.
 */
async function* csvRecords(path: string): AsyncGenerator<{ fields: string[]; line: number }> {
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let startLine = 0;
  for await (const { text, line } of lines(path)) {
    if (!quoted) {
      startLine = line;
      fields = [];
      field = '';
    } else {
      field += '\n';
    }
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (quoted) {
        if (c !== '"') field += c;
        else if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          quoted = false;
          const next = text[i + 1];
          if (next !== undefined && next !== ',') throw new InputError(`${path}:${line}: text after a closing quote at column ${i + 2}`);
        }
      } else if (c === ',') {
        fields.push(field);
        field = '';
      } else if (c === '"' && field === '') {
        quoted = true;
      } else {
        field += c;
      }
    }
    if (!quoted) {
      fields.push(field);
      if (!(fields.length === 1 && fields[0] === '')) yield { fields, line: startLine };
    }
  }
  if (quoted) throw new InputError(`${path}:${startLine}: a quoted field is not closed by the end of the file`);
}

/** csvRows reads a CSV file whose header names a `key` and a `value` column (other columns are ignored). */
export async function* csvRows(path: string): AsyncGenerator<TextRow> {
  let keyAt = -1;
  let valueAt = -1;
  let width = 0;
  for await (const { fields, line } of csvRecords(path)) {
    if (keyAt < 0) {
      keyAt = fields.indexOf('key');
      valueAt = fields.indexOf('value');
      width = fields.length;
      if (keyAt < 0 || valueAt < 0) throw new InputError(`${path}:${line}: the header must name a "key" and a "value" column, got ${JSON.stringify(fields)}`);
      continue;
    }
    if (fields.length !== width) throw new InputError(`${path}:${line}: ${fields.length} fields, the header has ${width}`);
    yield { key: fields[keyAt]!, value: fields[valueAt]!, line };
  }
  if (keyAt < 0) throw new InputError(`${path}: empty CSV file (no header)`);
}

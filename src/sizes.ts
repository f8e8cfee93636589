/** Byte sizes written by people: "4096", "64KiB", "1 MiB", "2GiB". */
import { InputError } from './errors.js';

const kUnits: Record<string, number> = { '': 1, B: 1, KIB: 1024, MIB: 1024 ** 2, GIB: 1024 ** 3, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/** parseByteSize parses a positive whole number of bytes with an optional KiB/MiB/GiB suffix. */
export function parseByteSize(text: string, option: string): number {
  const match = /^\s*(\d+)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = match ? kUnits[match[2]!.toUpperCase()] : undefined;
  if (!match || unit === undefined) {
    throw new InputError(`${option} must be a number of bytes with an optional KiB, MiB or GiB suffix, got ${JSON.stringify(text)}`);
  }
  const value = Number(match[1]) * unit;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new InputError(`${option} must be a positive number of bytes, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** formatByteSize prints a size in the largest binary unit that divides it. */
export function formatByteSize(bytes: number): string {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} B`;
}

// Seeded directory trees for the directory benchmarks: file contents from AES-256-CTR over
// zeros under a fixed key (fast, and the same bytes on every machine), sizes and layout from a
// seeded PRNG. makeTree(dir, { files, minBytes, maxBytes, perDirectory, seed }) writes the tree
// unless `dir` already holds one made with the same shape (a stamp file beside it says so).
import { createCipheriv } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { rng } from './keyed-data.mjs';

/** A seeded uniform [0, 1) from the keyed benches' generator. */
export function seededRandom(seed) {
  const next = rng(seed);
  return () => next() / 4294967296;
}

/** A deterministic byte stream: take(n) returns the next n bytes. */
export function byteStream(seed) {
  const key = Buffer.alloc(32);
  key.writeUInt32BE(seed);
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return { take: (n) => cipher.update(Buffer.alloc(n)) };
}

export function filePath(dir, i, perDirectory) {
  return path.join(dir, `d${String(Math.floor(i / perDirectory)).padStart(5, '0')}`, `f${String(i).padStart(7, '0')}.bin`);
}

export function makeTree(dir, { files, minBytes, maxBytes, perDirectory = 100, seed = 1 }) {
  const shape = JSON.stringify({ files, minBytes, maxBytes, perDirectory, seed, version: 2 });
  const stamp = `${dir}.shape`; // beside the tree, not in it
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === shape) return { made: false };
  rmSync(dir, { recursive: true, force: true });
  const random = seededRandom(seed);
  const bytes = byteStream(seed);
  let total = 0;
  for (let i = 0; i < files; i++) {
    const file = filePath(dir, i, perDirectory);
    if (i % perDirectory === 0) mkdirSync(path.dirname(file), { recursive: true });
    const size = minBytes + Math.floor(random() * (maxBytes - minBytes + 1));
    writeFileSync(file, bytes.take(size));
    total += size;
  }
  writeFileSync(stamp, shape);
  return { made: true, bytes: total };
}

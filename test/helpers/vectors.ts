/** Paths and loaders for the external vectors in test/vectors (copied unchanged; see its PROVENANCE.md). */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const kRepoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const kVectorsDir = path.resolve(kRepoRoot, 'test', 'vectors');

export function readVectors<T>(name: string): T {
  return JSON.parse(readFileSync(path.join(kVectorsDir, name), 'utf8')) as T;
}

/** listJsonFiles lists every .json file below `dir` (relative to the vectors folder), sorted. */
export function listJsonFiles(dir: string, vectorsDir = kVectorsDir): string[] {
  const root = path.join(vectorsDir, dir);
  const found: string[] = [];
  const walk = (at: string): void => {
    for (const entry of readdirSync(at).sort()) {
      const full = path.join(at, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (entry.endsWith('.json')) found.push(full);
    }
  };
  walk(root);
  return found;
}

/** blake3Input is the official BLAKE3 vectors' input: byte i = i % 251. */
export function blake3Input(length: number): Uint8Array {
  const input = new Uint8Array(length);
  for (let i = 0; i < length; i++) input[i] = i % 251;
  return input;
}

export interface Sha256Vectors {
  vectors: Array<{ id: string; message_ascii: string; repeat: number; sha256: string }>;
}
export interface Blake3Vectors {
  cases: Array<{ input_len: number; hash: string }>;
}
export interface BitcoinBlocks {
  blocks: Array<{ height: number | null; network: string; hash: string; merkleroot: string; tx_count: number; txids: string[] }>;
}

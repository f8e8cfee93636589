/**
 * A keyed tree on LMDB survives SIGKILL at any moment: a child process applies seeded random
 * batches and acknowledges each one after it returns; the test kills it again and again, and
 * after every kill the store must hold exactly the acknowledged batches (or one more: the batch
 * in flight may have committed before its acknowledgement was written), with a root equal to a
 * fresh in-memory tree's over the same pairs. The child resumes from the state left behind, so
 * the store accumulates across kills.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openLmdbStore } from '../../src/keyed/lmdb-store.js';
import { openKeyedTree } from '../../src/keyed/open.js';
import { decodeRecords } from '../../src/keyed/records.js';
import { seededRandom } from '../helpers/reference.js';

const kRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const kChild = path.join(kRoot, 'test', 'fixtures', 'keyed-crash-child.mjs');
const kCompiled = path.join(kRoot, 'dist', 'keyed', 'open.js');

const kOptions = { hash: 'sha256', bucketBits: 8, salt: 'crash-test' } as const;
const kSeed = Number(process.env.KEYED_CRASH_SEED ?? 0x5eed);
const kKills = 24;
const kMinKills = 20;
/** Past this, stop once kMinKills kills are done: the machine is shared and may be slow. */
const kBudgetMs = 35_000;
/** Batches per child run: more than a child gets through before it is killed. */
const kPlanLength = 300;
const kKeySpace = 300;

type Op = { type: 'put'; key: string; value: string } | { type: 'delete'; key: string };
interface Batch {
  readonly ops: Op[];
  /** Ask for the root after this batch (saving bucket hashes: another transaction to kill). */
  readonly root: boolean;
}

/** Keys that are prefixes of each other (key-1, key-10, key-100) and non-ASCII ones. */
const keyName = (i: number): string => (i % 7 === 0 ? `clé-${i}` : `key-${i}`);

/** Batch n depends only on the seed and n, whichever child run applies it. */
function makeBatch(n: number): Batch {
  const random = seededRandom(kSeed ^ Math.imul(n + 1, 0x9e3779b1));
  const size = random() < 0.1 ? 40 : 1 + Math.floor(random() * 6);
  const ops: Op[] = [];
  for (let j = 0; j < size; j++) {
    const key = keyName(Math.floor(random() * kKeySpace));
    ops.push(random() < 0.3 ? { type: 'delete', key } : { type: 'put', key, value: `v${n}.${j}` });
  }
  return { ops, root: random() < 0.3 };
}

const batches: Batch[] = [];
const batchAt = (n: number): Batch => {
  while (batches.length <= n) batches.push(makeBatch(batches.length));
  return batches[n]!;
};

/** The pairs after batches 0..last (last = -1: none). */
function stateAfter(last: number): Map<string, string> {
  const state = new Map<string, string>();
  for (let n = 0; n <= last; n++) {
    for (const op of batchAt(n).ops) {
      if (op.type === 'put') state.set(op.key, op.value);
      else state.delete(op.key);
    }
  }
  return state;
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** A fresh in-memory tree's entries (in tree order) and root over `state`. */
async function reference(state: Map<string, string>): Promise<{ entries: string[]; root: string; size: number }> {
  const tree = await openKeyedTree(undefined, kOptions);
  try {
    tree.batch([...state].map(([key, value]) => ({ type: 'put' as const, key, value })));
    return { entries: Array.from(tree.entries(), (e) => `${hex(e.key)}=${hex(e.digest)}`), root: hex(tree.root()), size: tree.size };
  } finally {
    tree.close();
  }
}

interface Run {
  readonly acked: number[];
  readonly done: boolean;
  readonly killed: boolean;
}

/** Runs a child on the plan from batch `from`, killing it after `killAfterMs` (from 'ready' or from spawn). */
function runChild(dir: string, planPath: string, from: number, kill: { afterReady: boolean; ms: number }): Promise<Run> {
  writeFileSync(planPath, JSON.stringify({ options: kOptions, from, batches: Array.from({ length: kPlanLength }, (_, i) => batchAt(from + i)) }));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [kChild, dir, planPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: number[] = [];
    let done = false;
    let stdout = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const killLater = (ms: number) => {
      timer = setTimeout(() => child.kill('SIGKILL'), ms);
    };
    // A child that never gets going is killed too, and reported.
    const stuck = setTimeout(() => child.kill('SIGKILL'), 15_000);
    if (!kill.afterReady) killLater(kill.ms);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      let newline: number;
      while ((newline = stdout.indexOf('\n')) >= 0) {
        const line = stdout.slice(0, newline);
        stdout = stdout.slice(newline + 1);
        if (line === 'ready' && kill.afterReady) killLater(kill.ms);
        else if (line === 'done') done = true;
        else if (line.startsWith('acked ')) acked.push(Number(line.slice(6)));
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(stuck);
      if (signal === 'SIGKILL' || (code === 0 && done)) resolve({ acked, done, killed: signal === 'SIGKILL' });
      else reject(new Error(`crash child exited with code ${code} signal ${signal}: ${stderr}`));
    });
  });
}

const scratch = mkdtempSync(path.join(tmpdir(), 'keyed-crash-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('keyed tree on LMDB under SIGKILL', () => {
  it(`keeps every acknowledged batch and nothing half-applied (seed ${kSeed})`, async () => {
    expect(existsSync(kCompiled), `${kCompiled} is missing: run npm run build first`).toBe(true);
    const dir = path.join(scratch, 'tree');
    const planPath = path.join(scratch, 'plan.json');
    const random = seededRandom(kSeed);
    const started = Date.now();
    /** The last batch the store holds (-1: none yet). */
    let last = -1;
    let kills = 0;
    for (let round = 0; kills < kKills && !(kills >= kMinKills && Date.now() - started > kBudgetMs); round++) {
      // Mostly kill while batches are being applied; sometimes during start-up and opening.
      const kill = random() < 0.15 ? { afterReady: false, ms: Math.floor(random() * 400) } : { afterReady: true, ms: Math.floor(random() * 40) };
      const run = await runChild(dir, planPath, last + 1, kill);
      if (run.killed) kills++;
      const acked = run.acked.at(-1) ?? last;
      expect(run.acked, `round ${round}: acknowledgements in order`).toEqual(Array.from({ length: run.acked.length }, (_, i) => last + 1 + i));

      // The store holds the state after `acked`, or after acked + 1 if that batch committed
      // before its acknowledgement was written (a finished plan has no batch in flight).
      const candidates = run.done ? [acked] : [acked, acked + 1];
      const expected = await Promise.all(candidates.map((n) => reference(stateAfter(n))));
      // Every other round reads the raw store, so the next child starts with whatever dirty
      // marks the killed one left (a tree opened here would rehash and save them).
      let entries: string[];
      let root: string | undefined;
      if (round % 2 === 1) {
        const store = openLmdbStore(dir);
        try {
          entries = Array.from(store.records(0, 2 ** kOptions.bucketBits)).flatMap(({ records }) => decodeRecords(records, 32).map((e) => `${hex(e.key)}=${hex(e.digest)}`));
          expect(store.count(), `round ${round}: entry count`).toBe(entries.length);
        } finally {
          store.close();
        }
      } else {
        const tree = await openKeyedTree(dir, kOptions);
        try {
          entries = Array.from(tree.entries(), (e) => `${hex(e.key)}=${hex(e.digest)}`);
          expect(tree.size, `round ${round}: size`).toBe(entries.length);
          const verified = tree.verify();
          expect(verified.ok, `round ${round}: verify ${JSON.stringify(verified)}`).toBe(true);
          root = hex(tree.root());
        } finally {
          tree.close();
        }
      }
      const matched = expected.findIndex((want) => JSON.stringify(want.entries) === JSON.stringify(entries));
      expect(matched, `round ${round}: the store after batch ${acked} (killed: ${run.killed}) is neither the state after ${candidates.join(' nor ')}`).toBeGreaterThanOrEqual(0);
      if (root !== undefined) expect(root, `round ${round}: root`).toBe(expected[matched]!.root);
      last = candidates[matched]!;
    }
    expect(kills).toBeGreaterThanOrEqual(kMinKills);
    expect(last, 'the children got some batches through').toBeGreaterThan(kKills);

    // Finally the whole history once more, through a tree.
    const tree = await openKeyedTree(dir, kOptions);
    try {
      const want = await reference(stateAfter(last));
      expect(tree.verify().ok).toBe(true);
      expect(hex(tree.root())).toBe(want.root);
      expect(tree.size).toBe(want.size);
    } finally {
      tree.close();
    }
  }, 90_000);
});

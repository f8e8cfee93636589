/**
 * The browser build (merkle-engine/verify, dist/verify/merkle-verify.js): proofs made by the CLI
 * are verified, and tampered ones refused, in a real headless Chromium (Debian's package) loading
 * a page from a loopback server — and the same cases in Node, importing the same bundle. Its
 * WASM kernels are checked against independent oracles (node:crypto, hash-wasm) on the way.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { merkle, tempDir } from './helpers/cli.js';
import { randomBytes, refHash, seededRandom } from './helpers/reference.js';
import { kRepoRoot } from './helpers/vectors.js';

const kBundle = path.join(kRepoRoot, 'dist', 'verify', 'merkle-verify.js');
const kPageDir = path.join(kRepoRoot, 'test', 'browser');

interface Case {
  name: string;
  kind: 'proof' | 'key' | 'digest';
  proof?: unknown;
  root?: string;
  key?: string;
  leafData?: string;
  leafHash?: string;
  hash?: 'sha256' | 'blake3';
  data?: string;
  /** What the test wants: 'ok', or the error code the refusal must carry. */
  want: string;
  /** For 'ok' cases with a value: what it must equal. */
  value?: unknown;
}
interface CaseResult {
  name: string;
  ok: boolean;
  value?: unknown;
  code?: string | null;
  error?: string;
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
/** flipHex changes the first hex digit of `text` (a different hash of the same length). */
const flipHex = (text: string): string => (text[0] === '0' ? '1' : '0') + text.slice(1);

function run(args: string[]): string {
  const result = merkle(args);
  if (result.code !== 0) throw new Error(`merkle ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

const { dir, cleanup } = tempDir();
const file = (name: string) => path.join(dir, name);
let cases: Case[] = [];

/** makeCases builds trees with the CLI and turns its proofs into valid and tampered cases. */
async function makeCases(): Promise<Case[]> {
  const random = seededRandom(2112);
  const data = randomBytes(random, 100_000);
  writeFileSync(file('data.bin'), data);
  writeFileSync(file('small.bin'), data.subarray(0, 500));
  writeFileSync(file('prefix.bin'), data.subarray(0, 40 * 1024)); // whole blocks: a prefix of the leaves
  const txids = Array.from({ length: 7 }, () => hex(randomBytes(random, 32)));
  writeFileSync(file('txids.txt'), `${txids.join('\n')}\n`);
  const out: Case[] = [];
  const proofOf = (tree: string, index: number) => JSON.parse(run(['proof', tree, String(index)])) as Record<string, unknown> & { root: string; path: string[]; leafHash: string };
  const block = (i: number, size: number) => hex(data.subarray(i * size, (i + 1) * size));

  run(['build', file('data.bin'), '-o', file('rfc.mtree'), '--block-size', '1024']);
  const rfc = proofOf(file('rfc.mtree'), 17);
  out.push(
    { name: 'rfc9162 inclusion', kind: 'proof', proof: rfc, root: rfc.root, want: 'ok' },
    { name: 'rfc9162 inclusion, leaf from its data', kind: 'proof', proof: rfc, root: rfc.root, leafData: block(17, 1024), want: 'ok' },
    { name: 'rfc9162 tampered path', kind: 'proof', proof: { ...rfc, path: [flipHex(rfc.path[0]!), ...rfc.path.slice(1)] }, root: rfc.root, want: 'ERR_MERKLE_ROOT_MISMATCH' },
    { name: 'rfc9162 another root', kind: 'proof', proof: rfc, root: flipHex(rfc.root), want: 'ERR_MERKLE_ROOT_MISMATCH' },
    { name: 'rfc9162 wrong leaf data', kind: 'proof', proof: rfc, root: rfc.root, leafData: block(18, 1024), want: 'ERR_MERKLE_LEAF_MISMATCH' },
    { name: 'rfc9162 index past the tree', kind: 'proof', proof: { ...rfc, index: 98 }, root: rfc.root, want: 'ERR_MERKLE_PROOF_INDEX' },
    { name: 'rfc9162 bad hex', kind: 'proof', proof: { ...rfc, path: ['zz', ...rfc.path.slice(1)] }, root: rfc.root, want: 'ERR_MERKLE_PROOF_FORMAT' },
    { name: 'rfc9162 path one short', kind: 'proof', proof: { ...rfc, path: rfc.path.slice(1) }, root: rfc.root, want: 'ERR_MERKLE_PROOF_SIZE' },
  );

  run(['build', file('data.bin'), '-o', file('classic.mtree'), '--profile', 'classic', '--hash', 'blake3', '--block-size', '4096']);
  const classic = proofOf(file('classic.mtree'), 24);
  out.push(
    { name: 'classic/blake3 inclusion of the lone last block, from its data', kind: 'proof', proof: classic, root: classic.root, leafData: hex(data.subarray(24 * 4096)), want: 'ok' },
    { name: 'classic/blake3 tampered leaf hash', kind: 'proof', proof: { ...classic, leafHash: flipHex(classic.leafHash) }, root: classic.root, want: 'ERR_MERKLE_ROOT_MISMATCH' },
  );

  run(['build', file('data.bin'), '-o', file('b3.mtree'), '--profile', 'b3tree', '--block-size', '1024']);
  const b3 = proofOf(file('b3.mtree'), 5);
  run(['build', file('small.bin'), '-o', file('b3-small.mtree'), '--profile', 'b3tree', '--block-size', '1024']);
  const b3Small = proofOf(file('b3-small.mtree'), 0);
  out.push(
    { name: 'b3tree inclusion, leaf from its data', kind: 'proof', proof: b3, root: b3.root, leafData: block(5, 1024), want: 'ok' },
    { name: 'b3tree data of another block', kind: 'proof', proof: b3, root: b3.root, leafData: block(6, 1024), want: 'ERR_MERKLE_LEAF_MISMATCH' },
    { name: 'b3tree tampered path', kind: 'proof', proof: { ...b3, path: [...b3.path.slice(0, -1), flipHex(b3.path.at(-1)!)] }, root: b3.root, want: 'ERR_MERKLE_ROOT_MISMATCH' },
    // A one-leaf b3tree's root is the BLAKE3 hash of the data (b3sum's).
    { name: 'b3tree one leaf, from its data', kind: 'proof', proof: b3Small, root: hex(await refHash('blake3', data.subarray(0, 500))), leafData: hex(data.subarray(0, 500)), want: 'ok' },
    { name: 'b3tree one leaf without its data', kind: 'proof', proof: b3Small, root: b3Small.root, want: 'ERR_MERKLE_PROOF_NEEDS_DATA' },
  );

  run(['build', file('txids.txt'), '-o', file('btc.mtree'), '--profile', 'bitcoin', '--leaf-hashes']);
  const btc = proofOf(file('btc.mtree'), 6);
  out.push(
    { name: 'bitcoin inclusion of the lone last txid', kind: 'proof', proof: btc, root: btc.root, leafHash: txids[6], want: 'ok' },
    { name: 'bitcoin another txid', kind: 'proof', proof: btc, root: btc.root, leafHash: txids[5], want: 'ERR_MERKLE_LEAF_MISMATCH' },
  );

  run(['build', file('prefix.bin'), '-o', file('prefix.mtree'), '--block-size', '1024']);
  const consistency = JSON.parse(run(['consistency', file('prefix.mtree'), file('rfc.mtree')])) as Record<string, unknown> & { root2: string; path: string[] };
  out.push(
    { name: 'consistency', kind: 'proof', proof: consistency, root: consistency.root2, want: 'ok' },
    { name: 'consistency tampered', kind: 'proof', proof: { ...consistency, path: [flipHex(consistency.path[0]!), ...consistency.path.slice(1)] }, root: consistency.root2, want: 'ERR_MERKLE_ROOT_MISMATCH' },
  );

  run(['build', file('small.bin'), '-o', file('sha3.mtree'), '--hash', 'sha3-256', '--block-size', '64']);
  const sha3 = proofOf(file('sha3.mtree'), 1);
  out.push({ name: 'sha3-256 (not in the browser build)', kind: 'proof', proof: sha3, root: sha3.root, want: 'ERR_MERKLE_BACKEND_UNAVAILABLE' });

  const rows = Array.from({ length: 200 }, (_, i) => JSON.stringify({ key: `k${i}`, value: `value ${i}` }));
  writeFileSync(file('rows.jsonl'), `${rows.join('\n')}\n`);
  run(['kv', 'build', file('rows.jsonl'), '-o', file('kv'), '--bucket-bits', '4', '--hash', 'blake3']);
  const { root } = JSON.parse(run(['kv', 'info', file('kv'), '--json'])) as { root: string };
  const present = JSON.parse(run(['kv', 'proof', file('kv'), 'k17'])) as Record<string, unknown> & { entries: Array<Record<string, unknown>> };
  const absent = JSON.parse(run(['kv', 'proof', file('kv'), 'no such key'])) as Record<string, unknown>;
  const digest = hex(await refHash('blake3', new TextEncoder().encode('value 17')));
  out.push(
    { name: 'key proof, present', kind: 'key', proof: present, root, key: 'k17', want: 'ok', value: { key: hex(new TextEncoder().encode('k17')), present: true, digest, bucket: present['bucket'] } },
    { name: 'key proof, absent', kind: 'key', proof: absent, root, want: 'ok', value: { key: hex(new TextEncoder().encode('no such key')), present: false, bucket: absent['bucket'] } },
    { name: 'key proof about another key', kind: 'key', proof: present, root, key: 'k18', want: 'ERR_MERKLE_PROOF_KEY' },
    { name: 'key proof, tampered digest', kind: 'key', proof: { ...present, entries: [{ ...present.entries[0], digest: flipHex(present.entries[0]!['digest'] as string) }] }, root, want: 'ERR_MERKLE_ROOT_MISMATCH' },
    { name: 'key proof, another root', kind: 'key', proof: present, root: flipHex(root), want: 'ERR_MERKLE_ROOT_MISMATCH' },
    { name: 'key proof, claimed absent', kind: 'key', proof: { ...present, present: false }, root, want: 'ERR_MERKLE_PROOF_SHAPE' },
  );

  // The kernels themselves, at lengths around the SIMD lanes' and BLAKE3 chunks' boundaries.
  for (const length of [0, 1, 63, 64, 65, 1023, 1024, 1025, 4097, 70_000]) {
    const message = data.subarray(0, length);
    out.push(
      { name: `sha256 of ${length} bytes`, kind: 'digest', hash: 'sha256', data: hex(message), want: 'ok', value: createHash('sha256').update(message).digest('hex') },
      { name: `blake3 of ${length} bytes`, kind: 'digest', hash: 'blake3', data: hex(message), want: 'ok', value: hex(await refHash('blake3', message)) },
    );
  }
  return out;
}

/** judge checks every case's result against what the case wants. */
function judge(results: CaseResult[]): void {
  expect(results.map((r) => r.name)).toEqual(cases.map((c) => c.name));
  for (const [i, c] of cases.entries()) {
    const result = results[i]!;
    if (c.want === 'ok') {
      expect(result, c.name).toMatchObject({ ok: true });
      if (c.kind === 'digest') expect((result.value as { digest: string }).digest, c.name).toBe(c.value);
      else if (c.value !== undefined) expect(result.value, c.name).toEqual(c.value);
    } else {
      expect({ name: c.name, ok: result.ok, code: result.code }, result.error).toEqual({ name: c.name, ok: false, code: c.want });
    }
  }
}

beforeAll(async () => {
  cases = await makeCases();
}, 120_000);
afterAll(cleanup);

describe('the browser build in Node', () => {
  it('has no Node built-ins: no node: imports, no Buffer or process', () => {
    const code = readFileSync(kBundle, 'utf8');
    expect(code).not.toMatch(/["']node:|\bBuffer\b|\bprocess\b|\brequire\(/);
  });

  it('verifies the CLI proofs and refuses the tampered ones, as the Node package does', async () => {
    const lib: unknown = await import(pathToFileURL(kBundle).href);
    const { runCases } = (await import(pathToFileURL(path.join(kPageDir, 'run-cases.mjs')).href)) as { runCases(lib: unknown, cases: Case[]): Promise<CaseResult[]> };
    judge(await runCases(lib, cases));
  });
});

function findChromium(): string | undefined {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim() !== '') return found.stdout.trim();
  }
  return undefined;
}
const chromium = findChromium();

/** serve answers the page, the bundle, the runner and the cases, and resolves the page's report. */
function serve(): { server: Server; report: Promise<Record<string, unknown>> } {
  const files: Record<string, [string, string]> = {
    '/': [path.join(kPageDir, 'page.html'), 'text/html'],
    '/merkle-verify.js': [kBundle, 'text/javascript'],
    '/run-cases.mjs': [path.join(kPageDir, 'run-cases.mjs'), 'text/javascript'],
  };
  let deliver: (report: Record<string, unknown>) => void = () => {};
  const report = new Promise<Record<string, unknown>>((resolve) => (deliver = resolve));
  const server = createServer((request, response) => {
    if (request.method === 'POST' && request.url === '/results') {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        response.end();
        deliver(JSON.parse(body) as Record<string, unknown>);
      });
      return;
    }
    if (request.url === '/cases.json') {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(cases));
      return;
    }
    const entry = files[request.url ?? ''];
    if (!entry) {
      response.statusCode = 404;
      response.end();
      return;
    }
    response.setHeader('content-type', entry[1]);
    response.end(readFileSync(entry[0]));
  });
  return { server, report };
}

describe.skipIf(!chromium)(chromium ? 'the browser build in headless Chromium' : 'the browser build in headless Chromium: skipped, chromium is not installed (apt-get install chromium)', () => {
  it('verifies the CLI proofs and refuses the tampered ones in a real browser', async () => {
    const { server, report } = serve();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const profile = tempDir();
    // Headless, and nothing but the loopback page: no background networking of any kind.
    const browser = spawn(chromium!, [
      '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-domain-reliability', '--no-pings',
      `--user-data-dir=${profile.dir}`, `http://127.0.0.1:${port}/`,
    ], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    browser.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no report from the page in 60 s; chromium said: ${stderr}`)), 60_000);
      });
      const exited = new Promise<never>((_, reject) => browser.once('exit', (code) => reject(new Error(`chromium exited ${code} before the page reported: ${stderr}`))));
      const page = await Promise.race([report, timeout, exited]);
      expect(page['fatal'], 'the page failed').toBeUndefined();
      expect(page['environment']).toMatchObject({ Buffer: 'undefined', process: 'undefined', require: 'undefined', userAgent: expect.stringContaining('Chrome') });
      judge(page['results'] as CaseResult[]);
    } finally {
      clearTimeout(timer);
      try {
        process.kill(-browser.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      profile.cleanup();
    }
  }, 90_000);
});

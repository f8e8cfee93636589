import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { copyFile, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTree } from '../src/api/build.js';
import { InputError, TreeFileError } from '../src/errors.js';
import type { HashName } from '../src/hash/types.js';
import { openTree } from '../src/api/open-tree.js';
import { syncFile, type SyncOptions } from '../src/sync/client.js';
import { SyncProtocolError, SyncRootChangedError, SyncTimeoutError, SyncVerifyError } from '../src/errors.js';
import type { TreeMeta } from '../src/sync/protocol.js';
import { startSyncServer, type SyncServer } from '../src/sync/server.js';
import { levelCount } from '../src/tree/levels.js';
import type { ProfileName } from '../src/tree/profile.js';
import { merkle } from './helpers/cli.js';
import { kRepoRoot } from './helpers/vectors.js';
import { startLyingProxy, type Tamper } from './fixtures/sync-proxy.js';
import { randomBytes, seededRandom } from './helpers/reference.js';

const randomBuffer = (length: number, random: () => number): Buffer => Buffer.from(randomBytes(random, length));

const kSeed = 0x5e7c;

/** The JSON body of a refused sync request (src/sync/server.ts). */
type ErrorBody = { error: { code: string; message: string } };

/** Flips one byte in each of k distinct blocks; returns the blocks, sorted. */
function changeBlocks(data: Uint8Array, blockSize: number, k: number, random: () => number): number[] {
  const blocks = Math.ceil(data.length / blockSize);
  const chosen = new Set<number>();
  while (chosen.size < Math.min(k, blocks)) chosen.add(Math.floor(random() * blocks));
  for (const block of chosen) data[block * blockSize + Math.floor(random() * Math.min(blockSize, data.length - block * blockSize))]! ^= 0x5a;
  return [...chosen].sort((a, b) => a - b);
}

interface Kind {
  readonly profile: ProfileName;
  readonly hash: HashName;
}

let dir: string;
const servers: SyncServer[] = [];
const closers: (() => Promise<void>)[] = [];
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'merkle-sync-'));
});
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  for (const server of servers.splice(0)) await server.close();
  await rm(dir, { recursive: true, force: true });
});

const file = (name: string) => path.join(dir, name);

/** serve writes `remote` with its tree and serves them; the tree is built with `kind` and `blockSize`. */
async function serve(remote: Uint8Array, blockSize: number, kind: Kind = { profile: 'rfc9162', hash: 'sha256' }): Promise<SyncServer> {
  await writeFile(file('remote.bin'), remote);
  await buildTree(file('remote.bin'), { ...kind, blockSize, out: file('remote.mtree') });
  const server = await startSyncServer({ tree: file('remote.mtree'), data: file('remote.bin') });
  servers.push(server);
  return server;
}

async function lyingProxy(upstream: SyncServer, tamper: Tamper): Promise<string> {
  const proxy = await startLyingProxy(upstream.url, tamper);
  closers.push(() => proxy.close());
  return proxy.url;
}

/** Temp files left beside the local file: a clean abort leaves none. */
async function strayTemps(): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith('.tmp'));
}

const kinds: Kind[] = [
  { profile: 'rfc9162', hash: 'sha256' },
  { profile: 'classic', hash: 'sha256' },
  { profile: 'b3tree', hash: 'blake3' },
];

describe.each(kinds)('syncFile over loopback HTTP, $profile', (kind) => {
  const blockSize = 1024;
  const blocks = 512;

  it.each([0, 1, 50, blocks])('patches exactly %i changed blocks and the files end equal', async (k) => {
    const random = seededRandom(kSeed + k);
    const remote = randomBuffer(blocks * blockSize, random);
    const server = await serve(remote, blockSize, kind);
    const local = Buffer.from(remote);
    const changed = changeBlocks(local, blockSize, k, random);
    await writeFile(file('local.bin'), local);
    const report = await syncFile(server.url, file('local.bin'), { levelsPerTrip: 4 });
    expect(Buffer.compare(await readFile(file('local.bin')), remote)).toBe(0);
    expect(report.changed).toBe(k > 0);
    expect(report.blocksPatched).toBe(changed.length);
    expect(report.ranges.flatMap((r) => Array.from({ length: r.end - r.begin }, (_, i) => r.begin + i))).toEqual(changed);
    // Metadata, one request per 4 levels below what came with it, one for the blocks.
    const levels = levelCount(blocks) - 1;
    expect(report.roundTrips).toBeLessThanOrEqual(k === 0 ? 1 : Math.ceil(levels / 4) + 1);
    if (k === 1) {
      expect(report.bytesTransferred).toBeLessThan(blockSize + 8 * 1024);
      expect(report.ratio).toBeLessThan(0.02);
    }
    expect(await strayTemps()).toEqual([]);
  });

  it.each([
    ['longer', 700, 300],
    ['shorter', 300, 700],
    ['missing', 300, -1],
    ['empty', 300, 0],
    ['emptied', 0, 300],
    ['one block', 1, 300],
  ])('handles a local file that is %s (remote %i blocks, local %i)', async (_name, remoteBlocks, localBlocks) => {
    const random = seededRandom(kSeed + remoteBlocks + localBlocks);
    const common = randomBuffer(Math.max(remoteBlocks, localBlocks, 0) * blockSize + 100, random);
    const remote = common.subarray(0, remoteBlocks * blockSize - (remoteBlocks > 0 ? 17 : 0));
    const server = await serve(remote, blockSize, kind);
    if (localBlocks >= 0) {
      const local = Buffer.from(common.subarray(0, localBlocks * blockSize));
      changeBlocks(local.subarray(0, Math.min(local.length, remote.length)), blockSize, 2, random);
      await writeFile(file('local.bin'), local);
    }
    const report = await syncFile(server.url, file('local.bin'));
    expect(report.changed).toBe(true);
    expect(Buffer.compare(await readFile(file('local.bin')), remote)).toBe(0);
    expect(report.sizeAfter).toBe(remote.length);
  });
});

describe('syncFile with a local tree file', () => {
  it('builds the tree, rebuilds it after patching, and finds nothing to do the second time', async () => {
    const random = seededRandom(kSeed);
    const remote = randomBuffer(300 * 4096 + 5, random);
    const server = await serve(remote, 4096);
    const local = Buffer.from(remote);
    changeBlocks(local, 4096, 3, random);
    await writeFile(file('local.bin'), local);
    const first = await syncFile(server.url, file('local.bin'), { tree: file('local.mtree') });
    expect(first).toMatchObject({ changed: true, blocksPatched: 3, treeBuilt: true });
    const tree = await openTree(file('local.mtree'));
    const remoteTree = await openTree(file('remote.mtree'));
    expect(tree.rootHex).toBe(remoteTree.rootHex);
    await tree.close();
    await remoteTree.close();
    const second = await syncFile(server.url, file('local.bin'), { tree: file('local.mtree') });
    expect(second).toMatchObject({ changed: false, treeBuilt: false, roundTrips: 1, blocksPatched: 0 });
  });

  it('refuses a peer whose root is not the trusted one before writing anything, and syncs from the trusted root', async () => {
    const random = seededRandom(kSeed + 5);
    const remote = randomBuffer(64 * 4096, random);
    const server = await serve(remote, 4096);
    const local = Buffer.from(remote);
    changeBlocks(local, 4096, 2, random);
    await writeFile(file('local.bin'), local);
    const trusted = (await buildTree(file('local.bin'), { blockSize: 4096 })).rootHex; // consistent, but not the peer's
    await expect(syncFile(server.url, file('local.bin'), { tree: file('pinned.mtree'), expectedRoot: trusted })).rejects.toThrow(new RegExp(`not the trusted root ${trusted}`));
    expect(Buffer.compare(await readFile(file('local.bin')), local)).toBe(0);
    await expect(stat(file('pinned.mtree'))).rejects.toThrow(/ENOENT/);
    await expect(syncFile(server.url, file('local.bin'), { expectedRoot: 'xyz' })).rejects.toThrow(InputError);
    const remoteRoot = (await buildTree(file('remote.bin'), { blockSize: 4096 })).rootHex;
    const report = await syncFile(server.url, file('local.bin'), { expectedRoot: remoteRoot.toUpperCase() });
    expect(report).toMatchObject({ changed: true, blocksPatched: 2, root: remoteRoot });
  });

  it('rebuilds a stale tree instead of trusting it', async () => {
    const random = seededRandom(kSeed + 1);
    const remote = randomBuffer(64 * 1024, random);
    const server = await serve(remote, 1024);
    await writeFile(file('local.bin'), remote);
    await buildTree(file('local.bin'), { blockSize: 1024, out: file('local.mtree') });
    const changed = Buffer.from(remote);
    changed[5000]! ^= 1;
    await writeFile(file('local.bin'), changed);
    await utimes(file('local.bin'), new Date(), new Date(Date.now() + 5000));
    const report = await syncFile(server.url, file('local.bin'), { tree: file('local.mtree') });
    expect(report).toMatchObject({ changed: true, blocksPatched: 1, treeBuilt: true });
    expect(Buffer.compare(await readFile(file('local.bin')), remote)).toBe(0);
  });
});

describe('syncFile against a lying or failing peer', () => {
  const blockSize = 1024;
  let server: SyncServer;
  let before: Buffer;
  let remote: Buffer;

  beforeEach(async () => {
    const random = seededRandom(kSeed + 7);
    remote = randomBuffer(1024 * blockSize, random);
    server = await serve(remote, blockSize);
    before = Buffer.from(remote);
    changeBlocks(before, blockSize, 5, random);
    await writeFile(file('local.bin'), before);
  });

  async function expectAbort(url: string, error: new (...args: never[]) => Error, code: string, options: SyncOptions = {}): Promise<void> {
    await expect(syncFile(url, file('local.bin'), options)).rejects.toSatisfy((e: unknown) => e instanceof error && (e as Error & { code: string }).code === code);
    expect(Buffer.compare(await readFile(file('local.bin')), before)).toBe(0);
    expect(await strayTemps()).toEqual([]);
  }

  const flipByte = (body: Buffer, at: number) => {
    const copy = Buffer.from(body);
    copy[at]! ^= 1;
    return copy;
  };

  it('refuses a flipped block', async () => {
    const url = await lyingProxy(server, (x) => (x.path === '/v1/blocks' ? { body: flipByte(x.body, x.body.length - 1) } : undefined));
    await expectAbort(url, SyncVerifyError, 'ERR_SYNC_VERIFY');
  });

  it('refuses a wrong node', async () => {
    const url = await lyingProxy(server, (x) => (x.path === '/v1/nodes' ? { body: flipByte(x.body, 40) } : undefined));
    await expectAbort(url, SyncVerifyError, 'ERR_SYNC_VERIFY');
  });

  it('refuses wrong top nodes in the metadata', async () => {
    const url = await lyingProxy(server, (x) => {
      if (!x.path.startsWith('/v1/meta')) return undefined;
      const meta = JSON.parse(x.body.toString());
      const nodes = Buffer.from(meta.top[1].nodes, 'base64');
      nodes[3]! ^= 1;
      meta.top[1].nodes = nodes.toString('base64');
      return { body: Buffer.from(JSON.stringify(meta)) };
    });
    await expectAbort(url, SyncVerifyError, 'ERR_SYNC_VERIFY');
  });

  it('refuses a truncated answer', async () => {
    const url = await lyingProxy(server, (x) => (x.path === '/v1/blocks' ? { truncateTo: Math.floor(x.body.length / 2) } : undefined));
    await expectAbort(url, SyncProtocolError, 'ERR_SYNC_PROTOCOL');
  });

  it('refuses an answer longer than asked for', async () => {
    const url = await lyingProxy(server, (x) => (x.path === '/v1/nodes' ? { body: Buffer.concat([x.body, Buffer.alloc(32)]) } : undefined));
    await expectAbort(url, SyncProtocolError, 'ERR_SYNC_PROTOCOL');
  });

  it('refuses an oversized or malformed metadata document', async () => {
    const huge = await lyingProxy(server, (x) => (x.path.startsWith('/v1/meta') ? { body: Buffer.alloc(2 * 1024 * 1024, 0x20) } : undefined));
    await expectAbort(huge, SyncProtocolError, 'ERR_SYNC_PROTOCOL');
    const garbage = await lyingProxy(server, (x) => (x.path.startsWith('/v1/meta') ? { body: Buffer.from('{"protocol":1,"profile":"nope"}') } : undefined));
    await expectAbort(garbage, SyncProtocolError, 'ERR_SYNC_PROTOCOL');
  });

  it('gives up on a stalled peer after the idle timeout', async () => {
    const url = await lyingProxy(server, (x) => (x.path === '/v1/nodes' ? { stall: true } : undefined));
    const started = Date.now();
    await expectAbort(url, SyncTimeoutError, 'ERR_SYNC_TIMEOUT', { idleTimeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('stops when the root changes mid-sync', async () => {
    const url = await lyingProxy(server, (x) => (x.path === '/v1/blocks' ? { headers: { 'x-merkle-root': 'ab'.repeat(32) } } : undefined));
    await expectAbort(url, SyncRootChangedError, 'ERR_SYNC_ROOT_CHANGED');
  });

  it('stops when the peer answers 409 for the root the sync began with', async () => {
    const url = await lyingProxy(server, (x) =>
      x.path === '/v1/blocks' ? { status: 409, body: Buffer.from('{"error":{"code":"ERR_SYNC_ROOT_CHANGED","message":"new data"}}'), headers: { 'content-type': 'application/json' } } : undefined,
    );
    await expectAbort(url, SyncRootChangedError, 'ERR_SYNC_ROOT_CHANGED');
  });

  it('refuses an error document passed off as nodes', async () => {
    const url = await lyingProxy(server, (x) => (x.path === '/v1/nodes' ? { body: Buffer.from('{"error":{"code":"ERR_X","message":"no"}}') } : undefined));
    await expectAbort(url, SyncProtocolError, 'ERR_SYNC_PROTOCOL');
  });

  it('stops, keeping the new writes, when the local file is written to mid-sync', async () => {
    const written = Buffer.concat([before, Buffer.from('appended by someone else')]);
    const url = await lyingProxy(server, (x) => {
      if (x.path === '/v1/blocks') writeFileSync(file('local.bin'), written);
      return undefined;
    });
    await expect(syncFile(url, file('local.bin'))).rejects.toMatchObject({ code: 'ERR_SYNC_LOCAL_CHANGED' });
    expect(Buffer.compare(await readFile(file('local.bin')), written)).toBe(0);
    expect(await strayTemps()).toEqual([]);
  });

  it('leaves the old file when the patch fails before the rename, and a rerun completes', async () => {
    await expect(
      syncFile(server.url, file('local.bin'), {
        _beforeRename: () => {
          throw new Error('injected crash before rename');
        },
      }),
    ).rejects.toThrow('injected crash before rename');
    expect(Buffer.compare(await readFile(file('local.bin')), before)).toBe(0);
    expect(await strayTemps()).toEqual([]);
    await syncFile(server.url, file('local.bin'));
    expect(Buffer.compare(await readFile(file('local.bin')), remote)).toBe(0);
  });

  it('a client SIGKILLed just before the rename leaves the old file, and a rerun completes', async () => {
    const distIndex = path.join(kRepoRoot, 'dist', 'index.js');
    expect(existsSync(distIndex), 'run `npm run build` first: the child imports dist/').toBe(true);
    const child = spawn(process.execPath, [path.join(kRepoRoot, 'test', 'fixtures', 'sync-killed-client.mjs'), `file://${distIndex}`, server.url, file('local.bin')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
    expect(signal, stderr).toBe('SIGKILL');
    expect(Buffer.compare(await readFile(file('local.bin')), before)).toBe(0);
    // The flushed copy is left behind (a killed process cannot clean up); the file itself is whole.
    expect((await strayTemps()).length).toBe(1);
    await syncFile(server.url, file('local.bin'));
    expect(Buffer.compare(await readFile(file('local.bin')), remote)).toBe(0);
    // The rerun removed the dead process's copy.
    expect(await strayTemps()).toEqual([]);
  });
});

describe('sync server', () => {
  it('binds loopback by default and bounds every request', async () => {
    const remote = randomBuffer(200 * 64, seededRandom(kSeed));
    const server = await serve(remote, 64);
    expect(server.host).toBe('127.0.0.1');
    const meta = (await (await fetch(`${server.url}/v1/meta?depth=2`)).json()) as TreeMeta;
    expect(meta).toMatchObject({ protocol: 1, profile: 'rfc9162', hash: 'sha256', blockSize: 64, leafCount: 200, dataLength: 200 * 64 });
    const post = (route: string, body: unknown) => fetch(`${server.url}${route}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

    const ok = await post('/v1/nodes', { root: meta.root, ranges: [{ level: 0, begin: 0, end: 4 }] });
    expect(ok.status).toBe(200);
    expect((await ok.arrayBuffer()).byteLength).toBe(4 * 32);

    const wrongRoot = await post('/v1/nodes', { root: 'ab'.repeat(32), ranges: [{ level: 0, begin: 0, end: 1 }] });
    expect(wrongRoot.status).toBe(409);
    expect(((await wrongRoot.json()) as ErrorBody).error.code).toBe('ERR_SYNC_ROOT_CHANGED');

    const pastEnd = await post('/v1/nodes', { root: meta.root, ranges: [{ level: 0, begin: 199, end: 201 }] });
    expect(pastEnd.status).toBe(400);
    const tooMany = await post('/v1/blocks', { root: meta.root, ranges: Array.from({ length: 5000 }, (_, i) => ({ begin: i % 200, end: (i % 200) + 1 })) });
    expect(tooMany.status).toBe(400);
    const huge = await post('/v1/blocks', { root: meta.root, ranges: [], padding: 'x'.repeat(300 * 1024) });
    expect(huge.status).toBe(413);
    expect((await fetch(`${server.url}/v1/meta?depth=99`)).status).toBe(400);
    expect((await fetch(`${server.url}/etc/passwd`)).status).toBe(404);

    // The data changes under the server: every answer is refused from then on.
    await utimes(file('remote.bin'), new Date(), new Date(Date.now() + 10_000));
    const stale = await fetch(`${server.url}/v1/meta`);
    expect(stale.status).toBe(503);
    expect(((await stale.json()) as ErrorBody).error.code).toBe('ERR_SYNC_STALE');
  });

  it('refuses to start on a stale tree or a tree without block leaves', async () => {
    const remote = randomBuffer(4096, seededRandom(kSeed));
    await writeFile(file('data.bin'), remote);
    await buildTree(file('data.bin'), { blockSize: 64, out: file('data.mtree') });
    await writeFile(file('data.bin'), Buffer.concat([remote, Buffer.from('more')]));
    await expect(startSyncServer({ tree: file('data.mtree'), data: file('data.bin') })).rejects.toSatisfy((e: unknown) => e instanceof TreeFileError && e.code === 'ERR_MTREE_STALE');
    await buildTree({ records: [remote] }, { out: file('records.mtree') });
    await expect(startSyncServer({ tree: file('records.mtree'), data: file('data.bin') })).rejects.toThrow(/only trees of block leaves/);
  });
});

describe('merkle serve and merkle sync (CLI)', () => {
  it('syncs a file from a served one and reports the transfer as JSON', async () => {
    const random = seededRandom(kSeed + 3);
    const remote = randomBuffer(256 * 1024, random);
    await writeFile(file('remote.bin'), remote);
    expect(merkle(['build', file('remote.bin'), '--block-size', '1KiB', '-o', file('remote.mtree')]).code).toBe(0);
    const child = spawn(process.execPath, [path.join(kRepoRoot, 'bin', 'merkle.cjs'), 'serve', file('remote.mtree'), '--data', file('remote.bin'), '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    closers.push(async () => {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk) => {
        out += chunk;
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      child.once('exit', (code) => reject(new Error(`serve exited ${code}`)));
    });
    const { url } = JSON.parse(line);
    const local = Buffer.from(remote);
    changeBlocks(local, 1024, 4, random);
    await writeFile(file('local.bin'), local);
    const result = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const sync = spawn(process.execPath, [path.join(kRepoRoot, 'bin', 'merkle.cjs'), 'sync', url, file('local.bin'), '--tree', file('local.mtree'), '--json']);
      let stdout = '';
      sync.stdout.on('data', (chunk) => (stdout += chunk));
      sync.on('exit', (code) => resolve({ code, stdout }));
    });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ changed: true, blocksPatched: 4, fullCopyBytes: remote.length });
    expect(report.ratio).toBeLessThan(0.05);
    expect(Buffer.compare(await readFile(file('local.bin')), remote)).toBe(0);
    const diff = merkle(['diff', file('local.mtree'), file('remote.mtree')]);
    expect(diff.code).toBe(0);
    const pinned = merkle(['sync', url, file('local.bin'), '--root', '00'.repeat(32)]);
    expect([pinned.code, pinned.stderr]).toEqual([1, expect.stringMatching(/sync aborted, .* unchanged: the peer serves root [0-9a-f]{64}, not the trusted root 0{64} \(ERR_SYNC_VERIFY\)/)]);
  });

  it('exits 1 and leaves the file when the peer cannot be reached', async () => {
    await copyFile(path.join(kRepoRoot, 'package.json'), file('local.bin'));
    const before = await readFile(file('local.bin'));
    const result = spawnSync(process.execPath, [path.join(kRepoRoot, 'bin', 'merkle.cjs'), 'sync', 'http://127.0.0.1:1', file('local.bin')], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/sync aborted, .* unchanged: .*ERR_SYNC_REMOTE/);
    expect(Buffer.compare(await readFile(file('local.bin')), before)).toBe(0);
  });
});

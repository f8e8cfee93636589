/**
 * Authenticated, encrypted peers: serve and sync (files and keyed data) over HTTPS with a
 * throwaway CA made by openssl, and a bearer token. A wrong token, no token, a wrong CA and a
 * plain-http client are refused; a non-loopback server needs a token; the token never appears
 * in any output.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTree } from '../src/api/build.js';
import { InputError, SyncRemoteError } from '../src/errors.js';
import { openKeyedTree } from '../src/keyed/open.js';
import { startKeyedSyncServer } from '../src/keyed/sync/server.js';
import { syncKeyed } from '../src/keyed/sync/client.js';
import { syncFile } from '../src/sync/client.js';
import { checkAccess } from '../src/sync/http.js';
import { startSyncServer } from '../src/sync/server.js';
import { merkle } from './helpers/cli.js';
import { randomBytes, seededRandom } from './helpers/reference.js';
import { kRepoRoot } from './helpers/vectors.js';

const dir = mkdtempSync(path.join(tmpdir(), 'merkle-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string) => path.join(dir, name);
const kToken = 'tok-3f9a1c77e0b24d5e8f6a';

function openssl(...args: string[]): void {
  const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${result.stderr}`);
}

const haveOpenssl = spawnSync('openssl', ['version']).status === 0;

beforeAll(() => {
  if (!haveOpenssl) return;
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=merkle test CA');
  openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(file('ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf');
  openssl('req', '-x509', ...ec, '-keyout', 'other.key', '-out', 'other.pem', '-days', '2', '-subj', '/CN=another CA');
  writeFileSync(file('token'), `${kToken}\n`);
  writeFileSync(file('wrong-token'), 'not-the-token\n');
});

const tls = () => ({ cert: readFileSync(file('server.pem')), key: readFileSync(file('server.key')) });

describe.skipIf(!haveOpenssl)(haveOpenssl ? 'TLS and tokens (a throwaway CA made by openssl)' : 'TLS and tokens: skipped, openssl is not installed', () => {
  it('syncs a file over HTTPS with the token, and refuses a wrong token, no token, a wrong CA and plain http', async () => {
    const remote = Buffer.from(randomBytes(seededRandom(11), 64 * 1024));
    writeFileSync(file('remote.bin'), remote);
    await buildTree(file('remote.bin'), { blockSize: 4096, out: file('remote.mtree') });
    const server = await startSyncServer({ tree: file('remote.mtree'), data: file('remote.bin'), access: { tls: tls(), token: kToken } });
    try {
      expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const ca = readFileSync(file('ca.pem'));
      const local = Buffer.from(remote);
      local[5000]! ^= 1;
      writeFileSync(file('local.bin'), local);
      for (const [options, pattern] of [
        [{ ca, token: 'wrong' }, /wants a valid bearer token/],
        [{ ca }, /wants a valid bearer token/],
        [{ ca: readFileSync(file('other.pem')), token: kToken }, /certificate/],
        [{ token: kToken }, /certificate/],
      ] as const) {
        const failure = await syncFile(server.url, file('local.bin'), options).catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(SyncRemoteError);
        expect((failure as Error).message).toMatch(pattern);
        expect((failure as Error).message).not.toContain(kToken);
      }
      await expect(syncFile(server.url.replace('https:', 'http:'), file('local.bin'), { token: kToken })).rejects.toThrow(SyncRemoteError);
      expect(Buffer.compare(readFileSync(file('local.bin')), local)).toBe(0);
      const report = await syncFile(server.url, file('local.bin'), { ca, token: kToken });
      expect(report).toMatchObject({ changed: true, blocksPatched: 1 });
      expect(Buffer.compare(readFileSync(file('local.bin')), remote)).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('repairs keyed data over HTTPS with the token', async () => {
    const served = await openKeyedTree(undefined, { bucketBits: 6 });
    const local = await openKeyedTree(undefined, { bucketBits: 6 });
    const rows = new Map<string, Buffer>();
    for (let i = 0; i < 200; i++) rows.set(`k${i}`, Buffer.from(`v${i}`));
    served.batch([...rows].map(([key, value]) => ({ type: 'put' as const, key, value })));
    local.batch([...rows].filter(([key]) => key !== 'k7').map(([key, value]) => ({ type: 'put' as const, key, value })));
    const server = await startKeyedSyncServer({ tree: served, rows: { rows: (keys) => keys.map((k) => rows.get(Buffer.from(k).toString())) }, access: { tls: tls(), token: kToken } });
    try {
      const sink = { apply: () => undefined };
      await expect(syncKeyed(server.url, local, sink, { ca: readFileSync(file('ca.pem')) })).rejects.toThrow(/wants a valid bearer token/);
      const report = await syncKeyed(server.url, local, sink, { ca: readFileSync(file('ca.pem')), token: kToken });
      expect(report).toMatchObject({ rowsPut: 1, root: Buffer.from(served.root()).toString('hex') });
    } finally {
      await server.close();
    }
  });

  it('a server reachable from other hosts needs a token, unless told it may go without', async () => {
    expect(() => checkAccess('0.0.0.0', {})).toThrow(InputError);
    expect(() => checkAccess('0.0.0.0', {})).toThrow(/refusing to serve 0\.0\.0\.0 without a token/);
    expect(() => checkAccess('192.168.1.10', { insecure: false })).toThrow(/without a token/);
    expect(() => checkAccess('0.0.0.0', { token: kToken })).not.toThrow();
    expect(() => checkAccess('0.0.0.0', { insecure: true })).not.toThrow();
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) expect(() => checkAccess(host, {})).not.toThrow();
    expect(() => checkAccess('127.0.0.1', { token: '' })).toThrow(/token is empty/);
    // The CLI refuses before it opens anything, with exit 2.
    const refused = merkle(['serve', file('remote.mtree'), '--data', file('remote.bin'), '--host', '0.0.0.0']);
    expect([refused.code, refused.stderr]).toEqual([2, expect.stringMatching(/refusing to serve 0\.0\.0\.0 without a token/)]);
    const badCert = merkle(['serve', file('remote.mtree'), '--data', file('remote.bin'), '--tls-cert', file('token'), '--tls-key', file('server.key')]);
    expect([badCert.code, badCert.stderr]).toEqual([2, expect.stringMatching(/TLS certificate and key cannot be used/)]);
    const half = merkle(['serve', file('remote.mtree'), '--data', file('remote.bin'), '--tls-cert', file('server.pem')]);
    expect([half.code, half.stderr]).toEqual([2, expect.stringMatching(/--tls-cert and --tls-key go together/)]);
  });

  it('merkle serve / sync over HTTPS with --token-file: synced, the token in no output', async () => {
    const remote = Buffer.from(randomBytes(seededRandom(12), 32 * 1024));
    writeFileSync(file('cli-remote.bin'), remote);
    expect(merkle(['build', file('cli-remote.bin'), '--block-size', '1KiB', '-o', file('cli-remote.mtree')]).code).toBe(0);
    const child = spawn(process.execPath, [path.join(kRepoRoot, 'bin', 'merkle.cjs'), 'serve', file('cli-remote.mtree'), '--data', file('cli-remote.bin'), '--tls-cert', file('server.pem'), '--tls-key', file('server.key'), '--token-file', file('token')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let serverOutput = '';
    child.stderr.on('data', (chunk: Buffer) => (serverOutput += chunk.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          serverOutput += chunk.toString();
          const match = /https:\/\/127\.0\.0\.1:\d+/.exec(serverOutput);
          if (match) resolve(match[0]);
        });
        child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${serverOutput}`)));
      });
      const local = Buffer.from(remote);
      local[100]! ^= 1;
      writeFileSync(file('cli-local.bin'), local);
      const wrong = merkle(['sync', url, file('cli-local.bin'), '--ca', file('ca.pem'), '--token-file', file('wrong-token')]);
      expect([wrong.code, wrong.stderr]).toEqual([1, expect.stringMatching(/wants a valid bearer token/)]);
      const ok = merkle(['sync', url, file('cli-local.bin'), '--ca', file('ca.pem'), '--token-file', file('token'), '--json']);
      expect(ok.code, ok.stderr).toBe(0);
      expect(JSON.parse(ok.stdout)).toMatchObject({ changed: true, blocksPatched: 1 });
      expect(Buffer.compare(readFileSync(file('cli-local.bin')), remote)).toBe(0);
      for (const output of [wrong.stdout, wrong.stderr, ok.stdout, ok.stderr, serverOutput]) expect(output).not.toContain(kToken);
      const empty = merkle(['sync', url, file('cli-local.bin'), '--ca', file('ca.pem'), '--token-file', file('ext.cnf.missing')]);
      expect([empty.code, empty.stderr]).toEqual([2, expect.stringMatching(/--token-file .*cannot read \(ENOENT\)/)]);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    expect(serverOutput).not.toContain(kToken);
  });
});

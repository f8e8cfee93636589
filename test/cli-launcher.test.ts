/**
 * bin/merkle.cjs, the launcher: it runs the CLI bundle from V8's code cache when the cache
 * belongs to that bundle, compiles it otherwise, and routes the bundle's dynamic imports
 * (hash-wasm, bench peers) through itself. Also: standard output written without process.stdout
 * (src/cli/output.ts) ends quietly when its reader goes away.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTree } from '../src/api/build.js';
import { merkle, tempDir } from './helpers/cli.js';
import { kRepoRoot } from './helpers/vectors.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

const data = new Uint8Array(Array.from({ length: 300_000 }, (_, i) => (i * 13) % 251));
const dataFile = path.join(dir, 'data.bin');
writeFileSync(dataFile, data);

const bundlePath = path.join(kRepoRoot, 'dist', 'cli', 'merkle.cjs');
const cachePath = `${bundlePath}.cache`;
const buildIdOf = (bundle: string): string => /^\/\/ merkle-engine build ([0-9a-f]{32})\n/.exec(bundle)![1]!;

/** A copy of the command (launcher, bundle, optional cache) in its own directory: a package without node_modules or addon. */
function commandCopy(name: string, bundle: string, cache?: Uint8Array): string {
  const root = path.join(dir, name);
  mkdirSync(path.join(root, 'bin'), { recursive: true });
  mkdirSync(path.join(root, 'dist', 'cli'), { recursive: true });
  copyFileSync(path.join(kRepoRoot, 'bin', 'merkle.cjs'), path.join(root, 'bin', 'merkle.cjs'));
  writeFileSync(path.join(root, 'dist', 'cli', 'merkle.cjs'), bundle);
  if (cache) writeFileSync(path.join(root, 'dist', 'cli', 'merkle.cjs.cache'), cache);
  return path.join(root, 'bin', 'merkle.cjs');
}

const run = (launcher: string, args: string[]) => spawnSync(process.execPath, [launcher, ...args], { encoding: 'utf8' });

describe('the code cache', () => {
  it('is written by the build, and starts with the build id on the bundle\'s first line', () => {
    const bundle = readFileSync(bundlePath, 'utf8');
    const cache = readFileSync(cachePath);
    expect(cache.subarray(0, 16).toString('hex')).toBe(buildIdOf(bundle));
    expect(cache.length).toBeGreaterThan(1000);
  });

  it('gives the same root with the cache, with a cache of another build, with a damaged one, and without', async () => {
    const want = `${(await buildTree(data, { blockSize: 4096 })).rootHex}\n`;
    const bundle = readFileSync(bundlePath, 'utf8');
    const cache = readFileSync(cachePath);
    const otherBuild = Buffer.concat([Buffer.alloc(16, 0xab), cache.subarray(16)]);
    const corrupt = Buffer.concat([cache.subarray(0, 20), Buffer.alloc(cache.length - 20, 0x5a)]);
    // One byte changed in V8's data: V8 (release builds) does not checksum a code cache, and
    // without the launcher's checksum these two crashed Node (SIGSEGV; V8_Fatal in the
    // deserializer) when tried on this machine.
    const flipped = (at: number): Buffer => {
      const copy = Buffer.from(cache);
      copy[Math.floor(cache.length * at)]! ^= 0x40;
      return copy;
    };
    const copies = {
      cached: commandCopy('cached', bundle, cache),
      'cache of another build': commandCopy('other', bundle, otherBuild),
      'corrupt cache': commandCopy('corrupt', bundle, corrupt),
      'cache with a byte changed at 30 %': commandCopy('flipped-30', bundle, flipped(0.3)),
      'cache with a byte changed at 50 %': commandCopy('flipped-50', bundle, flipped(0.5)),
      'no cache': commandCopy('none', bundle),
      'bundle without a build id': commandCopy('no-id', bundle.replace(/^\/\/ merkle-engine build [0-9a-f]{32}\n/, '// edited by hand\n'), cache),
    };
    for (const [name, launcher] of Object.entries(copies)) {
      const result = run(launcher, ['build', dataFile, '--block-size', '4KiB', '--threads', '1']);
      // The copy has no addon: the one thing on stderr is the one-line warning saying so.
      expect(result.stderr, name).toMatch(/^merkle: warning: hashing with the (node|wasm) backend: native addon not loaded [^\n]*\n$/);
      expect(result.stdout, name).toBe(want);
      expect(result.status, name).toBe(0);
    }
  });
});

describe('modules the bundle loads at run time', () => {
  it('piscina (a pool of threads, required) and hash-wasm (xxh128, imported through the launcher)', async () => {
    const pooled = merkle(['build', dataFile, '--block-size', '4KiB', '--segment-size', '16KiB', '--threads', '2']);
    expect(pooled.stderr).toBe('');
    expect(pooled.stdout).toBe(`${(await buildTree(data, { blockSize: 4096 })).rootHex}\n`);
    const xxh = merkle(['build', dataFile, '--block-size', '4KiB', '--hash', 'xxh128', '--backend', 'wasm']);
    expect(xxh.stderr).toBe('');
    expect(xxh.stdout).toBe(`${(await buildTree(data, { blockSize: 4096, hash: 'xxh128', backend: 'wasm' })).rootHex}\n`);
  });
});

describe('standard output', () => {
  it('a reader that goes away before the root is printed ends the command quietly, exit 0', async () => {
    const child = spawn(process.execPath, [path.join(kRepoRoot, 'bin', 'merkle.cjs'), 'build', dataFile, '--block-size', '1KiB'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});

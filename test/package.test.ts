/**
 * The package as users install it: the prebuilt addon is found and used where no addon was
 * built from source (an install with --ignore-scripts, or without a compiler), one for another
 * N-API is refused with the reason, and `npm pack` holds what users need and nothing else.
 * (The whole install of the packed tarball, timed, is in the closing note: it needs the
 * registry for the dependencies.)
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kRepoRoot } from './helpers/vectors.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'merkle-package-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const built = path.join(kRepoRoot, 'build', 'Release', 'merkle_native.node');

/** A package root like an installed one: dist and the dependencies, no build/. */
function installedLayout(name: string): string {
  const root = path.join(scratch, name);
  cpSync(path.join(kRepoRoot, 'dist'), path.join(root, 'dist'), { recursive: true });
  cpSync(path.join(kRepoRoot, 'package.json'), path.join(root, 'package.json'));
  symlinkSync(path.join(kRepoRoot, 'node_modules'), path.join(root, 'node_modules'));
  return root;
}

/** What the engine in `root` reports: the backend auto picks for SHA-256, and the native backend's state. */
function backendsIn(root: string): { auto: string; native: string; path: string } {
  const script = `
    const { describeBackends } = await import(${JSON.stringify(path.join(root, 'dist', 'hash', 'registry.js'))});
    const { nativeAddonPath } = await import(${JSON.stringify(path.join(root, 'dist', 'addon', 'loader.js'))});
    const sha = (await describeBackends()).find((h) => h.hash === 'sha256');
    const native = sha.backends.find((b) => b.backend === 'native');
    console.log(JSON.stringify({ auto: sha.auto, native: native.kernel ?? native.unavailable, path: nativeAddonPath() }));`;
  const env = { ...process.env };
  delete env.MERKLE_NATIVE_ADDON;
  delete env.MERKLE_BACKEND;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout) as { auto: string; native: string; path: string };
}

describe.skipIf(!existsSync(built))(existsSync(built) ? 'the prebuilt addon' : 'the prebuilt addon: skipped, no addon was built from source to pack', () => {
  it('is used where no addon was built here, and one needing a newer N-API is refused with the reason', () => {
    const root = installedLayout('installed');
    const prebuild = spawnSync(process.execPath, [path.join(kRepoRoot, 'scripts', 'prebuild.mjs'), '--out', root], { encoding: 'utf8' });
    expect(prebuild.status, prebuild.stderr).toBe(0);
    expect(prebuild.stdout).toMatch(/prebuild: prebuilds\/linux-x64-glibc\/merkle_native\.node \(N-API 8/);
    const used = backendsIn(root);
    expect(used.auto).toBe('native');
    expect(used.path).toBe(path.join(root, 'prebuilds', 'linux-x64-glibc', 'merkle_native.node'));

    const manifest = path.join(root, 'prebuilds', 'linux-x64-glibc', 'prebuild.json');
    writeFileSync(manifest, JSON.stringify({ ...JSON.parse(readFileSync(manifest, 'utf8')), napi: 999 }));
    const refused = backendsIn(root);
    expect(refused.auto).not.toBe('native');
    expect(refused.native).toMatch(/the prebuilt addon needs N-API 999, this Node has \d+/);
  });

  it('without any addon, the engine says where it looked and how to fix it, and the CLI warns in one line', () => {
    const root = installedLayout('bare');
    const bare = backendsIn(root);
    expect(bare.auto).not.toBe('native');
    expect(bare.native).toMatch(/no .*build\/Release\/merkle_native\.node; no .*prebuilds\/linux-x64-glibc\/merkle_native\.node\).*npm rebuild/);
    cpSync(path.join(kRepoRoot, 'bin'), path.join(root, 'bin'), { recursive: true });
    const env = { ...process.env };
    delete env.MERKLE_NATIVE_ADDON;
    delete env.MERKLE_BACKEND;
    const run = spawnSync(process.execPath, [path.join(root, 'bin', 'merkle.cjs'), 'build', path.join(kRepoRoot, 'examples', 'hello.txt'), '--threads', '2'], { encoding: 'utf8', env });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    expect(run.stderr).toMatch(/^merkle: warning: hashing with the (node|wasm) backend: native addon not loaded \(.*\n$/);
    expect(run.stderr.split('\n')).toHaveLength(2); // one line
  });
});

describe('npm pack', () => {
  it('holds the library, the CLI, the sources to build the addon and the prebuilt slot; no tests, benches or build output', () => {
    const run = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: kRepoRoot, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const [pack] = JSON.parse(run.stdout) as { files: { path: string }[]; size: number }[];
    const files = pack!.files.map((f) => f.path);
    for (const needed of ['bin/merkle.cjs', 'dist/index.js', 'dist/index.d.ts', 'dist/verify/merkle-verify.js', 'dist/verify/index.d.ts', 'binding.gyp', 'native/addon.cc', 'scripts/build-native.mjs', 'package.json', 'README.md']) {
      expect(files, needed).toContain(needed);
    }
    expect(files.filter((f) => /^(test|bench|build|\.tmp|docs|wasm|\.ci)\//.test(f) || f.endsWith('.tgz'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(path.join(kRepoRoot, 'package.json'), 'utf8')) as { files: string[]; scripts: Record<string, string> };
    expect(manifest.files).toContain('prebuilds');
    expect(manifest.scripts.prepack).toMatch(/prebuild\.mjs/);
    expect(pack!.size).toBeLessThan(2 * 1024 * 1024);
  });

  it('exports the browser build as merkle-engine/verify', () => {
    // A package can import itself by name through its exports map, as a consumer would.
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', "const m = await import('merkle-engine/verify'); console.log(Object.keys(m).sort().join(' '))"], { cwd: kRepoRoot, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe('BackendUnavailableError InputError MerkleError ProofError RootMismatchError loadKernels verifyKeyProof verifyProof');
  });
});

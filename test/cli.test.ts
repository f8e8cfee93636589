/**
 * The CLI contract, by spawning bin/merkle.cjs: stdout, exit codes, and one-line errors that
 * name the option, file or line. The library is the oracle for roots.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTree } from '../src/api/build.js';
import { kAutoOrder } from '../src/hash/registry.js';
import { kHashNames } from '../src/hash/types.js';
import { merkle, tempDir } from './helpers/cli.js';
import { readVectors, type BitcoinBlocks } from './helpers/vectors.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);
const file = (name: string, content: string | Uint8Array): string => {
  const at = path.join(dir, name);
  writeFileSync(at, content);
  return at;
};

const data = new Uint8Array(Array.from({ length: 200_000 }, (_, i) => (i * 7) % 256));
const dataFile = file('data.bin', data);

describe('merkle build', () => {
  it('prints the root of a file, equal to the library, for each profile and hash it fits', async () => {
    for (const [profile, hash] of [['rfc9162', 'sha256'], ['classic', 'sha256'], ['rfc9162', 'blake3'], ['classic', 'sha3-256'], ['rfc9162', 'xxh128']] as const) {
      const result = merkle(['build', dataFile, '--profile', profile, '--hash', hash, '--block-size', '4KiB']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const tree = await buildTree(data, { profile, hash, blockSize: 4096 });
      expect(result.stdout).toBe(`${tree.rootHex}\n`);
    }
  });

  it('hashes segments choosing per window (default), from mappings (--mmap) or by reading (--no-mmap): the same root', async () => {
    const want = `${(await buildTree(data, { blockSize: 4096 })).rootHex}\n`;
    const both = merkle(['build', dataFile, '--mmap', '--no-mmap']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--mmap and --no-mmap exclude each other/);
    for (const flags of [[], ['--mmap'], ['--no-mmap']]) {
      const result = merkle(['build', dataFile, '--block-size', '4KiB', '--segment-size', '16KiB', '--threads', '2', ...flags]);
      expect(result.stderr, flags.join(' ')).toBe('');
      expect(result.stdout, flags.join(' ')).toBe(want);
    }
  });

  it('reads stdin with -', async () => {
    const result = merkle(['build', '-', '--block-size', '1000'], { input: data });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${(await buildTree(data, { blockSize: 1000 })).rootHex}\n`);
  });

  it('--json has the documented fields', () => {
    const result = merkle(['build', dataFile, '--json', '--block-size', '64KiB']);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    for (const key of ['root', 'profile', 'hash', 'leaves', 'bytes', 'blockSize', 'threads', 'backend', 'seconds', 'bytesPerSecond']) {
      expect(summary, key).toHaveProperty(key);
    }
    expect(summary.leaves).toBe(4);
    expect(summary.bytes).toBe(data.length);
    expect(summary.blockSize).toBe(65536);
  });

  it('--records: one hex record per line, empty line = empty record, final newline ends the last line', async () => {
    const records = [new Uint8Array([0xab, 0xcd]), new Uint8Array(0), new Uint8Array([1])];
    const want = (await buildTree({ records })).rootHex;
    expect(merkle(['build', file('r1.txt', 'abcd\n\n01\n'), '--records']).stdout).toBe(`${want}\n`);
    expect(merkle(['build', file('r2.txt', 'ABCD\r\n\r\n01'), '--records']).stdout).toBe(`${want}\n`);
    expect(merkle(['build', file('r4.txt', 'abcd\n\n01\n'), '--leaves', 'records']).stdout).toBe(`${want}\n`);
    const oneEmpty = (await buildTree({ records: [new Uint8Array(0)] })).rootHex;
    expect(merkle(['build', file('r3.txt', '\n'), '--records']).stdout).toBe(`${oneEmpty}\n`);
  });

  it('--leaf-hashes with bitcoin: txids in display order give the block merkle root', () => {
    const block = readVectors<BitcoinBlocks>('bitcoin_blocks.json').blocks.find((b) => b.tx_count > 100)!;
    const result = merkle(['build', file('txids.txt', `${block.txids.join('\n')}\n`), '--leaf-hashes', '--profile', 'bitcoin']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`${block.merkleroot}\n`);
  });

  it.each([
    [['build', 'no-such-file.bin'], /no-such-file\.bin: cannot open \(no such file\)/],
    [['build', dataFile, '--block-size', '0'], /--block-size must be a positive number of bytes/],
    [['build', dataFile, '--block-size', '12XB'], /--block-size must be a number of bytes/],
    [['build', dataFile, '--profile', 'merkle-dag'], /--profile must be one of rfc9162, classic, bitcoin/],
    [['build', dataFile, '--hash', 'md5'], /--hash must be one of sha256, blake3, sha3-256, xxh128/],
    [['build', dataFile, '--backend', 'gpu'], /--backend must be one of auto, native, node, wasm/],
    [['build', dataFile, '--threads', 'two'], /--threads must be a whole number/],
    [['build', dataFile, '--profile', 'bitcoin'], /--profile bitcoin takes leaf hashes only/],
    [['build', dataFile, '--profile', 'bitcoin', '--records'], /--profile bitcoin takes leaf hashes only/],
    [['build', dataFile, '--profile', 'bitcoin', '--hash', 'blake3', '--leaf-hashes'], /bitcoin is defined for sha256 only/],
    [['build', dataFile, '--records', '--leaf-hashes'], /exclude each other/],
    [['build', dataFile, '--leaves', 'lines'], /--leaves must be one of blocks, records, leaf-hashes, got "lines"/],
    [['build', dataFile, '--leaves', 'blocks', '--records'], /--leaves, --records and --leaf-hashes name different leaf modes: blocks, records/],
    [['build', dataFile, '--leaves', 'records', '--block-size', '4'], /--block-size applies to block leaves, not records/],
    [['build', dataFile, '--frobnicate'], /Unknown option '--frobnicate'/],
    [['build'], /build: expected 1 argument\(s\), got 0/],
    [['bulid', dataFile], /unknown command "bulid"/],
  ])('exit 2 with one line naming the problem: %j', (args, message) => {
    const result = merkle(args as string[]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a bad hex line is named by file and line number', () => {
    const result = merkle(['build', file('bad.txt', 'abcd\n00\nabc\n'), '--records']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/bad\.txt line 3: invalid hex \(odd length 3\)/);
    const wrongSize = merkle(['build', file('short.txt', `${'00'.repeat(32)}\n${'00'.repeat(31)}\n`), '--leaf-hashes']);
    expect(wrongSize.code).toBe(2);
    expect(wrongSize.stderr).toMatch(/short\.txt line 2: hash is 31 bytes, want 32/);
    const badChar = merkle(['build', file('char.txt', 'zz\n'), '--records']);
    expect(badChar.stderr).toMatch(/char\.txt line 1: invalid hex \(bad character "z" at column 1\)/);
  });
});

describe('merkle --help', () => {
  it.each(['build', 'proof', 'consistency', 'verify', 'info', 'backends'])('%s --help exits 0 with usage', (command) => {
    const result = merkle([command, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Usage: merkle ${command}`));
  });

  it('top-level --help lists the commands', () => {
    const result = merkle(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Commands:/);
  });
});

describe('MERKLE_BACKEND', () => {
  it('pins what auto picks, and a bad value is refused by name', () => {
    const pinned = JSON.parse(merkle(['backends', '--json'], { env: { MERKLE_BACKEND: 'wasm' } }).stdout) as Array<{ hash: string; auto?: string }>;
    const wasmHashes = kHashNames.filter((hash) => kAutoOrder[hash].includes('wasm'));
    expect(pinned.filter((r) => r.auto === 'wasm').map((r) => r.hash)).toEqual(wasmHashes);
    expect(JSON.parse(merkle(['build', dataFile, '--json'], { env: { MERKLE_BACKEND: 'node' } }).stdout).backend).toBe('node');
    const bad = merkle(['build', dataFile], { env: { MERKLE_BACKEND: 'gpu' } });
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringMatching(/MERKLE_BACKEND must be one of auto, native, node, wasm, got "gpu"/)]);
  });
});

describe('merkle backends', () => {
  it('--json lists every hash with the kernel each backend runs and what auto picks', () => {
    const result = merkle(['backends', '--json']);
    expect(result.code).toBe(0);
    const reports = JSON.parse(result.stdout) as Array<{ hash: string; auto?: string; backends: Array<{ backend: string; kernel?: string; unavailable?: string }> }>;
    expect(reports.map((r) => r.hash)).toEqual(kHashNames);
    for (const report of reports) {
      const pinned = process.env['MERKLE_BACKEND'];
      // Only a pinned backend that cannot run the hash leaves it without an auto pick.
      if (report.auto === undefined) expect(pinned && report.backends.find((b) => b.backend === pinned)?.unavailable).toBeTruthy();
      else expect(report.backends.find((b) => b.backend === report.auto)?.kernel).toBeTruthy();
      for (const b of report.backends) expect(Boolean(b.kernel) !== Boolean(b.unavailable)).toBe(true);
    }
  });
});

describe('merkle verify', () => {
  it('exit 0 "valid" for a good proof; exit 1 naming the failure for a bad one', async () => {
    const { proveInclusion } = await import('../src/api/proofs.js');
    const records = Array.from({ length: 9 }, (_, i) => new Uint8Array([i, 1, 2]));
    const tree = await buildTree({ records });
    const proof = await proveInclusion(tree, 4);
    const proofFile = file('proof.json', JSON.stringify(proof));
    const ok = merkle(['verify', proofFile, '--root', tree.rootHex, '--record', '040102']);
    expect(ok.stderr).toBe('');
    expect([ok.code, ok.stdout]).toEqual([0, 'valid\n']);
    const leafFile = file('leaf.bin', records[4]!);
    expect(merkle(['verify', proofFile, '--leaf-data', leafFile]).code).toBe(0);
    expect(merkle(['verify', proofFile, '--leaf-hash', proof.leafHash]).code).toBe(0);

    const wrongLeaf = merkle(['verify', proofFile, '--record', '050102']);
    expect(wrongLeaf.code).toBe(1);
    expect(wrongLeaf.stderr).toMatch(/leaf hash mismatch/);
    const wrongRoot = merkle(['verify', proofFile, '--root', '00'.repeat(32)]);
    expect(wrongRoot.code).toBe(1);
    expect(wrongRoot.stderr).toMatch(/root mismatch: calculated [0-9a-f]{64}, want 0{64}/);
    const tampered = file('tampered.json', JSON.stringify({ ...proof, index: 5 }));
    expect(merkle(['verify', tampered, '--root', tree.rootHex]).code).toBe(1);
  });

  it('exit 2 for an unreadable or malformed proof file, or bad hex', () => {
    expect(merkle(['verify', path.join(dir, 'none.json')]).stderr).toMatch(/none\.json: cannot read \(ENOENT\)/);
    const notJson = merkle(['verify', file('bad.json', '{oops')]);
    expect([notJson.code, notJson.stderr]).toEqual([2, expect.stringMatching(/bad\.json: not valid JSON/)]);
    const badRecord = merkle(['verify', file('p.json', '{}'), '--record', 'xyz']);
    expect([badRecord.code, badRecord.stderr]).toEqual([2, expect.stringMatching(/--record: invalid hex/)]);
  });
});

describe('tree files on the command line', () => {
  it('build -o, info, proof, verify and consistency work together', () => {
    const oldData = file('old.bin', data.subarray(0, 40 * 1024));
    const oldTree = path.join(dir, 'old.mtree');
    const newTree = path.join(dir, 'new.mtree');
    const built = merkle(['build', oldData, '--block-size', '1KiB', '-o', oldTree]);
    expect(built.code).toBe(0);
    expect(merkle(['build', dataFile, '--block-size', '1KiB', '--out', newTree]).code).toBe(0);
    const newRoot = merkle(['build', dataFile, '--block-size', '1KiB']).stdout.trim();

    const info = JSON.parse(merkle(['info', newTree, '--json', '--verify']).stdout);
    expect(info).toMatchObject({ profile: 'rfc9162', hash: 'sha256', leafMode: 'blocks', blockSize: 1024, leaves: 196, bytes: data.length, root: newRoot, verified: true });
    expect(info.source.size).toBe(data.length);

    const proofText = merkle(['proof', newTree, '100']).stdout;
    const proof = JSON.parse(proofText);
    expect(proof).toMatchObject({ type: 'inclusion', treeSize: 196, index: 100, root: newRoot, blockSize: 1024 });
    const leaf = file('leaf100.bin', data.subarray(100 * 1024, 101 * 1024));
    expect(merkle(['verify', file('p100.json', proofText), '--leaf-data', leaf, '--root', newRoot]).code).toBe(0);

    const consistencyText = merkle(['consistency', oldTree, newTree]).stdout;
    expect(JSON.parse(consistencyText)).toMatchObject({ type: 'consistency', size1: 40, size2: 196, root1: built.stdout.trim(), root2: newRoot });
    expect(merkle(['verify', file('c.json', consistencyText), '--root', newRoot]).stdout).toBe('valid\n');
    const reversed = merkle(['consistency', newTree, oldTree]);
    expect([reversed.code, reversed.stderr]).toEqual([2, expect.stringMatching(/larger than the new one/)]);
    // Old data ending inside a block: its last leaf is not the new tree's, so no proof is printed.
    const ragged = path.join(dir, 'ragged.mtree');
    expect(merkle(['build', file('ragged.bin', data.subarray(0, 40 * 1024 + 100)), '--block-size', '1KiB', '-o', ragged]).code).toBe(0);
    const notPrefix = merkle(['consistency', ragged, newTree]);
    expect([notPrefix.code, notPrefix.stdout, notPrefix.stderr]).toEqual([2, '', expect.stringMatching(/not a prefix of the new one: its 41 leaves/)]);
  });

  it('refuses an out-of-range index, a missing tree, and a file that is not a tree, each by name', () => {
    const tree = path.join(dir, 'small.mtree');
    merkle(['build', file('small.bin', 'abc'), '-o', tree]);
    expect(merkle(['proof', tree, '1']).stderr).toMatch(/INDEX 1 is out of range: .*small\.mtree has 1 leaves/);
    expect(merkle(['proof', tree, '-3']).code).toBe(2);
    expect(merkle(['info', path.join(dir, 'missing.mtree')]).stderr).toMatch(/missing\.mtree: cannot open \(no such file\)/);
    const notTree = merkle(['info', dataFile]);
    expect([notTree.code, notTree.stderr]).toEqual([2, expect.stringMatching(/data\.bin: not a tree file \(bad magic/)]);
  });
});

describe('interrupts and progress', () => {
  it('Ctrl-C (SIGINT) during build -o leaves the existing tree file byte-for-byte and no temp file', async () => {
    const { spawn } = await import('node:child_process');
    const { readFileSync, readdirSync } = await import('node:fs');
    const { kRepoRoot } = await import('./helpers/vectors.js');
    const big = file('interrupt.bin', new Uint8Array(96 * 1024 * 1024).fill(7));
    const out = path.join(dir, 'interrupt.mtree');
    expect(merkle(['build', dataFile, '-o', out]).code).toBe(0);
    const before = readFileSync(out);
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(kRepoRoot, 'bin', 'merkle.cjs'), 'build', big, '--block-size', '4KiB', '--segment-size', '256KiB', '--threads', '1', '--progress', '-o', out], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      // Interrupt once the build is under way (the first progress line).
      child.stderr.on('data', (chunk) => {
        if (stderr === '') child.kill('SIGINT');
        stderr += chunk;
      });
      child.on('exit', (code) => resolve({ code, stderr }));
    });
    expect(result.stderr).toMatch(/interrupted \(SIGINT\)/);
    expect(result.code).toBe(2);
    expect(readFileSync(out)).toEqual(before);
    expect(readdirSync(dir).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });

  it('--progress draws on stderr and leaves stdout to the root', () => {
    const big = file('progress.bin', new Uint8Array(32 * 1024 * 1024).fill(1));
    const result = merkle(['build', big, '--progress', '--segment-size', '1MiB']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    expect(result.stderr).toMatch(/\[#*-*\] .* \/ 32\.0 MiB +\d+ MB\/s +ETA/);
    expect(merkle(['build', big, '--no-progress']).stderr).toBe('');
  });
});

describe('b3tree on the command line', () => {
  it.skipIf(spawnSyncStatus('b3sum') !== 0)('the root equals b3sum of the file (skipped when b3sum is not installed)', () => {
    const result = merkle(['build', dataFile, '--profile', 'b3tree', '--block-size', '16KiB']);
    expect(result.stderr).toBe('');
    const b3sum = spawnSync('b3sum', ['--no-names', dataFile], { encoding: 'utf8' });
    expect(result.stdout).toBe(b3sum.stdout);
  });
});

function spawnSyncStatus(command: string): number | null {
  return spawnSync(command, ['--version'], { encoding: 'utf8' }).status;
}

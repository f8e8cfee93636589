/**
 * CheckedTreeReader: a tree file's nodes, each checked before it is handed out, as fs-verity
 * and dm-verity never hand out a block they have not checked. A run of nodes is hashed up one
 * level and compared with its parents, which are checked the same way, up to the header's
 * root; so an answer computed from a damaged file (a proof, a diff, a sync, an append) fails
 * with a TreeFileError naming the level and node, instead of being printed.
 *
 * Cost: O(nodes read). A run of r nodes at level l costs about r hashes and reads r/2 nodes at
 * level l + 1, r/4 at l + 2, …; nodes already checked are remembered (up to a bound), so a
 * walk from the top, as diff and sync make, reads no node twice: its parents are in memory.
 */
import { equalBytes } from '../bytes.js';
import { TreeFileError } from '../errors.js';
import type { TreeFileReader } from '../store/reader.js';
import { checksumOf, hex, type TreeFileHeader } from '../store/format.js';
import { nextLevel } from '../tree/build.js';
import type { TreeHasher } from '../tree/hasher.js';
import { kProfiles, topNodeIsRoot } from '../tree/profile.js';

/** Checked nodes remembered: beyond this many, the memory is cleared and refilled. */
const kRememberedNodes = 1 << 16;

export class CheckedTreeReader implements TreeFileReader {
  private readonly checked = new Map<string, Uint8Array>();

  constructor(
    private readonly raw: TreeFileReader,
    private readonly hasher: TreeHasher,
  ) {}

  get path(): string {
    return this.raw.path;
  }

  get meta(): TreeFileHeader {
    return this.raw.meta;
  }

  get root(): Uint8Array {
    return this.raw.root;
  }

  async getNode(level: number, index: number): Promise<Uint8Array> {
    const node = await this.raw.getNode(level, index); // the raw reader checks the arguments
    await this.checkRun(level, index, node);
    return node;
  }

  async getNodes(level: number, begin: number, end: number): Promise<Uint8Array> {
    const nodes = await this.raw.getNodes(level, begin, end);
    if (begin < end) await this.checkRun(level, begin, nodes);
    return nodes;
  }

  verify(): Promise<void> {
    return this.raw.verify();
  }

  close(): Promise<void> {
    return this.raw.close();
  }

  /** checkRun checks the run `nodes`, which starts at node `begin` of `level`: from memory when it can. */
  private async checkRun(level: number, begin: number, nodes: Uint8Array): Promise<void> {
    const d = this.meta.digestSize;
    const end = begin + nodes.length / d;
    let known = true;
    for (let i = begin; i < end && known; i++) known = this.checked.has(`${level}:${i}`);
    if (!known) return this.check(level, begin, end, nodes);
    for (let i = begin; i < end; i++) {
      if (!equalBytes(nodes.subarray((i - begin) * d, (i - begin + 1) * d), this.checked.get(`${level}:${i}`)!)) this.damaged(level, i, 'changed since it was checked');
    }
  }

  /** check proves `nodes` (= nodes [begin, end) of `level`) against the level above, or the root. */
  private async check(level: number, begin: number, end: number, nodes: Uint8Array): Promise<void> {
    const { levels, levelCount, leafCount, profile } = this.meta;
    const d = this.meta.digestSize;
    if (level === levelCount - 1) {
      if (topNodeIsRoot(kProfiles[profile], leafCount)) {
        if (!equalBytes(nodes, this.root)) this.damaged(level, 0, `is ${hex(nodes)}, but the header's root is ${hex(this.root)}`);
      } else if (!equalBytes(checksumOf(nodes), levels[level]!.checksum)) {
        // A one-leaf BLAKE3 tree's root needs the leaf's data; its one node is held to the level's checksum.
        this.damaged(level, 0, 'does not match its level checksum');
      }
      this.remember(level, begin, nodes);
      return;
    }
    const width = levels[level]!.nodeCount;
    const first = begin - (begin % 2);
    const last = Math.min(width, end + (end % 2));
    const children = first === begin && last === end ? nodes : await this.raw.getNodes(level, first, last);
    const computed = nextLevel(children, last - first, this.hasher, kProfiles[profile].lone, width === 2);
    const parents = this.remembered(level + 1, first / 2, Math.ceil(last / 2)) ?? (await this.getNodes(level + 1, first / 2, Math.ceil(last / 2)));
    for (let p = 0; p < computed.length / d; p++) {
      if (!equalBytes(computed.subarray(p * d, (p + 1) * d), parents.subarray(p * d, (p + 1) * d))) {
        this.damaged(level, first + 2 * p, `and its sibling do not hash to their parent, node ${first / 2 + p} of level ${level + 1}`);
      }
    }
    this.remember(level, first, children);
  }

  /** remembered returns checked nodes [begin, end) of `level` from memory, or undefined if any is not there. */
  private remembered(level: number, begin: number, end: number): Uint8Array | undefined {
    const d = this.meta.digestSize;
    const out = new Uint8Array((end - begin) * d);
    for (let i = begin; i < end; i++) {
      const node = this.checked.get(`${level}:${i}`);
      if (node === undefined) return undefined;
      out.set(node, (i - begin) * d);
    }
    return out;
  }

  private remember(level: number, first: number, nodes: Uint8Array): void {
    const d = this.meta.digestSize;
    if (this.checked.size + nodes.length / d > kRememberedNodes) this.checked.clear();
    if (nodes.length / d > kRememberedNodes) return;
    for (let i = 0; i < nodes.length / d; i++) this.checked.set(`${level}:${first + i}`, nodes.slice(i * d, (i + 1) * d));
  }

  private damaged(level: number, index: number, what: string): never {
    throw new TreeFileError(
      'ERR_MTREE_NODE',
      `${this.path}: node ${index} of level ${level} ${what}: the tree file is damaged (merkle info --verify checks every level)`,
    );
  }
}

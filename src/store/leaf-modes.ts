/**
 * How a tree's leaves were formed from its data, as build options name it and tree files store
 * it. Each mode declares what it is; code elsewhere asks the mode (`kLeafModeInfo[mode]`) and
 * never compares its name. A module of its own so the build options can check the name without
 * loading the file format, which loads node:crypto for its checksums (~2 ms of every command's
 * start).
 */

export interface LeafModeInfo {
  /** The mode's number in tree files: 1-based, never reused. */
  readonly code: number;
  /**
   * Leaves are the data cut into fixed-size blocks: the tree has a block size, and only such a
   * tree can be built from a stream, checkpointed, appended to, served and synced block by block.
   */
  readonly fixedBlocks: boolean;
  /** Leaves are hashed from data; false: the caller gives the leaf hashes themselves. */
  readonly fromData: boolean;
  /** What one line of a text input (file or stream) holds; undefined: the input's bytes are the data. */
  readonly textLine?: 'hex record' | 'hex leaf hash';
  readonly description: string;
}

const kRegistry = {
  blocks: { code: 1, fixedBlocks: true, fromData: true, description: 'the data in fixed-size blocks (the last may be short)' },
  records: { code: 2, fixedBlocks: false, fromData: true, textLine: 'hex record', description: 'one record per leaf, any lengths; text input: one hex record per line' },
  'leaf-hashes': { code: 3, fixedBlocks: false, fromData: false, textLine: 'hex leaf hash', description: 'precomputed leaf hashes; text input: one hex hash per line' },
} as const satisfies Readonly<Record<string, LeafModeInfo>>;

export type LeafMode = keyof typeof kRegistry;

export const kLeafModeInfo: Readonly<Record<LeafMode, LeafModeInfo>> = kRegistry;
export const kLeafModes = Object.keys(kRegistry) as LeafMode[];

const kByCode = new Map<number, LeafMode>(kLeafModes.map((mode) => [kLeafModeInfo[mode].code, mode]));

/** leafModeWithCode is the mode a tree file names by number, or undefined for an unknown number. */
export function leafModeWithCode(code: number): LeafMode | undefined {
  return kByCode.get(code);
}

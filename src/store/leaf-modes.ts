/**
 * How a tree's leaves were formed from its data, as build options name it and tree files store
 * it. A module of its own so the build options can check the name without loading the file
 * format, which loads node:crypto for its checksums (~2 ms of every command's start).
 */
export type LeafMode = 'blocks' | 'records' | 'leaf-hashes';
export const kLeafModes: readonly LeafMode[] = ['blocks', 'records', 'leaf-hashes'];

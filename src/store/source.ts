/**
 * Data-source identity: the size and mtime of the file a tree was built from, recorded in the
 * header so that a tree whose data changed since is reported as stale instead of trusted.
 */
import { stat } from 'node:fs/promises';
import { TreeFileError } from '../errors.js';
import type { SourceIdentity } from './format.js';
import type { TreeFileReader } from './reader.js';

/** sourceIdentityOf returns the size and nanosecond mtime of the file at `dataPath`. */
export async function sourceIdentityOf(dataPath: string): Promise<SourceIdentity> {
  const stats = await stat(dataPath, { bigint: true });
  return { size: Number(stats.size), mtimeNs: stats.mtimeNs };
}

/**
 * checkSource throws ERR_MTREE_STALE, naming what changed, when the file at `dataPath` differs
 * in size or mtime from the source the tree was built from; ERR_MTREE_NO_SOURCE when the tree
 * file recorded no source.
 */
export async function checkSource(reader: TreeFileReader, dataPath: string): Promise<void> {
  const recorded = reader.meta.source;
  if (!recorded) {
    throw new TreeFileError('ERR_MTREE_NO_SOURCE', `${reader.path}: records no data-source identity to compare with ${dataPath}`);
  }
  const now = await sourceIdentityOf(dataPath);
  const changes: string[] = [];
  if (now.size !== recorded.size) changes.push(`size ${now.size}, want ${recorded.size}`);
  if (now.mtimeNs !== recorded.mtimeNs) changes.push(`mtime ${now.mtimeNs} ns, want ${recorded.mtimeNs} ns`);
  if (changes.length > 0) {
    throw new TreeFileError('ERR_MTREE_STALE', `${reader.path} is stale for ${dataPath}: ${changes.join('; ')}`);
  }
}

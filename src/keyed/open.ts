/**
 * openKeyedTree: a keyed tree over an in-memory store or an LMDB store on disk. The parameters
 * (hash, bucket bits, salt) are fixed when a store is created; reopening it with different
 * ones is refused, and options left out are taken from the store.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { selectKernel } from '../hash/registry.js';
import { createTreeHasher } from '../hash/tree-hasher.js';
import type { BackendChoice, HashName } from '../hash/types.js';
import { kProfiles } from '../tree/profile.js';
import { KeyedHasher } from './hashing.js';
import { MemoryStore } from './memory-store.js';
import { checkKeyedParams, describeParams, sameParams, type KeyedParamsInput } from './params.js';
import type { KeyedStore } from './store.js';
import { KeyedTree } from './tree.js';

export interface KeyedTreeOptions extends KeyedParamsInput {
  /** Hash backend (default auto). */
  readonly backend?: BackendChoice;
  /** Refuse to create: the path must already hold a keyed tree (default false). */
  readonly mustExist?: boolean;
}

/**
 * openKeyedTree opens (or creates) a keyed tree. `where` is undefined for an in-memory tree,
 * a path for an LMDB store (created if absent), or a KeyedStore of the caller's.
 */
export async function openKeyedTree(where: string | KeyedStore | undefined, options: KeyedTreeOptions = {}): Promise<KeyedTree> {
  const store = where === undefined ? new MemoryStore() : typeof where === 'string' ? await openLmdb(where, options.mustExist === true) : where;
  try {
    const stored = store.readParams();
    if (stored === undefined && options.mustExist) throw new InputError(`${typeof where === 'string' ? where : 'the store'}: not a keyed tree (it holds no tree parameters)`);
    const given = { hash: options.hash ?? stored?.hash, bucketBits: options.bucketBits ?? stored?.bucketBits, salt: options.salt ?? stored?.salt };
    const params = checkKeyedParams(given);
    if (stored === undefined) store.writeParams(params);
    else if (!sameParams(stored, params)) {
      throw new InputError(`${typeof where === 'string' ? where : 'the store'} holds a keyed tree with ${describeParams(stored)}, not ${describeParams(params)}`);
    }
    const kernel = await selectKernel(params.hash as HashName, options.backend ?? 'auto');
    return new KeyedTree(store, new KeyedHasher(kernel, params.salt, params.bucketBits), createTreeHasher(kProfiles.rfc9162, kernel), params);
  } catch (error) {
    store.close();
    throw error;
  }
}

async function openLmdb(path: string, mustExist: boolean): Promise<KeyedStore> {
  if (path === '') throw new InputError('a keyed tree path must be a non-empty string');
  if (mustExist && !existsSync(path)) throw new InputError(`${path}: no such keyed tree`);
  // An LMDB store is a directory holding data.mdb (lmdb-store.ts); opening anything else would create one in it.
  if (mustExist && !existsSync(join(path, 'data.mdb'))) throw new InputError(`${path}: not a keyed tree (no data.mdb in it)`);
  const { openLmdbStore } = await import('./lmdb-store.js');
  return openLmdbStore(path);
}

/** The error module: every class reachable from the package, each with its stable code. */
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import * as engine from '../src/index.js';
import { errorForThread, errorFromThread } from '../src/errors.js';

const kCodes: Array<[string, () => engine.MerkleError, string]> = [
  ['InputError', () => new engine.InputError('m'), 'ERR_MERKLE_INPUT'],
  ['UsageError', () => new engine.UsageError('m'), 'ERR_MERKLE_USAGE'],
  ['DataChangedError', () => new engine.DataChangedError('m'), 'ERR_MERKLE_DATA_CHANGED'],
  ['SegmentError', () => new engine.SegmentError(3, 0, 10, new Error('why')), 'ERR_MERKLE_SEGMENT'],
  ['CheckpointError', () => new engine.CheckpointError('ERR_MERKLE_CHECKPOINT_CORRUPT', 'm'), 'ERR_MERKLE_CHECKPOINT_CORRUPT'],
  ['IncompatibleTreesError', () => new engine.IncompatibleTreesError('m'), 'ERR_MERKLE_INCOMPATIBLE'],
  ['BackendUnavailableError', () => new engine.BackendUnavailableError('m'), 'ERR_MERKLE_BACKEND_UNAVAILABLE'],
  ['ProofError', () => new engine.ProofError('m'), 'ERR_MERKLE_PROOF'],
  ['RootMismatchError', () => new engine.RootMismatchError('aa', 'bb'), 'ERR_MERKLE_ROOT_MISMATCH'],
  ['TreeFileError', () => new engine.TreeFileError('ERR_MTREE_MAGIC', 'm'), 'ERR_MTREE_MAGIC'],
  ['SyncProtocolError', () => new engine.SyncProtocolError('m'), 'ERR_SYNC_PROTOCOL'],
  ['SyncVerifyError', () => new engine.SyncVerifyError('m'), 'ERR_SYNC_VERIFY'],
  ['SyncRootChangedError', () => new engine.SyncRootChangedError('m'), 'ERR_SYNC_ROOT_CHANGED'],
  ['SyncTimeoutError', () => new engine.SyncTimeoutError('m'), 'ERR_SYNC_TIMEOUT'],
  ['SyncRemoteError', () => new engine.SyncRemoteError('m'), 'ERR_SYNC_REMOTE'],
];

/** postAcross sends a value through a real MessagePort: the structured clone a worker's error goes through. */
function postAcross(value: unknown): Promise<unknown> {
  const { port1, port2 } = new MessageChannel();
  return new Promise((resolve) => {
    port2.once('message', (message) => {
      port1.close();
      resolve(message);
    });
    port1.postMessage(value);
  });
}

describe('errors', () => {
  it.each(kCodes)('%s is exported, is a MerkleError, carries its code and its name', (name, make, code) => {
    const error = make();
    expect(error).toBeInstanceOf(engine.MerkleError);
    expect(error.code).toBe(code);
    expect(error.name).toBe(name);
  });

  it('a data-changed error thrown in a worker thread is a DataChangedError again on this side', async () => {
    const sent = errorForThread(new engine.DataChangedError('f.bin: data changed during build (size 1 → 2)'));
    const restored = errorFromThread(await postAcross(sent));
    expect(restored).toBeInstanceOf(engine.DataChangedError);
    expect(restored).toMatchObject({ code: 'ERR_MERKLE_DATA_CHANGED', message: 'f.bin: data changed during build (size 1 → 2)' });
  });

  it('errors without a cross-thread form pass through unchanged', async () => {
    const plain = new Error('worker crashed');
    expect(errorForThread(plain)).toBe(plain);
    const arrived = await postAcross(plain);
    expect(errorFromThread(arrived)).toBe(arrived);
  });
});

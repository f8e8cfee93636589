/**
 * merkle-engine: build, prove and compare Merkle trees over large data.
 */
export { buildTree, type BuiltTree, type TreeInput } from './api/build.js';
export { createTreeStream, type TreeStream } from './api/tree-stream.js';
export { fdSource, type FdSourceOptions } from './io/fd-source.js';
export { appendToTree, type AppendOptions, type AppendResult } from './api/append.js';
export { openTree, type OpenTree } from './api/open-tree.js';
export { proveInclusion, proveConsistency, verifyProof, type InclusionProof, type ConsistencyProof, type Proof, type NodeSource, type VerifyOptions, type LeafClaim } from './api/proofs.js';
export { fillBuildOptions, kDefaultBuildOptions, kDefaultBlockSize, type BuildOptions, type FilledBuildOptions, type LeafMode } from './api/options.js';
export { describeBackends, selectKernel, kAutoOrder, type HashBackendsReport } from './hash/registry.js';
export { kHashInfo, kHashNames, kBackendNames, type HashName, type BackendName, type BackendChoice, type HashKernel } from './hash/types.js';
export { kProfiles, kProfileNames, type Profile, type ProfileName } from './tree/profile.js';
export * from './errors.js';
export { diffTrees, type DiffResult } from './api/diff.js';
export { diffPlan, comparableNodes, type DiffShape, type DiffPlanResult, type IndexRange, type LevelRequest, type LevelAnswer } from './tree/diff.js';
export { detectConflicts, type ConflictReport, type DivergentReplica } from './api/conflicts.js';
export { startSyncServer, type SyncServer, type SyncServerOptions } from './sync/server.js';
export { syncFile, type SyncOptions, type SyncReport } from './sync/client.js';
export { kDefaultSyncLimits, PROTOCOL_VERSION as SYNC_PROTOCOL_VERSION, type SyncLimits, type TreeMeta } from './sync/protocol.js';
export { openKeyedTree, type KeyedTreeOptions } from './keyed/open.js';
export { KeyedTree, type KeyedOp, type BucketRange } from './keyed/tree.js';
export { verifyKeyProof, type KeyProof, type KeyProofResult, type ProvenEntry } from './keyed/proof.js';
export { diffKeyed, detectKeyedConflicts, type KeyedDiff, type KeyConflict, type KeyedConflictReport } from './keyed/diff.js';
export { loadKeyedTree, type LoadReport } from './keyed/load.js';
export { MemoryStore } from './keyed/memory-store.js';
export type { KeyedStore, KeyedEntry, KeyedParams, BucketedWrite } from './keyed/store.js';
export { jsonLinesRows, csvRows, type TextRow } from './keyed/sources/text-rows.js';
export { sqliteRows, encodeRow, type SqliteSource, type SqliteRow } from './keyed/sources/sqlite-rows.js';
export { SqliteReplica, decodeRow } from './keyed/sources/sqlite-replica.js';
export type { RowSource, RowSink, RowChange } from './keyed/rows.js';
export { startKeyedSyncServer, type KeyedSyncServer, type KeyedSyncServerOptions } from './keyed/sync/server.js';
export { syncKeyed, type KeyedSyncOptions, type KeyedSyncReport } from './keyed/sync/client.js';
export { kDefaultKeyedSyncLimits, KEYED_PROTOCOL_VERSION, type KeyedSyncLimits, type KeyedMeta } from './keyed/sync/protocol.js';
export { buildOnQueue, type QueueBuildOptions, type QueueBuildResult, type QueueProgress } from './distributed/coordinator.js';
export { runQueueWorker, type QueueWorkerOptions, type QueueWorkerSummary, type WorkerJobReport } from './distributed/worker.js';
export { queueStatus, type QueueStatus } from './distributed/status.js';

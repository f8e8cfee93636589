#!/usr/bin/env node
/**
 * Peers for the keyed bench: the libraries a user would otherwise pick for keyed anti-entropy,
 * measured on the very data bench/keyed.bench.mjs uses, so both can print side by side.
 *   - atproto MST (@atproto/repo) and okra (@canvas-js/okra-memory): load and update rates;
 *   - negentropy (nostr-tools nip77): round trips and bytes to repair d differences.
 * Install the peers with `npm run bench:peers`, then
 *   node bench/keyed-peers.mjs [--sizes 10000,100000] [--d 1,10,1000] [--updates 100000]
 *                              [--batch 1000] [--max-seconds 120] [--frame-size-limit 60000]
 * prints JSON. Single runs: no medians here.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { differingKeys, initialOps, keyOf, rng, updateOps, valueOf } from './keyed-data.mjs';

// The seeded data of every keyed bench, re-exported for callers of this module.
export { rng, keyOf, valueOf, initialOps, updateOps };

// ---- Plumbing ----

const encoder = new TextEncoder();
const now = () => performance.now() / 1000;
const round3 = (x) => +x.toFixed(3);

/** A peer's package.json, read from disk: these packages' export maps do not expose it. */
function manifest(pkg) {
  const dir = createRequire(import.meta.url).resolve.paths(pkg)?.map((d) => path.join(d, pkg)).find((d) => existsSync(path.join(d, 'package.json')));
  return dir ? JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) : {};
}
const versionOf = (pkg) => manifest(pkg).version;

/** Says so when we run below a package's declared Node engine, so a reader knows it was off-label. */
function engineNote(pkg) {
  const wants = manifest(pkg).engines?.node;
  const floor = Number(/>=\s*(\d+)/.exec(wants ?? '')?.[1]);
  return floor > Number(process.versions.node.split('.')[0]) ? `${pkg} declares engines.node "${wants}"; ran on Node ${process.versions.node}` : undefined;
}

/** A peer that is not installed or does not load is reported as skipped, never guessed at. */
async function importPeer(specifier) {
  try {
    return { mod: await import(specifier) };
  } catch (err) {
    return { skipped: `cannot import ${specifier} on Node ${process.versions.node}: ${err.message.split('\n')[0]}` };
  }
}

// ---- Update rates: atproto MST and okra ----

/**
 * Applies ops in batches until done or maxSeconds pass (checked between batches), then takes the
 * root inside the timed span: both libraries defer some hashing until the root is asked for.
 */
async function timedUpdates(ops, batch, maxSeconds, applyBatch, root) {
  const start = now();
  let done = 0;
  while (done < ops.length && now() - start <= maxSeconds) {
    await applyBatch(ops.slice(done, done + batch));
    done = Math.min(ops.length, done + batch);
  }
  const rootStart = now();
  await root();
  const seconds = now() - start;
  const note = done < ops.length ? `measured the first ${done} of ${ops.length} updates (maxSeconds ${maxSeconds})` : undefined;
  return { updatesPerSecond: Math.round(done / seconds), updatesMeasured: done, rootSeconds: round3(now() - rootStart), note };
}

/** Bails out of a load that runs past maxSeconds, so one slow peer cannot stall the whole bench. */
const overBudget = (start, maxSeconds, loaded, n) =>
  now() - start > maxSeconds ? `exceeds ${maxSeconds}s at ${n} keys (loaded ${loaded} of ${n} in ${Math.round(now() - start)} s)` : undefined;

async function atprotoMst({ n, ops, batch, maxSeconds }) {
  const peer = 'atproto-mst';
  const repo = await importPeer('@atproto/repo');
  const lex = await importPeer('@atproto/lex-data');
  if (repo.skipped || lex.skipped) return { peer, skipped: repo.skipped ?? lex.skipped };
  const { MST, MemoryBlockstore } = repo.mod;
  // MST leaves hold CIDs; a raw-codec SHA-256 CID is how atproto names opaque bytes (as for blobs).
  const cidOf = (value) => lex.mod.cidForRawBytes(encoder.encode(value));
  // MST keys must read "collection/rkey"; one fixed collection keeps our keys' order and bytes.
  const mstKey = (key) => `bench/${key}`;

  const loadStart = now();
  let tree = await MST.create(new MemoryBlockstore());
  const init = initialOps(n);
  for (let i = 0; i < n; i++) {
    tree = await tree.add(mstKey(init[i].key), await cidOf(init[i].value));
    const late = i % 4096 === 4095 && overBudget(loadStart, maxSeconds, i + 1, n);
    if (late) return { peer, version: versionOf('@atproto/repo'), skipped: late };
  }
  await tree.getPointer();
  const loadSeconds = now() - loadStart;

  // add, update and delete all throw on a key in the wrong state; Repo callers know which they
  // hold (create/update/delete writes), so we keep the key set beside the tree the same way.
  const present = new Set(init.map((op) => op.key));
  const result = await timedUpdates(ops, batch, maxSeconds, async (slice) => {
    for (const op of slice) {
      if (op.type === 'delete') {
        if (present.delete(op.key)) tree = await tree.delete(mstKey(op.key));
      } else if (present.has(op.key)) {
        tree = await tree.update(mstKey(op.key), await cidOf(op.value));
      } else {
        present.add(op.key);
        tree = await tree.add(mstKey(op.key), await cidOf(op.value));
      }
    }
  }, () => tree.getPointer());
  const note = [result.note, 'in-memory MST, blocks not written to the blockstore', engineNote('@atproto/repo')].filter(Boolean).join('; ');
  return { peer, version: versionOf('@atproto/repo'), loadSeconds: round3(loadSeconds), updatesPerSecond: result.updatesPerSecond, updatesMeasured: result.updatesMeasured, rootSeconds: result.rootSeconds, note };
}

async function okraMemory({ n, ops, batch, maxSeconds }) {
  const peer = 'okra-memory';
  const okra = await importPeer('@canvas-js/okra-memory');
  if (okra.skipped) return { peer, skipped: okra.skipped };
  const { Tree } = okra.mod;

  // fromEntries (sorted input, one bottom-up build) is okra's bulk path; single sets would take
  // far longer. Default metadata: K = 16, Q = 32, Mode.Store.
  const loadStart = now();
  async function* entries() {
    for (let i = 0; i < n; i++) yield [encoder.encode(keyOf(i)), encoder.encode(valueOf(i, 0))];
  }
  const tree = await Tree.fromEntries({}, entries());
  await tree.read((txn) => txn.getRoot());
  const loadSeconds = now() - loadStart;
  if (loadSeconds > maxSeconds) return { peer, version: versionOf('@canvas-js/okra-memory'), skipped: `exceeds ${maxSeconds}s at ${n} keys (load took ${Math.round(loadSeconds)} s)` };

  // One write transaction per batch, like our bench's tree.batch; okra hashes eagerly inside it.
  const result = await timedUpdates(ops, batch, maxSeconds, (slice) => tree.write((txn) => {
    for (const op of slice) {
      if (op.type === 'delete') txn.delete(encoder.encode(op.key));
      else txn.set(encoder.encode(op.key), encoder.encode(op.value));
    }
  }), () => tree.read((txn) => txn.getRoot()));
  await tree.close();
  return { peer, version: versionOf('@canvas-js/okra-memory'), loadSeconds: round3(loadSeconds), updatesPerSecond: result.updatesPerSecond, updatesMeasured: result.updatesMeasured, rootSeconds: result.rootSeconds, ...(result.note && { note: result.note }) };
}

/**
 * Loads n keys into each peer, then applies updateOps(n, updates, seed) in batches of `batch`.
 * Returns one row per peer: { peer, version, loadSeconds, updatesPerSecond, updatesMeasured,
 * rootSeconds (the final root's share of the update time), note? } or { peer, skipped }.
 * Peers run one after the other so they never share the machine.
 */
export async function peerUpdateRates({ n, updates, batch, seed, maxSeconds = 120 }) {
  const ops = updateOps(n, updates, seed);
  const rows = [];
  for (const run of [atprotoMst, okraMemory]) rows.push(await run({ n, ops, batch, maxSeconds }));
  return rows;
}

// ---- Repair: negentropy ----

const PROTOCOL_V1 = 0x61;
const toHex = (bytes) => Buffer.from(bytes).toString('hex');

/** Varints as the negentropy spec writes them: big-endian base 128, high bit = more follows. */
function readVarint(r) {
  for (let v = 0; ;) { const b = r.shift(); v = v * 128 + (b & 0x7f); if (b < 0x80) return v; }
}
function varint(v) {
  const out = [v & 0x7f];
  for (v = Math.floor(v / 128); v > 0; v = Math.floor(v / 128)) out.unshift((v & 0x7f) | 0x80);
  return Uint8Array.from(out);
}

/** A cursor with the shape nostr-tools' decodeBound reads (length, shift, shiftN). */
class Reader {
  constructor(bytes) { this.bytes = bytes; this.pos = 0; }
  get length() { return this.bytes.length - this.pos; }
  shift() { if (this.pos >= this.bytes.length) throw new Error('negentropy message ends early'); return this.bytes[this.pos++]; }
  shiftN(k) { if (this.length < k) throw new Error('negentropy message ends early'); this.pos += k; return this.bytes.subarray(this.pos - k, this.pos); }
}
/** An output with the shape nostr-tools' splitRange writes to (extend with bytes or a buffer). */
class Writer {
  constructor() { this.parts = []; this.length = 0; }
  extend(b) { const u = b instanceof Uint8Array ? b : b.unwrap(); this.parts.push(u); this.length += u.length; }
  bytes() { return Buffer.concat(this.parts); }
}

/**
 * The responder side of negentropy v1. nostr-tools ships only the initiator (its peer in NIP-77
 * is a relay): its reconcile answers an IdList by computing the difference itself and going
 * silent, so two instances of it lose differences (on this data, n = 1000, d = 1: the client
 * learns 0 of 2 differing ids; n = 100000, d = 1000: 1388 of 1593).
 * Per the protocol, a responder answers an IdList with its own ids in that range, and the
 * initiator alone works out have/need. This class adds just that loop, written from the spec,
 * on the library's own storage, fingerprints, bound coding and range splitting.
 */
function makeResponder(Negentropy) {
  return class Responder extends Negentropy {
    reconcile(queryHex) {
      const query = new Reader(Buffer.from(queryHex, 'hex'));
      this.lastTimestampIn = this.lastTimestampOut = 0;
      if (query.shift() !== PROTOCOL_V1) throw new Error('unsupported negentropy protocol version');
      const out = new Writer();
      out.extend(Uint8Array.of(PROTOCOL_V1));
      const size = this.storage.size();
      let prevIndex = 0;
      let prevBound = this._bound(0);
      let skipping = false; // agreed ranges since the last written bound, left implicit
      let writtenIndex = 0; // where the ranges the initiator will read next begin
      while (query.length > 0) {
        const bound = this.decodeBound(query);
        const mode = readVarint(query);
        const upper = this.storage.findLowerBound(prevIndex, size, bound);
        const range = new Writer();
        let cutAt; // set when this frame ends early: the index the closing fingerprint starts at
        const openRange = () => {
          if (skipping) { range.extend(this.encodeBound(prevBound)); range.extend(varint(0)); }
          skipping = false;
        };
        if (mode === 0) skipping = true;
        else if (mode === 1) {
          const theirs = query.shiftN(16);
          if (Buffer.compare(theirs, this.storage.fingerprint(prevIndex, upper)) === 0) skipping = true;
          else { openRange(); this.splitRange(prevIndex, upper, bound, range); }
        } else if (mode === 2) {
          query.shiftN(32 * readVarint(query));
          // Our ids in the range, as many as the frame has room for: a range can hold far more
          // ids than one frame (all of B's inserts when A has none), and sending nothing in its
          // place would only make the initiator ask again, for ever.
          const room = Math.floor((this.frameSizeLimit - 200 - out.length - 128) / 32);
          const end = Math.min(upper, prevIndex + Math.max(0, room));
          if (end > prevIndex || end === upper) {
            openRange();
            range.extend(this.encodeBound(end === upper ? bound : this.storage.getItem(end)));
            range.extend(varint(2));
            range.extend(varint(end - prevIndex));
            this.storage.iterate(prevIndex, end, (item) => { range.extend(item.id); return true; });
            if (end < upper) cutAt = end;
          } else cutAt = writtenIndex; // no room for even one id: this range goes in the fingerprint
        } else throw new Error(`unexpected negentropy mode ${mode}`);

        if (cutAt === undefined && this.exceededFrameSizeLimit(out.length + range.length)) cutAt = writtenIndex;
        else for (const part of range.parts) out.extend(part);
        if (cutAt !== undefined) {
          // Hand the rest back as one fingerprint from the last bound written; the initiator splits it.
          out.extend(this.encodeBound(this._bound(Number.MAX_VALUE)));
          out.extend(varint(1));
          out.extend(this.storage.fingerprint(cutAt, size));
          break;
        }
        if (range.length > 0) writtenIndex = upper;
        prevIndex = upper;
        prevBound = bound;
      }
      return toHex(out.bytes());
    }
  };
}

/** Item id: SHA-256 of key, NUL, value. Timestamp: the key's index, so items sort stably by row. */
const itemId = (key, value) => createHash('sha256').update(`${key}\0${value}`).digest('hex');
const timestampOf = (key) => Number(key.slice(4));

/**
 * Reconciles replica A (n initial keys, the client) with replica B (A after updateOps(n, d, seed),
 * the server) over negentropy in process. Returns { peer, version, n, d, roundTrips,
 * bytesClientToServer, bytesServerToClient, bytesPerDifference (per id), bytesPerDifferingKey, differingIds, haveIds, needIds,
 * frameSizeLimit, setupSeconds, seconds, note } or { peer, skipped }. seconds is the exchange
 * alone (both sides in this thread, no network); setupSeconds hashes and sorts both replicas.
 * frameSizeLimit defaults to nostr-tools' own. Throws if the ids found differ from the true
 * symmetric difference.
 */
export async function negentropyRepair({ n, d, seed, frameSizeLimit = 60000 }) {
  const peer = 'negentropy (nostr-tools nip77)';
  const lib = await importPeer('nostr-tools');
  if (lib.skipped) return { peer, skipped: lib.skipped };
  const { Negentropy, NegentropyStorageVector } = lib.mod.nip77;

  const setupStart = now();
  const replicaA = new Map(initialOps(n).map((op) => [op.key, op.value]));
  const replicaB = new Map(replicaA);
  const ops = updateOps(n, d, seed);
  for (const op of ops) op.type === 'delete' ? replicaB.delete(op.key) : replicaB.set(op.key, op.value);
  const idsOf = (replica) => [...replica].map(([key, value]) => [timestampOf(key), itemId(key, value)]);
  const storageOf = (items) => {
    const storage = new NegentropyStorageVector();
    for (const [timestamp, id] of items) storage.insert(timestamp, id);
    storage.seal();
    return storage;
  };
  const itemsA = idsOf(replicaA);
  const itemsB = idsOf(replicaB);
  const client = new Negentropy(storageOf(itemsA), frameSizeLimit);
  const server = new (makeResponder(Negentropy))(storageOf(itemsB), frameSizeLimit);
  const setupSeconds = now() - setupStart;

  const have = [], need = [];
  let roundTrips = 0, bytesClientToServer = 0, bytesServerToClient = 0;
  const start = now();
  let message = client.initiate();
  while (message !== null) {
    bytesClientToServer += message.length / 2;
    const reply = server.reconcile(message);
    roundTrips++;
    bytesServerToClient += reply.length / 2;
    message = client.reconcile(reply, (id) => have.push(id), (id) => need.push(id));
  }
  const seconds = now() - start;

  // The naive answer, to hold the protocol run to it.
  const setA = new Set(itemsA.map(([, id]) => id));
  const setB = new Set(itemsB.map(([, id]) => id));
  let truth = 0;
  for (const id of setA) if (!setB.has(id)) truth++;
  for (const id of setB) if (!setA.has(id)) truth++;
  const differingIds = have.length + need.length;
  if (differingIds !== truth || new Set([...have, ...need]).size !== differingIds) {
    throw new Error(`negentropy found ${differingIds} differing ids (have ${have.length}, need ${need.length}); the true symmetric difference is ${truth}`);
  }
  return {
    peer, version: versionOf('nostr-tools'), n, d, roundTrips, bytesClientToServer, bytesServerToClient,
    bytesPerDifference: differingIds ? round3((bytesClientToServer + bytesServerToClient) / differingIds) : null,
    // An update is two differing ids (old and new) but one differing key: this is per key, as ours.
    bytesPerDifferingKey: differingIds ? round3((bytesClientToServer + bytesServerToClient) / differingKeys(n, ops)) : null,
    differingIds, haveIds: have.length, needIds: need.length, frameSizeLimit,
    setupSeconds: round3(setupSeconds), seconds: round3(seconds),
    note: 'client: nostr-tools Negentropy (initiator); server: responder loop from the spec over nostr-tools storage (nostr-tools has no responder)',
  };
}

// ---- CLI ----

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '10000,100000' },
      d: { type: 'string', default: '1,10,1000' },
      updates: { type: 'string', default: '100000' },
      batch: { type: 'string', default: '1000' },
      seed: { type: 'string' }, // default: n, as bench/keyed.bench.mjs seeds updateOps
      'max-seconds': { type: 'string', default: '120' },
      'frame-size-limit': { type: 'string', default: '60000' },
    },
  });
  const list = (s) => s.split(',').map(Number);
  const started = now();
  const report = { date: new Date().toISOString(), node: process.versions.node, updates: [], repair: [] };
  for (const n of list(values.sizes)) {
    const seed = values.seed === undefined ? n : Number(values.seed);
    const t = now();
    for (const row of await peerUpdateRates({ n, updates: Number(values.updates), batch: Number(values.batch), seed, maxSeconds: Number(values['max-seconds']) })) {
      report.updates.push({ keys: n, updates: Number(values.updates), batch: Number(values.batch), ...row });
    }
    for (const d of list(values.d)) report.repair.push(await negentropyRepair({ n, d, seed, frameSizeLimit: Number(values['frame-size-limit']) }));
    console.error(`n=${n} done in ${Math.round(now() - t)} s`);
  }
  report.totalSeconds = round3(now() - started);
  report.peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  console.log(JSON.stringify(report, null, 2));
}

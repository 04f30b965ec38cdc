// The shared allocation records of a kind whose objects hold values from a
// pool (a Service's cluster IPs and node ports), on a log with several
// writers (etcd): kube's RangeAllocation objects at
// `<etcd-prefix>/ranges/serviceips` and `/ranges/servicenodeports`, each a
// bitmap of its range's offsets (bit i of a big-endian integer, as Go's
// big.Int writes it, base64 in `data`).
//
// Before a change to such an object is appended, the offsets it takes that its
// previous value did not hold are claimed in the records by compare-and-swap;
// offsets another server holds make the write run again (allocate then sees
// them taken); after the append, offsets the object no longer holds are
// released, and offsets claimed for a change that was not stored are given back.
// Within one process, changes to one record are made one at a time.
//
// Not an actor: commit.ts calls it in the store's actor; the log's answers come back through state.deliver.

import type { KubeObject } from '../../protocol/kube/meta.js';
import type { AllocationRecordClaim } from '../../scheme/kind-description.js';
import type { StoreState } from './store-state.js';
import { encodeText, whenLogAnswers } from './store-state.js';

interface RecordValue {
  /** The record's revision; 0 when it does not exist yet. */
  revision: number;
  range: string;
  /** Bit i of the big-endian integer is offset i; sized for the range. */
  bits: Uint8Array;
}

interface RecordQueue {
  busy: boolean;
  next: (() => void)[];
}

interface Records {
  /** What each record held when this store last read it: what allocate avoids picking. */
  known: Map<string, RecordValue>;
  /**
   * Offsets a claim found another server holding, for the run of the request that asked for them
   * (which comes next, once the cache has caught up): it is refused them, once. Anything else that
   * names a value claims it against a fresh read, since a record read earlier may be stale.
   */
  refused: Map<string, Set<number>>;
  queues: Map<string, RecordQueue>;
}

const RECORDS = new WeakMap<StoreState, Records>();

function recordsOf(state: StoreState): Records {
  let records = RECORDS.get(state);
  if (!records) RECORDS.set(state, (records = { known: new Map(), refused: new Map(), queues: new Map() }));
  return records;
}

/** Whether the shared records matter here: only where other processes write too. */
export function sharesAllocations(state: StoreState): boolean {
  return state.log.sharedWriters && state.kind.allocationRecords !== undefined;
}

/** Whether the record shows `offset` taken: as last read here when picking one, as a claim just found it when one is asked for. */
export function claimedOffset(state: StoreState, record: string, offset: number, requested: boolean): boolean {
  const records = RECORDS.get(state);
  if (requested) return records?.refused.get(record)?.delete(offset) === true;
  const value = records?.known.get(record);
  return value !== undefined && hasBit(value.bits, offset);
}

/** A fresh read of a record: what it shows, and which refused offsets it still shows taken (plus `taken`). */
function learn(state: StoreState, record: string, value: RecordValue, taken: readonly number[] = []): void {
  const records = recordsOf(state);
  records.known.set(record, value);
  const refused = new Set([...(records.refused.get(record) ?? []), ...taken].filter((o) => hasBit(value.bits, o)));
  if (refused.size > 0) records.refused.set(record, refused);
  else records.refused.delete(record);
}

function hasBit(bits: Uint8Array, offset: number): boolean {
  const byte = bits.length - 1 - Math.floor(offset / 8);
  return byte >= 0 && ((bits[byte] ?? 0) & (1 << offset % 8)) !== 0;
}

function setBit(bits: Uint8Array, offset: number, on: boolean): void {
  const byte = bits.length - 1 - Math.floor(offset / 8);
  if (byte < 0) return;
  if (on) bits[byte]! |= 1 << offset % 8;
  else bits[byte]! &= ~(1 << offset % 8);
}

function emptyBits(size: number): Uint8Array {
  return new Uint8Array(Math.ceil(size / 8));
}

/** `<etcd-prefix>/ranges/<record>`, beside the kind's own keys. */
function keyOf(state: StoreState, record: string): string {
  const own = `${state.kind.storagePrefix ?? state.kind.plural}/`;
  return `${state.prefix.slice(0, state.prefix.length - own.length)}ranges/${record}`;
}

function encodeRecord(value: RecordValue): Uint8Array {
  let start = 0;
  while (start < value.bits.length && value.bits[start] === 0) start++;
  const data = Buffer.from(value.bits.subarray(start)).toString('base64');
  return encodeText(JSON.stringify({ kind: 'RangeAllocation', apiVersion: 'v1', metadata: { creationTimestamp: null }, range: value.range, data }));
}

function decodeRecord(text: string, revision: number, claim: AllocationRecordClaim): RecordValue | undefined {
  try {
    const stored = JSON.parse(text) as { range?: unknown; data?: unknown };
    if (stored.range !== claim.range || typeof stored.data !== 'string') return undefined;
    const data = Buffer.from(stored.data, 'base64');
    const bits = emptyBits(claim.size);
    // A record longer than the range (another server's flag) keeps what fits.
    bits.set(data.subarray(Math.max(data.length - bits.length, 0)), Math.max(bits.length - data.length, 0));
    return { revision, range: claim.range, bits };
  } catch {
    return undefined;
  }
}

/** A record that does not exist yet (or covers another range) starts from what the stored objects hold. */
function seeded(state: StoreState, claim: AllocationRecordClaim, revision: number): RecordValue {
  const bits = emptyBits(claim.size);
  const ranges = state.ranges;
  for (const entry of state.cache.range('')) {
    const object = JSON.parse(Buffer.from(entry.bytes.buffer, entry.bytes.byteOffset, entry.bytes.byteLength).toString('utf8')) as KubeObject;
    const held = state.kind.allocationRecords!(object, ranges).find((c) => c.record === claim.record);
    for (const offset of held?.offsets ?? []) setBit(bits, offset, true);
  }
  return { revision, range: claim.range, bits };
}

/** Runs `task` when no other change to the record is under way in this store; `task` calls its argument when done. */
function serially(state: StoreState, record: string, task: (done: () => void) => void): void {
  const queues = recordsOf(state).queues;
  let queue = queues.get(record);
  if (!queue) queues.set(record, (queue = { busy: false, next: [] }));
  const q = queue;
  const run = (): void => {
    q.busy = true;
    task(() => {
      const following = q.next.shift();
      if (following) following();
      else q.busy = false;
    });
  };
  if (q.busy) q.next.push(run);
  else run();
}

type Change = { ok: true } | { taken: true } | { error: Error };

/** Reads the record, sets or clears `offsets`, and writes it back by compare-and-swap, again until it applies. */
function change(state: StoreState, claim: AllocationRecordClaim, offsets: readonly number[], on: boolean, done: (outcome: Change) => void): void {
  const key = keyOf(state, claim.record);
  serially(state, claim.record, (next) => {
    const finish = (outcome: Change): void => {
      next();
      done(outcome);
    };
    const attempt = (): void => {
      // Loaded by the records' folder: a load skips the key equal to its prefix (a fence's).
      const folder = key.slice(0, key.lastIndexOf('/') + 1);
      whenLogAnswers(state, (answer: (result: { rows: Iterable<{ key: string; revision: number; text: string }> } | Error) => void) => state.log.load(folder, answer), (result) => {
        if (result instanceof Error) return finish({ error: result });
        let row: { revision: number; text: string } | undefined;
        for (const r of result.rows) if (r.key === key) row = r;
        const value = (row && decodeRecord(row.text, row.revision, claim)) ?? seeded(state, claim, row?.revision ?? 0);
        const taken = on ? offsets.filter((o) => hasBit(value.bits, o)) : [];
        learn(state, claim.record, value, taken);
        if (taken.length > 0) return finish({ taken: true });
        const bits = value.bits.slice();
        for (const offset of offsets) setBit(bits, offset, on);
        const written: RecordValue = { revision: value.revision, range: claim.range, bits };
        state.log.append(
          { key, created: value.revision === 0, deleted: false, expected: value.revision, encode: () => encodeRecord(written) },
          (outcome) => state.deliver(() => {
            if ('conflict' in outcome) return attempt();
            if ('error' in outcome) return finish({ error: outcome.error });
            learn(state, claim.record, { ...written, revision: outcome.revision });
            finish({ ok: true });
          }),
        );
      });
    };
    attempt();
  });
}

/** What changes in each record when `previous` becomes `next` (undefined: absent). */
function differences(state: StoreState, previous: KubeObject | undefined, next: KubeObject | undefined): { claim: AllocationRecordClaim; added: number[]; removed: number[] }[] {
  const before = state.kind.allocationRecords!(previous, state.ranges);
  return state.kind.allocationRecords!(next, state.ranges).map((claim) => {
    const had = new Set(before.find((c) => c.record === claim.record)?.offsets ?? []);
    const has = new Set(claim.offsets);
    return { claim, added: [...has].filter((o) => !had.has(o)), removed: [...had].filter((o) => !has.has(o)) };
  });
}

type Step = { claim: AllocationRecordClaim; offsets: number[] };

/** Changes to the records run one after another; the first that fails ends the run. `done` hears which applied. */
function changeAll(state: StoreState, steps: Step[], on: boolean, done: (outcome: Change, applied: Step[]) => void, applied: Step[] = []): void {
  const [first, ...rest] = steps.filter((s) => s.offsets.length > 0);
  if (!first) return done({ ok: true }, applied);
  change(state, first.claim, first.offsets, on, (outcome) => ('ok' in outcome ? changeAll(state, rest, on, done, [...applied, first]) : done(outcome, applied)));
}

export interface Claimed {
  /** The change was stored: release what the object no longer holds. */
  stored(): void;
  /** The change was not stored: give back what was claimed for it. */
  dropped(): void;
}

/**
 * Claims what `next` takes that `previous` did not hold; then `then` runs with how to settle the
 * claim once the change is stored or not, or with `taken` (another server holds a value) or an error.
 */
export function claimAllocations(
  state: StoreState, previous: KubeObject | undefined, next: KubeObject | undefined, then: (outcome: { claimed: Claimed } | { taken: true } | { error: Error }) => void,
): void {
  const diffs = differences(state, previous, next);
  const added = diffs.map((d) => ({ claim: d.claim, offsets: d.added }));
  const removed = diffs.map((d) => ({ claim: d.claim, offsets: d.removed }));
  const report = (what: string) => (outcome: Change): void => {
    if ('error' in outcome) state.warn(`${what} in the shared allocation records of ${state.kind.plural}: ${outcome.error.message}`);
  };
  changeAll(state, added, true, (outcome, applied) => {
    if ('taken' in outcome || 'error' in outcome) {
      // What this run claimed before the refusal goes back.
      changeAll(state, applied, false, report('giving back a claim'));
      return then(outcome);
    }
    then({
      claimed: {
        stored: () => changeAll(state, removed, false, report('releasing')),
        dropped: () => changeAll(state, added, false, report('giving back a claim')),
      },
    });
  });
}

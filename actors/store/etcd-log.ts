// RevisionLog on an etcd cluster (`--storage-backend=etcd3`). The only module that talks to etcd.
//
// - Keys are kube-apiserver's (`<etcd-prefix>/<resource>/<namespace>/<name>`); values are the
//   objects as JSON without a resourceVersion: etcd's mod_revision is it, as in kube.
// - Appends are transactions that compare the key's mod_revision (create_revision 0 for a
//   create), kube's GuaranteedUpdate precondition, so processes sharing the cluster never
//   overwrite each other's changes unseen.
// - One gRPC watch stream per process carries every store's watcher. A store is told of
//   changes only through it, its own included, so every process sees one order: etcd's.
// - A consistent read needs the cache to have seen every change made before it. Which way
//   depends on the cluster's version, read from every member's Maintenance Status at connect:
//   - etcd 3.4.31 or later in 3.4, 3.5.13 or later (kube-apiserver's way): read etcd's current
//     revision (a range of no keys), then ask the watch stream for a progress notification.
//     Such etcd sends it only once every watcher on the stream has been sent everything up to
//     the revision it reports, so each follower's feed is then complete up to there.
//   - older etcd, or a member that does not say: a fence. The store writes an empty value at
//     the bare prefix key (never an object's key) and waits until its own watcher reports it:
//     etcd sends a watcher's events in revision order, so everything before the fence has
//     arrived. Older etcd may send a progress notification ahead of events still queued
//     (etcd-io/etcd#15220); Debian ships 3.4.23. Reads that arrive together share a fence.
//
// The client is etcd3 (npm), chosen over a hand-written one because it gives the raw KV and
// Watch RPCs (txn, compaction, progress requests) over @grpc/grpc-js, with failover across
// --etcd-servers and retries on connection errors. It is loaded only when this backend is.

import { createRequire } from 'node:module';
import type { Etcd3, IWatchResponse } from 'etcd3';
import { rootCertificates } from 'node:tls';
import type { Log } from '../../lib/log.js';
import { CompactedError, type AppendRequest, type Feed, type FeedChange, type LatestRow, type RevisionLog } from './revision-log.js';

interface Duplex {
  write(request: unknown): void;
  /** Ends the call at once: end() only half-closes it, and leaves the connection open. */
  cancel(): void;
  on(event: 'data', listener: (response: IWatchResponse) => void): void;
  on(event: 'error' | 'end', listener: (error?: Error) => void): void;
  end(): void;
  removeAllListeners(): void;
}

interface Follower {
  prefix: string;
  /** Every change up to this revision has been reported to the sink. */
  reported: number;
  sink(feed: Feed): void;
  watchId: string | undefined;
  stopped: boolean;
}

/** Keys per range request while loading or reading a snapshot. */
const PAGE = 1_000;
const RECONNECT_MS = 250;

/** The end of the key range of every key starting with `prefix`. */
function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix);
  end[end.length - 1]! += 1;
  return end;
}

const isCompacted = (e: unknown): boolean => e instanceof Error && /compacted/.test(e.message);

/** How long a starting server waits for etcd to answer before it gives up, with one clear error. */
export const ETCD_STARTUP_TIMEOUT_MS = 10_000;

/** How long connecting waits for a member to say its version; one that does not counts as old. */
const VERSION_TIMEOUT_MS = 3_000;

/** How this log makes a read consistent: by a progress notification, or by writing a fence. */
export type ConsistentReads = 'progress' | 'fence';

/** Whether etcd `version` sends a requested progress notification only after every queued event (etcd-io/etcd#15220). */
export function progressNotifyIsSafe(version: string): boolean {
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!match) return false;
  const [major, minor, patch] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (major !== 3) return major > 3;
  if (minor === 4) return patch >= 31;
  if (minor === 5) return patch >= 13;
  return minor > 5;
}

export interface EtcdLogOptions {
  servers: string[];
  /** Decided from the members' versions at connect when absent; given, for specs of either way. */
  consistentReads?: ConsistentReads | undefined;
  /** PEM for TLS: the CA that signed etcd's serving certificate (the system's when absent), and a client certificate and key. */
  tls?: { ca: Buffer | undefined; cert: Buffer | undefined; key: Buffer | undefined } | undefined;
  logger: Log;
}

/**
 * Opens the log once a member of the cluster answers a read, trying until `timeoutMs` has passed;
 * a server started against an etcd it cannot reach then fails at once, saying so, instead of serving nothing.
 */
export async function openEtcdLogWhenReachable(options: EtcdLogOptions, timeoutMs = ETCD_STARTUP_TIMEOUT_MS): Promise<EtcdLog> {
  const log = openEtcdLog(options);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await new Promise<number | Error>((resolve) => log.probe(resolve));
    if (!(answer instanceof Error)) {
      if (!options.consistentReads) log.useConsistentReads(await consistentReadsOf(options));
      return log;
    }
    if (Date.now() >= deadline) {
      await log.close();
      throw new Error(`etcd at ${options.servers.join(',')} did not answer within ${timeoutMs / 1000}s: ${answer.message}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export interface EtcdLog extends RevisionLog {
  /** How consistent reads are made on this cluster. */
  readonly consistentReads: ConsistentReads;
}

/** An etcd3 client for `hosts`. grpc-js and protobufjs take ~100 ms to load: a SQLite server never pays for them. */
function clientFor(options: EtcdLogOptions, hosts: string[]): Etcd3 {
  const { Etcd3: Client } = createRequire(import.meta.url)('etcd3') as { Etcd3: typeof Etcd3 };
  const tls = options.tls;
  const credentials = tls
    ? { rootCertificate: tls.ca ?? Buffer.from(rootCertificates.join('\n')), ...(tls.cert && tls.key ? { certChain: tls.cert, privateKey: tls.key } : {}) }
    : undefined;
  return new Client({ hosts, dialTimeout: 3_000, ...(credentials ? { credentials } : {}) });
}

/**
 * Progress notifications when every member runs an etcd that sends them safely, else fences. A member
 * that does not answer counts as old: kube-apiserver's feature checker is as cautious.
 */
async function consistentReadsOf(options: EtcdLogOptions): Promise<ConsistentReads> {
  const versions = await Promise.all(options.servers.map(async (server) => {
    const client = clientFor(options, [server]);
    let timer: NodeJS.Timeout | undefined;
    const silent = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(''), VERSION_TIMEOUT_MS)));
    try {
      return await Promise.race([client.maintenance.status().then((status) => status.version), silent]);
    } catch {
      return '';
    } finally {
      clearTimeout(timer);
      client.close();
    }
  }));
  const reads = versions.every(progressNotifyIsSafe) ? 'progress' : 'fence';
  options.logger.info(`etcd ${versions.join(', ')}: consistent reads by ${reads === 'progress' ? 'progress notification' : 'fence writes'}`);
  return reads;
}

function openEtcdLog(options: EtcdLogOptions): EtcdLog & { probe(done: (revision: number | Error) => void): void; useConsistentReads(reads: ConsistentReads): void } {
  const { logger } = options;
  const client = clientFor(options, options.servers);
  const kv = client.kv;
  let consistentReads: ConsistentReads = options.consistentReads ?? 'fence';
  /** Progress notifications: the highest revision a reader waits for, and whether a request is on its way. */
  const progress = { wanted: 0, requested: false };

  let current = 0;
  let compacted = 0;
  let lastError: string | undefined;
  let closed = false;
  let inFlight = 0;
  let settled: ((error?: Error) => void)[] = [];

  const followers = new Set<Follower>();
  const byWatchId = new Map<string, Follower>();
  /** Followers whose create request awaits etcd's `created` answer: etcd answers them in order. */
  let creating: Follower[] = [];
  let stream: Duplex | undefined;
  let connecting = false;
  /** Per prefix: readers waiting for the fence now being written, and those that came after it was sent. */
  const fences = new Map<string, { writing: boolean; next: ((revision: number | Error) => void)[] }>();

  function noteHeader(revision: string | number | undefined): number {
    const n = Number(revision ?? 0);
    if (n > current) current = n;
    return n;
  }

  function failed(e: unknown): Error {
    const error = e instanceof Error ? e : new Error(String(e));
    lastError = error.message;
    return error;
  }

  function create(follower: Follower): void {
    creating.push(follower);
    stream!.write({ create_request: { key: Buffer.from(follower.prefix), range_end: prefixEnd(follower.prefix), start_revision: follower.reported + 1 } });
  }

  function connect(): void {
    if (connecting || stream || closed) return;
    connecting = true;
    client.watchClient.watch().then(
      (opened) => {
        connecting = false;
        if (closed) return (opened as unknown as Duplex).cancel();
        stream = opened as unknown as Duplex;
        stream.on('data', onResponse);
        stream.on('error', (error) => broken(opened as unknown as Duplex, error));
        stream.on('end', () => broken(opened as unknown as Duplex, new Error('the watch stream ended')));
        for (const follower of followers) create(follower);
        requestProgress();
      },
      (error: unknown) => {
        connecting = false;
        failed(error);
        setTimeout(connect, RECONNECT_MS);
      },
    );
  }

  /** Stops listening to a stream; one left without an error listener would throw on its next error. */
  function detach(which: Duplex): void {
    which.removeAllListeners();
    which.on('error', () => undefined);
  }

  /** The stream went away (a member stopped, the network broke): follow again from where each follower was. */
  function broken(which: Duplex, error?: Error): void {
    if (stream !== which) return;
    detach(which);
    stream = undefined;
    creating = [];
    // A request on the lost stream is never answered: readers still waiting ask again on the next.
    progress.requested = false;
    byWatchId.clear();
    for (const follower of followers) follower.watchId = undefined;
    if (closed) return;
    logger.warn(`etcd watch stream lost (${error?.message ?? 'ended'}); reconnecting`);
    failed(error ?? new Error('the watch stream ended'));
    setTimeout(connect, RECONNECT_MS);
  }

  function onResponse(response: IWatchResponse): void {
    const revision = noteHeader(response.header?.revision);
    lastError = undefined;
    if (response.created) {
      const follower = creating.shift();
      if (follower) {
        follower.watchId = String(response.watch_id);
        byWatchId.set(follower.watchId, follower);
        if (follower.stopped) cancel(follower);
      }
    }
    const id = String(response.watch_id);
    if (response.canceled) {
      const follower = byWatchId.get(id);
      byWatchId.delete(id);
      const compactRevision = Number(response.compact_revision ?? 0);
      if (follower && !follower.stopped && compactRevision > 0) {
        compacted = Math.max(compacted, compactRevision);
        followers.delete(follower);
        follower.sink({ type: 'expired', compactedRevision: compactRevision });
      }
      return;
    }
    if (response.events.length === 0) {
      if (!response.created) onProgress(id, revision);
      return;
    }
    const follower = byWatchId.get(id);
    if (!follower || follower.stopped) return;
    const changes: FeedChange[] = [];
    for (const event of response.events) {
      const key = event.kv.key.toString();
      // A fence tells only how far the feed has come.
      if (key === follower.prefix) continue;
      changes.push({ revision: Number(event.kv.mod_revision), key, deleted: event.type === 'Delete', ...(event.type === 'Delete' ? {} : { text: event.kv.value.toString() }) });
    }
    follower.reported = Number(response.events[response.events.length - 1]!.kv.mod_revision);
    follower.sink({ type: 'changes', changes, revision: follower.reported });
  }

  /**
   * A progress notification: every watcher on the stream (watch id -1, as etcd answers a progress
   * request) or one of them has been sent everything up to `revision`.
   */
  function onProgress(id: string, revision: number): void {
    const reached = id === '-1' ? [...byWatchId.values()] : [byWatchId.get(id)].filter((f) => f !== undefined);
    for (const follower of reached) {
      if (follower.stopped || follower.reported >= revision) continue;
      follower.reported = revision;
      follower.sink({ type: 'changes', changes: [], revision });
    }
    if (id !== '-1') return;
    progress.requested = false;
    requestProgress();
  }

  /** Asks the stream for a progress notification, unless one is on its way or no reader waits past what was reported. */
  function requestProgress(): void {
    if (progress.requested || !stream) return;
    const behind = [...byWatchId.values()].some((f) => !f.stopped && f.reported < progress.wanted);
    if (!behind && creating.length === 0) return;
    progress.requested = true;
    stream.write({ progress_request: {} });
  }

  /** The revision a read of `prefix` must wait for, by progress notification: etcd's current one. */
  function progressRevision(done: (revision: number | Error) => void): void {
    kv.range({ key: Buffer.from('\0'), count_only: true }).then(
      (response) => {
        const revision = noteHeader(response.header.revision);
        progress.wanted = Math.max(progress.wanted, revision);
        done(revision);
        requestProgress();
      },
      (e: unknown) => done(failed(e)),
    );
  }

  function cancel(follower: Follower): void {
    if (stream && follower.watchId !== undefined) stream.write({ cancel_request: { watch_id: follower.watchId } });
  }

  /** Writes the fence of `prefix` for every reader waiting on it; readers that come meanwhile wait for the next one. */
  function writeFence(prefix: string): void {
    const fence = fences.get(prefix)!;
    if (fence.writing || fence.next.length === 0) return;
    const readers = fence.next;
    fence.next = [];
    fence.writing = true;
    kv.put({ key: Buffer.from(prefix), value: Buffer.alloc(0) }).then(
      (response) => {
        const revision = noteHeader(response.header.revision);
        for (const reader of readers) reader(revision);
      },
      (e: unknown) => {
        const error = failed(e);
        for (const reader of readers) reader(error);
      },
    ).finally(() => {
      fence.writing = false;
      writeFence(prefix);
    });
  }

  /** Every live key under `prefix` after `from`, at `revision` (0: now), in key order, page by page. */
  async function rangeAll(prefix: string, from: string, revision: number): Promise<{ rows: LatestRow[]; revision: number }> {
    const rows: LatestRow[] = [];
    // The one key of that length under the prefix is the prefix itself: the fence.
    const prefixBytes = Buffer.byteLength(prefix);
    let start = from ? Buffer.concat([Buffer.from(from), Buffer.from([0])]) : Buffer.from(prefix);
    let at = revision;
    for (;;) {
      const response = await kv.range({ key: start, range_end: prefixEnd(prefix), limit: PAGE, ...(at ? { revision: at } : {}) });
      if (!at) at = noteHeader(response.header.revision);
      for (const item of response.kvs) if (item.key.length !== prefixBytes) rows.push({ revision: Number(item.mod_revision), key: item.key.toString(), text: item.value.toString() });
      if (!response.more || response.kvs.length === 0) return { rows, revision: at };
      start = Buffer.concat([response.kvs[response.kvs.length - 1]!.key, Buffer.from([0])]);
    }
  }

  function settle(): void {
    if (--inFlight > 0) return;
    const waiters = settled;
    settled = [];
    for (const waiter of waiters) waiter();
  }

  return {
    /** etcd's current revision, from a read of no keys: whether the cluster answers at all. */
    probe(done: (revision: number | Error) => void) {
      kv.range({ key: Buffer.from('\0'), count_only: true }).then((r) => done(noteHeader(r.header.revision)), (e: unknown) => done(failed(e)));
    },
    name: 'etcd',
    sharedWriters: true,
    currentRevision: () => current,
    compactedRevision: () => compacted,
    load(prefix, done) {
      rangeAll(prefix, '', 0).then(done, (e: unknown) => done(failed(e)));
    },
    snapshot(prefix, revision, afterKey, done) {
      rangeAll(prefix, afterKey ? prefix + afterKey : '', revision).then(
        ({ rows }) => done(rows),
        (e: unknown) => done(isCompacted(e) ? new CompactedError(Math.max(compacted, revision)) : failed(e)),
      );
    },
    get consistentReads() {
      return consistentReads;
    },
    useConsistentReads(reads: ConsistentReads) {
      consistentReads = reads;
    },
    consistentRevision(prefix, done) {
      if (consistentReads === 'progress') return progressRevision(done);
      let fence = fences.get(prefix);
      if (!fence) fences.set(prefix, (fence = { writing: false, next: [] }));
      fence.next.push(done);
      writeFence(prefix);
    },
    // etcd keeps history, but only a watch reads it: the store's cache serves recent history instead.
    since: () => undefined,
    append(request: AppendRequest, done) {
      const key = Buffer.from(request.key);
      const compare = request.expected === 0
        ? { key, target: 'Create' as const, result: 'Equal' as const, create_revision: 0 }
        : { key, target: 'Mod' as const, result: 'Equal' as const, mod_revision: request.expected };
      const operation = request.deleted ? { request_delete_range: { key } } : { request_put: { key, value: Buffer.from(request.encode(undefined)) } };
      inFlight++;
      kv.txn({ compare: [compare], success: [operation], failure: [] }).then(
        (response) => {
          lastError = undefined;
          const revision = noteHeader(response.header.revision);
          settle();
          done(response.succeeded ? { revision } : { conflict: true });
        },
        (e: unknown) => {
          settle();
          done({ error: failed(e) });
        },
      );
      return undefined;
    },
    follow(prefix, after, sink) {
      const follower: Follower = { prefix, reported: after, sink, watchId: undefined, stopped: false };
      followers.add(follower);
      if (stream) create(follower);
      else connect();
      return () => {
        follower.stopped = true;
        followers.delete(follower);
        cancel(follower);
      };
    },
    whenDurable(done) {
      if (inFlight === 0) queueMicrotask(() => done());
      else settled.push(done);
    },
    async compact(revision) {
      if (revision <= compacted) return;
      try {
        await kv.compact({ revision, physical: false });
      } catch (e) {
        // Another kubeactor on the cluster compacted as far already.
        if (!isCompacted(e)) throw failed(e);
      }
      compacted = Math.max(compacted, revision);
    },
    // etcd removes compacted history itself.
    compactStep: () => false,
    size: () => undefined,
    check: () => lastError,
    async close() {
      closed = true;
      if (stream) {
        detach(stream);
        stream.cancel();
        stream = undefined;
      }
      client.close();
    },
  };
}

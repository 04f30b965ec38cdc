// The storage contract every backend implements: SQLite (sqlite-log.ts) and etcd (etcd-log.ts).
// Modelled on kine and on etcd itself: one revision counter for everything, and
// each change to a key gets the next revision, which *is* its resourceVersion.
//
// Ownership: a backend is opened by the supervisor and handed to store actors
// when they start. Answers that are not immediate come back through callbacks,
// which a store turns into messages to itself.
//
// The two backends differ in who writes:
// - SQLite has one writer, this process. A revision is known the moment a change
//   is appended (so the stored bytes can carry it), and a store learns of its own
//   changes when they are durable. Nothing else ever changes its keys.
// - etcd has many writers, every kubeactor process on the cluster. A revision is
//   known only from etcd's answer, appends are compare-and-swap, and a store
//   learns of every change, its own included, from the log's change feed.

export interface LogRow {
  revision: number;
  key: string;
  created: boolean;
  deleted: boolean;
  value: Uint8Array;
}

/** A key's value (now, or as of a past revision) as text, ready to parse. */
export interface LatestRow {
  revision: number;
  key: string;
  text: string;
}

export interface AppendRequest {
  key: string;
  created: boolean;
  deleted: boolean;
  /** The revision the key must still have for the change to apply; 0: the key must not exist. */
  expected: number;
  /**
   * Returns the bytes to store. Called with the change's revision when the backend knows it
   * before storing (SQLite), or with undefined when it learns it only afterwards (etcd).
   */
  encode(revision: number | undefined): Uint8Array;
}

/** How an append ended: stored at a revision, refused because the key changed (etcd's compare failed), or failed. */
export type AppendOutcome = { revision: number } | { conflict: true } | { error: Error };

/** A change the feed reports: a key written or deleted at a revision; `text` is absent for deletions. */
export interface FeedChange {
  revision: number;
  key: string;
  deleted: boolean;
  text?: string;
}

export type Feed =
  /** Changes in revision order; everything up to `revision` has now been reported. */
  | { type: 'changes'; changes: FeedChange[]; revision: number }
  /** The feed cannot go on from where it was (its start was compacted): reload and follow again. */
  | { type: 'expired'; compactedRevision: number };

export class CompactedError extends Error {
  constructor(readonly compactedRevision: number) {
    super(`required revision has been compacted (${compactedRevision})`);
  }
}

export interface RevisionLog {
  readonly name: 'sqlite' | 'etcd';
  /** True when other processes write too, so that a store must follow the change feed (etcd). */
  readonly sharedWriters: boolean;
  /** The newest revision appended (SQLite) or reported by the change feed (etcd). */
  currentRevision(): number;
  /** The oldest revision known to be retained; watches and snapshots from before it get 410 Expired. */
  compactedRevision(): number;
  /** The newest row per live key under `prefix`, in key order, and the revision they are as of. */
  load(prefix: string, done: (result: { rows: Iterable<LatestRow>; revision: number } | Error) => void): void;
  /**
   * The newest row per key under `prefix` as of `revision` (keys deleted by then skipped), for keys
   * after `afterKey`, in key order: a consistent snapshot for resourceVersionMatch=Exact and for
   * continue tokens. A CompactedError when that revision is no longer kept.
   */
  snapshot(prefix: string, revision: number, afterKey: string, done: (rows: Iterable<LatestRow> | Error) => void): void;
  /**
   * The revision a consistent read of `prefix` must wait for: every change made before the call
   * is at or below it. On etcd the change feed of `prefix` reports it soon after (see etcd-log.ts).
   */
  consistentRevision(prefix: string, done: (revision: number | Error) => void): void;
  /** Every row under `prefix` after `after`, in revision order; undefined when the backend keeps no such history at hand. */
  since(prefix: string, after: number): LogRow[] | undefined;
  /** Appends one change. Returns its revision when known at once (SQLite); `done` runs when it is durable, refused or failed. */
  append(request: AppendRequest, done: (outcome: AppendOutcome) => void): number | undefined;
  /** Reports every change under `prefix` after `after` to `sink`, until the returned function is called. SQLite reports nothing: its only writer is this process. */
  follow(prefix: string, after: number, sink: (feed: Feed) => void): () => void;
  /** Runs `done` once every append made so far has settled. */
  whenDurable(done: (error?: Error) => void): void;
  /**
   * Starts compacting history to `revision`: from now on it is the oldest
   * revision a watch may start after. SQLite removes rows in compactStep's windows.
   */
  compact(revision: number): Promise<void>;
  /**
   * Removes one bounded window of superseded rows (older values, and
   * deletions) at or below the compaction revision, so that compaction never
   * holds the request path for long. True while more remains.
   */
  compactStep(): boolean;
  /** Rows and bytes stored, for tests and benchmarks of compaction; undefined where the backend does not say (etcd). */
  size(): { rows: number; bytes: number } | undefined;
  /** undefined when the backend answers, else why not (the `etcd` health check). */
  check(): string | undefined;
  close(): Promise<void>;
}

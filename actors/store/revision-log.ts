// The storage contract every backend implements (SQLite now, etcd later).
// Modelled on kine: one append-only log whose row id *is* the resourceVersion.
//
// Ownership: a backend is opened by the supervisor and handed to store actors
// when they start. Appends are synchronous (the revision is known at once, so
// the stored bytes can carry it) but not yet durable: callers learn of
// durability through `whenDurable`, and acknowledge clients only then.
// Appends made in the same event-loop turn commit as one transaction.

export interface LogRow {
  revision: number;
  key: string;
  created: boolean;
  deleted: boolean;
  value: Uint8Array;
}

/** A key's newest value (now, or as of a past revision) as text, ready to parse. */
export interface LatestRow {
  revision: number;
  key: string;
  text: string;
}

export interface AppendRequest {
  key: string;
  created: boolean;
  deleted: boolean;
  /** Called with the revision this row will have; returns the bytes to store. */
  encode(revision: number): Uint8Array;
}

export interface RevisionLog {
  readonly name: string;
  /** The newest revision appended (durable or not). */
  currentRevision(): number;
  /** The oldest revision still retained; older watches get 410 Expired. */
  compactedRevision(): number;
  /** The newest row per key under `prefix`, skipping deleted keys, ordered by key. */
  latest(prefix: string): Iterable<LatestRow>;
  /**
   * The newest row per key under `prefix` as of `revision` (keys deleted by then skipped), for keys
   * after `afterKey`, in key order: a consistent snapshot for resourceVersionMatch=Exact and for
   * continue tokens. Only revisions at or after compactedRevision() are complete.
   */
  latestAt(prefix: string, revision: number, afterKey: string): Iterable<LatestRow>;
  /** Every row under `prefix` with a revision greater than `after`, in revision order. */
  since(prefix: string, after: number): LogRow[];
  append(request: AppendRequest): LogRow;
  /** Runs `done` once everything appended so far is durable (or failed). */
  whenDurable(done: (error?: Error) => void): void;
  /**
   * Starts compacting history to `revision`: from now on it is the oldest
   * revision a watch may start after. Rows are removed by compactStep.
   */
  compact(revision: number): void;
  /**
   * Removes one bounded window of superseded rows (older values, and
   * deletions) at or below the compaction revision, so that compaction never
   * holds the request path for long. True while more remains.
   */
  compactStep(): boolean;
  /** Rows and bytes stored, for tests and benchmarks of compaction. */
  size(): { rows: number; bytes: number };
  /** undefined when the backend answers, else why not (the `etcd` health check). */
  check(): string | undefined;
  close(): void;
}

// RevisionLog on one SQLite file in WAL mode. With sqlite-writer.ts, the only modules that import SQLite.
//
// Two connections. The main thread's reads: loads, snapshots, watch replays,
// sizes, all of committed rows. The writer thread's (sqlite-writer.ts) writes:
// every append and every compaction window, so that COMMIT's fsync never
// holds this thread's event loop.
//
// An append gets its revision here, at once (the next after the newest given
// out), so its stored bytes can carry it. The rows of one event-loop turn go
// to the writer as one batch at the next setImmediate; the writer puts every
// batch that arrived while it was committing into its next transaction (group
// commit). A write's `done` runs only once the writer reports its transaction
// committed, so a client is answered only after its change is durable.
// Revisions of a failed transaction are never given out again: later batches
// may already be on their way.
//
// The writer thread is referenced (keeps the process alive) only while
// writes are waiting for it.

import Database from 'better-sqlite3';
import { Worker } from 'node:worker_threads';
import { CompactedError, type AppendRequest, type LatestRow, type LogRow, type RevisionLog } from './revision-log.js';
import { writerCodec, type FromWriter, type ToWriter, type WriterData, type WriterRow } from '../../protocol/messages/sqlite-writer.js';
import { applyPragmas } from './sqlite-pragmas.js';

interface RawRow {
  id: number;
  name: string;
  created: number;
  deleted: number;
  value: Buffer;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kine (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  value BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS kine_name_id ON kine (name, id);
CREATE TABLE IF NOT EXISTS compaction (id INTEGER PRIMARY KEY CHECK (id = 1), revision INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS layout (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
`;

/** Key layouts: 1 put a group's resources under `/registry/<group>/<plural>/`; 2 is kube-apiserver's. */
const KEY_LAYOUT = 2;

/** A key prefix that moved between layouts. */
export interface PrefixMove {
  from: string;
  to: string;
}

/**
 * Moves the keys of a file written with the first layout to kube-apiserver's, once. Every old
 * prefix's rows are chosen before any moves, since a new prefix may lie inside an old one
 * (`/registry/services/` became `/registry/services/specs/`).
 */
function migrateKeyLayout(db: Database.Database, moves: PrefixMove[]): void {
  const row = db.prepare('SELECT version FROM layout WHERE id = 1').get() as { version: number } | undefined;
  if (row && row.version >= KEY_LAYOUT) return;
  db.transaction(() => {
    const select = db.prepare<[string, string]>('SELECT id FROM kine WHERE name >= ? AND name < ?');
    const rename = db.prepare<[string, number, number]>('UPDATE kine SET name = ? || substr(name, ?) WHERE id = ?');
    const chosen = moves.filter((m) => m.from !== m.to).map((m) => ({ move: m, ids: (select.all(m.from, prefixEnd(m.from)) as { id: number }[]).map((r) => r.id) }));
    for (const { move, ids } of chosen) for (const id of ids) rename.run(move.to, move.from.length + 1, id);
    db.prepare('INSERT INTO layout (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version').run(KEY_LAYOUT);
  })();
}

/** The smallest string greater than every key that starts with `prefix`. */
function prefixEnd(prefix: string): string {
  return prefix + '\uffff';
}

function toLatestRow(raw: { id: number; name: string; text: string }): LatestRow {
  return { revision: raw.id, key: raw.name, text: raw.text };
}

function toRow(raw: RawRow): LogRow {
  return { revision: raw.id, key: raw.name, created: raw.created === 1, deleted: raw.deleted === 1, value: raw.value };
}

/**
 * The writer thread: dist/sqlite-writer.js beside the bundle (scripts/bundle.ts), or the compiled
 * module beside this one when running unbundled. The same relative address finds either.
 */
const WRITER_SCRIPT = new URL('./sqlite-writer.js', import.meta.url);

interface WriterThread {
  send(message: ToWriter): void;
  /** `onMessage` for each answer; `onExit` once, if the thread dies before it has closed. */
  receive(onMessage: (message: FromWriter) => void, onExit: (error: Error) => void): void;
  /** Writes are waiting: keep the process alive until they are answered. */
  busy(): void;
  idle(): void;
  exited(): Promise<void>;
}

function startWriter(path: string): WriterThread {
  const worker = new Worker(WRITER_SCRIPT, { workerData: { path } satisfies WriterData });
  worker.unref();
  const codec = writerCodec();
  const exit = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let closed = false;
  return {
    send(message) {
      const bytes = codec.pack(message);
      worker.postMessage(bytes, [bytes.buffer as ArrayBuffer]);
    },
    receive(onMessage, onExit) {
      worker.on('message', (bytes: Uint8Array) => {
        const message = codec.unpack<FromWriter>(bytes);
        if (message.type === 'writer.closed') closed = true;
        onMessage(message);
      });
      let failure: Error | undefined;
      worker.on('error', (error) => (failure = error));
      worker.on('exit', (code) => {
        if (!closed) onExit(failure ?? new Error(`the SQLite writer thread exited (code ${code})`));
      });
    },
    busy: () => worker.ref(),
    idle: () => worker.unref(),
    exited: () => exit,
  };
}

/** Opens (or creates) the log at `path`; `moves` brings a file of the first key layout to kube's. */
export function openSqliteLog(path: string, moves: PrefixMove[] = []): RevisionLog {
  const db = new Database(path);
  applyPragmas(db);
  db.exec(SCHEMA);
  migrateKeyLayout(db, moves);

  const latestRows = db.prepare<[string, string]>(
    // As TEXT: one V8 string per row, short-lived, instead of a Buffer with its own backing store.
    `SELECT k.id, k.name, CAST(k.value AS TEXT) AS text FROM kine k
     JOIN (SELECT MAX(id) AS id FROM kine WHERE name >= ? AND name < ? GROUP BY name) m ON k.id = m.id
     WHERE k.deleted = 0 ORDER BY k.name`,
  );
  const latestAtRows = db.prepare<[string, string, number]>(
    `SELECT k.id, k.name, CAST(k.value AS TEXT) AS text FROM kine k
     JOIN (SELECT MAX(id) AS id FROM kine WHERE name > ? AND name < ? AND id <= ? GROUP BY name) m ON k.id = m.id
     WHERE k.deleted = 0 ORDER BY k.name`,
  );
  const sinceRows = db.prepare<[string, string, number]>(
    'SELECT id, name, created, deleted, value FROM kine WHERE name >= ? AND name < ? AND id > ? ORDER BY id',
  );
  const maxId = db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM kine');
  const compacted = db.prepare('SELECT revision FROM compaction WHERE id = 1');
  const rowCount = db.prepare('SELECT COUNT(*) AS rows, COALESCE(SUM(LENGTH(value)), 0) AS bytes FROM kine');

  let revision = (maxId.get() as { id: number }).id;
  const writer = startWriter(path);
  // Rows appended this turn, sent to the writer as one batch at the next setImmediate.
  let batch: WriterRow[] = [];
  // Waiters in revision order: each wakes once the writer reports its revision committed (or failed).
  let waiters: { revision: number; wake: (error?: Error) => void }[] = [];
  let woken = 0;
  let compacting: { target: number; done: (error?: Error) => void }[] = [];
  let broken: Error | undefined;
  let whenClosed: (() => void) | undefined;
  let held = false;

  function flush(): void {
    if (batch.length === 0) return;
    const rows = batch;
    batch = [];
    writer.send({ type: 'writer.append', rows });
  }

  /** Wakes every waiter at or below `through`, with `error` when their transaction failed. */
  function settle(through: number, error?: Error): void {
    let i = woken;
    while (i < waiters.length && waiters[i]!.revision <= through) i++;
    const ready = waiters.slice(woken, i);
    woken = i;
    if (woken === waiters.length) {
      waiters = [];
      woken = 0;
    }
    holdProcess();
    for (const waiter of ready) waiter.wake(error);
  }

  writer.receive((message) => {
    switch (message.type) {
      case 'writer.committed':
        return settle(message.through);
      case 'writer.failed':
        return settle(message.through, new Error(message.message));
      case 'writer.compacted': {
        const done = compacting.filter((c) => c.target <= message.target);
        compacting = compacting.filter((c) => c.target > message.target);
        holdProcess();
        for (const c of done) c.done(message.message === undefined ? undefined : new Error(message.message));
        return;
      }
      case 'writer.closed':
        return whenClosed?.();
    }
  }, (error) => {
    // The writer thread died: nothing more can be made durable. Every waiter hears why, and so does every later append.
    broken = error;
    settle(Infinity, error);
    for (const c of compacting) c.done(error);
    compacting = [];
    holdProcess();
    whenClosed?.();
  });

  /** Runs `wake` once every revision up to `upTo` has been committed. */
  function wait(upTo: number, wake: (error?: Error) => void): void {
    if (broken) {
      queueMicrotask(() => wake(broken));
      return;
    }
    waiters.push({ revision: upTo, wake });
    holdProcess();
  }

  /** The writer thread keeps the process alive only while something waits for it. */
  function holdProcess(): void {
    const hold = waiters.length > 0 || compacting.length > 0 || whenClosed !== undefined;
    if (hold === held) return;
    held = hold;
    if (hold) writer.busy();
    else writer.idle();
  }

  const compactedRevision = (): number => (compacted.get() as { revision: number } | undefined)?.revision ?? 0;
  // Streamed, not collected: a store loading 100,000 objects never holds every row at once.
  function* latest(prefix: string): Generator<LatestRow> {
    for (const raw of latestRows.iterate(prefix, prefixEnd(prefix)) as IterableIterator<{ id: number; name: string; text: string }>) yield toLatestRow(raw);
  }
  function* latestAt(prefix: string, at: number, afterKey: string): Generator<LatestRow> {
    const from = afterKey ? prefix + afterKey : prefix;
    for (const raw of latestAtRows.iterate(from, prefixEnd(prefix), at) as IterableIterator<{ id: number; name: string; text: string }>) yield toLatestRow(raw);
  }

  return {
    name: 'sqlite',
    sharedWriters: false,
    currentRevision: () => revision,
    compactedRevision,
    load: (prefix, done) => done({ rows: latest(prefix), revision }),
    snapshot: (prefix, at, afterKey, done) => done(at < compactedRevision() ? new CompactedError(compactedRevision()) : latestAt(prefix, at, afterKey)),
    consistentRevision: (_prefix, done) => done(revision),
    since: (prefix, after) => (sinceRows.all(prefix, prefixEnd(prefix), after) as RawRow[]).map(toRow),
    // The stores of this process are the file's only writers: each already knows its own changes.
    follow: () => () => undefined,
    append(request: AppendRequest, done): number {
      const next = revision + 1;
      const value = request.encode(next);
      if (batch.length === 0) setImmediate(flush);
      batch.push({ id: next, name: request.key, created: request.created ? 1 : 0, deleted: request.deleted ? 1 : 0, value });
      revision = next;
      wait(next, (error) => done(error ? { error } : { revision: next }));
      return next;
    },
    compact(target) {
      if (target <= compactedRevision()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        if (broken) return reject(broken);
        compacting.push({ target, done: (error) => (error ? reject(error) : resolve()) });
        holdProcess();
        writer.send({ type: 'writer.compact', target });
      });
    },
    // The writer runs every window itself, between its transactions, before compact() resolves.
    compactStep: () => false,
    size() {
      return rowCount.get() as { rows: number; bytes: number };
    },
    whenDurable(done) {
      if (waiters.length === 0 && batch.length === 0) {
        queueMicrotask(() => done(broken));
        return;
      }
      wait(revision, done);
    },
    check() {
      if (broken) return broken.message;
      try {
        db.prepare('SELECT 1').get();
        return undefined;
      } catch (e) {
        return e instanceof Error ? e.message : String(e);
      }
    },
    async close() {
      flush();
      if (!broken) {
        await new Promise<void>((resolve) => {
          whenClosed = resolve;
          holdProcess();
          writer.send({ type: 'writer.close' });
        });
      }
      await writer.exited();
      db.close();
    },
  };
}

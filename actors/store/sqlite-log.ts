// RevisionLog on one SQLite file in WAL mode. The only module that imports SQLite.
// Group commit: the first append of an event-loop turn opens a transaction;
// a setImmediate commits it, then wakes every waiter at once.

import Database from 'better-sqlite3';
import { CompactedError, type AppendRequest, type LatestRow, type LogRow, type RevisionLog } from './revision-log.js';

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

const WAL_LIMIT_BYTES = 4 * 1024 * 1024;
/** Row ids per compaction step: a few milliseconds of work at most. */
const COMPACTION_WINDOW = 2_000;

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

/** Opens (or creates) the log at `path`; `moves` brings a file of the first key layout to kube's. */
export function openSqliteLog(path: string, moves: PrefixMove[] = []): RevisionLog {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // FULL: a write is acknowledged only once it survives power loss, not just a crash.
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  // After each checkpoint the WAL file is cut back to this size, so it stays bounded under constant churn.
  db.pragma(`journal_size_limit = ${WAL_LIMIT_BYTES}`);
  db.exec(SCHEMA);
  migrateKeyLayout(db, moves);

  const insert = db.prepare('INSERT INTO kine (id, name, created, deleted, value) VALUES (?, ?, ?, ?, ?)');
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

  // Compaction, kine's way: a row at or below the target goes when a newer row of its key (also at or
  // below the target) supersedes it, or when it records a deletion. Windows are taken in id order, so
  // a deletion's older rows always go in its window or an earlier one: no deleted object reappears.
  const compactWindow = db.prepare<[number, number, number, number]>(
    `DELETE FROM kine WHERE id IN (
       SELECT k.id FROM kine k WHERE k.id >= ? AND k.id < ? AND k.id <= ?
         AND (k.deleted = 1 OR EXISTS (SELECT 1 FROM kine n WHERE n.name = k.name AND n.id > k.id AND n.id <= ?)))`,
  );
  const recordCompaction = db.prepare('INSERT INTO compaction (id, revision) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET revision = excluded.revision');
  const minId = db.prepare('SELECT COALESCE(MIN(id), 0) AS id FROM kine');
  const rowCount = db.prepare('SELECT COUNT(*) AS rows, COALESCE(SUM(LENGTH(value)), 0) AS bytes FROM kine');
  let compaction: { target: number; cursor: number } | undefined;

  let revision = (maxId.get() as { id: number }).id;
  let batchOpen = false;
  let batchError: Error | undefined;
  let waiters: ((error?: Error) => void)[] = [];

  function commit(): void {
    batchOpen = false;
    let error = batchError;
    batchError = undefined;
    if (!error) {
      try {
        db.exec('COMMIT');
      } catch (e) {
        error = e as Error;
      }
    }
    if (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      revision = (maxId.get() as { id: number }).id;
    }
    const woken = waiters;
    waiters = [];
    for (const wake of woken) wake(error);
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
      if (!batchOpen) {
        db.exec('BEGIN IMMEDIATE');
        batchOpen = true;
        setImmediate(commit);
      }
      const next = revision + 1;
      const value = request.encode(next);
      if (!batchError) {
        try {
          insert.run(next, request.key, request.created ? 1 : 0, request.deleted ? 1 : 0, value);
        } catch (e) {
          // The whole batch fails together: its waiters all hear of it at commit.
          batchError = e as Error;
        }
      }
      revision = next;
      waiters.push((error) => done(error ? { error } : { revision: next }));
      return next;
    },
    async compact(target) {
      if (target <= compactedRevision()) return;
      recordCompaction.run(target);
      compaction = { target, cursor: Math.max(compaction?.cursor ?? 0, (minId.get() as { id: number }).id) };
    },
    compactStep() {
      if (!compaction) return false;
      // Appends of this turn hold a transaction open: step in between batches, never inside one.
      if (batchOpen) return true;
      const { target, cursor } = compaction;
      const end = Math.min(cursor + COMPACTION_WINDOW, target + 1);
      compactWindow.run(cursor, end, target, target);
      if (end > target) {
        compaction = undefined;
        db.pragma('wal_checkpoint(TRUNCATE)');
        return false;
      }
      compaction.cursor = end;
      return true;
    },
    size() {
      return rowCount.get() as { rows: number; bytes: number };
    },
    whenDurable(done) {
      if (!batchOpen) {
        queueMicrotask(() => done());
        return;
      }
      waiters.push(done);
    },
    check() {
      try {
        db.prepare('SELECT 1').get();
        return undefined;
      } catch (e) {
        return e instanceof Error ? e.message : String(e);
      }
    },
    async close() {
      if (batchOpen) commit();
      db.close();
    },
  };
}

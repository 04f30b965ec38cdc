// The SQLite revision log's writer, on a thread of its own (node:worker_threads),
// so that COMMIT's fsync (synchronous=FULL) never holds the main thread's event
// loop. It owns the file's only write connection.
//
// Receives (protocol/messages/sqlite-writer.ts): writer.append (rows whose
// revisions the main thread has already given out), writer.compact,
// writer.close. Sends: writer.committed / writer.failed for each transaction,
// writer.compacted, writer.closed.
//
// Group commit: every batch that arrived while the previous COMMIT was
// fsyncing is delivered before the next setImmediate, and all of them go into
// one transaction. Compaction runs one bounded window per turn, between
// transactions, so a batch waits for one window at most.
//
// States: Writing (batches and compaction windows interleave), Closing
// (whatever is pending is committed, the file closed, writer.closed sent).
// Started only by sqlite-log.ts, from workerData; dist/sqlite-writer.js is
// its bundle (scripts/bundle.ts).

import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { writerCodec, type FromWriter, type ToWriter, type WriterData, type WriterRow } from '../../protocol/messages/sqlite-writer.js';
import { applyPragmas } from './sqlite-pragmas.js';

/** Row ids per compaction window: a few milliseconds of work at most. */
const COMPACTION_WINDOW = 2_000;

const port = parentPort!;
const { path } = workerData as WriterData;
const codec = writerCodec();
const db = new Database(path);
applyPragmas(db);

const insert = db.prepare<[number, string, number, number, Uint8Array]>('INSERT INTO kine (id, name, created, deleted, value) VALUES (?, ?, ?, ?, ?)');
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

let pending: WriterRow[] = [];
let commitScheduled = false;
let compaction: { target: number; cursor: number } | undefined;
let closing = false;

function send(message: FromWriter): void {
  const bytes = codec.pack(message);
  port.postMessage(bytes, [bytes.buffer as ArrayBuffer]);
}

/** One transaction for every row received since the last one. */
function commit(): void {
  commitScheduled = false;
  const rows = pending;
  pending = [];
  if (rows.length === 0) return;
  const through = rows[rows.length - 1]!.id;
  try {
    db.exec('BEGIN IMMEDIATE');
    for (const row of rows) insert.run(row.id, row.name, row.created, row.deleted, row.value);
    db.exec('COMMIT');
  } catch (e) {
    if (db.inTransaction) db.exec('ROLLBACK');
    // Every row of the transaction failed together: each waiter hears of it.
    send({ type: 'writer.failed', through, message: e instanceof Error ? e.message : String(e) });
    return;
  }
  send({ type: 'writer.committed', through });
}

/** One compaction window; schedules the next while more remains. */
function compactStep(): void {
  if (!compaction) return;
  const { target, cursor } = compaction;
  const end = Math.min(cursor + COMPACTION_WINDOW, target + 1);
  try {
    compactWindow.run(cursor, end, target, target);
    if (end > target) {
      compaction = undefined;
      db.pragma('wal_checkpoint(TRUNCATE)');
      send({ type: 'writer.compacted', target });
      return;
    }
  } catch (e) {
    compaction = undefined;
    send({ type: 'writer.compacted', target, message: e instanceof Error ? e.message : String(e) });
    return;
  }
  compaction.cursor = end;
  setImmediate(compactStep);
}

function close(): void {
  closing = true;
  commit();
  if (compaction) {
    // What was removed so far stays removed; the rest waits for the next compaction after a restart.
    send({ type: 'writer.compacted', target: compaction.target, message: 'the log closed before compaction finished' });
    compaction = undefined;
  }
  db.close();
  send({ type: 'writer.closed' });
  port.close();
}

port.on('message', (bytes: Uint8Array) => {
  const message = codec.unpack<ToWriter>(bytes);
  if (closing) return;
  switch (message.type) {
    case 'writer.append':
      for (const row of message.rows) pending.push(row);
      if (!commitScheduled) {
        commitScheduled = true;
        setImmediate(commit);
      }
      return;
    case 'writer.compact': {
      const running = compaction !== undefined;
      recordCompaction.run(message.target);
      compaction = { target: message.target, cursor: Math.max(compaction?.cursor ?? 0, (minId.get() as { id: number }).id) };
      if (!running) setImmediate(compactStep);
      return;
    }
    case 'writer.close':
      close();
  }
});

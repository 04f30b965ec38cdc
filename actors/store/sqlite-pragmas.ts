// The connection settings both of the SQLite log's connections use: the main
// thread's readers (sqlite-log.ts) and the writer thread's (sqlite-writer.ts).

import type Database from 'better-sqlite3';

const WAL_LIMIT_BYTES = 4 * 1024 * 1024;

export function applyPragmas(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  // FULL: a write is acknowledged only once it survives power loss, not just a crash.
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  // After each checkpoint the WAL file is cut back to this size, so it stays bounded under constant churn.
  db.pragma(`journal_size_limit = ${WAL_LIMIT_BYTES}`);
}

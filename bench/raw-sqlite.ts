// The storage baseline: better-sqlite3 doing the same rows' writes directly,
// with kubeactor's durability settings (WAL, synchronous=FULL) and a kine-like
// table. Rows per second, the median of `runs` timed runs.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { median } from './measure.js';

export type RawWrite = 'insert' | 'update' | 'delete';

export function rawSqlite(write: RawWrite, perTransaction: number, value: string, runs: number, seconds: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sqlite-'));
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE kine (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, created INTEGER, deleted INTEGER, value BLOB)');
  db.exec('CREATE INDEX kine_name_id ON kine (name, id)');
  const bytes = Buffer.from(value);
  // Each pass over the rows writes the other value, so every UPDATE really changes its row.
  const other = Buffer.from(value.replace(/.$/, (c) => (c === '}' ? ' }' : '}')));
  const name = (i: number): string => `/registry/configmaps/default/raw-${i}`;
  const insert = db.prepare('INSERT INTO kine (name, created, deleted, value) VALUES (?, 1, 0, ?)');
  const update = db.prepare('UPDATE kine SET value = ? WHERE name = ?');
  const remove = db.prepare('DELETE FROM kine WHERE name = ?');
  const UPDATED = 1000;
  // Deletes need rows to delete: a range of its own for each run, inserted up front in one transaction.
  // A run that uses up its range ends early; its rate is still rows over the time it took.
  const DELETE_RANGE = 100_000;
  const prefill = write === 'update' ? UPDATED : write === 'delete' ? DELETE_RANGE * runs : 0;
  db.transaction(() => {
    for (let i = 0; i < prefill; i++) insert.run(name(i), bytes);
  })();
  let next = write === 'insert' ? prefill : 0;
  const one = (i: number): void => {
    if (write === 'insert') insert.run(name(i), bytes);
    else if (write === 'update') update.run(Math.floor(i / UPDATED) % 2 === 0 ? other : bytes, name(i % UPDATED));
    else remove.run(name(i));
  };
  const batch = db.transaction((start: number) => {
    for (let i = 0; i < perTransaction; i++) one(start + i);
  });
  const results: number[] = [];
  const budgetMs = 1000 * Math.min(seconds, 3);
  for (let run = 0; run < runs; run++) {
    const from = write === 'delete' ? run * DELETE_RANGE : next;
    next = from;
    const started = performance.now();
    while (performance.now() - started < budgetMs && (write !== 'delete' || next + perTransaction <= from + DELETE_RANGE)) {
      batch(next);
      next += perTransaction;
    }
    results.push(((next - from) / (performance.now() - started)) * 1000);
  }
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return median(results);
}

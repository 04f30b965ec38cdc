// Which SQLite binding: better-sqlite3 against the `sqlite3` package, both in
// WAL mode with synchronous=FULL, on the revision log's table shape.
// `sqlite3` is not a dependency (it builds from source here); install it
// beside kubeactor to run this:  npm i --no-save sqlite3 && node dist/bench/sqlite-bindings.js

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import Database from 'better-sqlite3';
import { median } from './measure.js';

const require = createRequire(import.meta.url);
const SCHEMA = 'CREATE TABLE kine (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, created INTEGER, deleted INTEGER, value BLOB); CREATE INDEX kine_name_id ON kine (name, id);';
const VALUE = Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' }, data: { key: 'value'.repeat(40) } }));
const SECONDS = 2;

function betterSqlite(perTransaction: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'bind-'));
  const db = new Database(join(dir, 'db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(SCHEMA);
  const insert = db.prepare('INSERT INTO kine (name, created, deleted, value) VALUES (?, 1, 0, ?)');
  const batch = db.transaction((n: number) => {
    for (let i = 0; i < perTransaction; i++) insert.run(`/registry/configmaps/default/x-${n + i}`, VALUE);
  });
  let n = 0;
  const started = performance.now();
  while (performance.now() - started < SECONDS * 1000) {
    batch(n);
    n += perTransaction;
  }
  const rate = (n / (performance.now() - started)) * 1000;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

interface Sqlite3Db {
  run(sql: string, params: unknown[], cb: (error: Error | null) => void): void;
  exec(sql: string, cb: (error: Error | null) => void): void;
  close(cb: () => void): void;
}

async function sqlite3(perTransaction: number): Promise<number> {
  const { Database: Sqlite3 } = require('sqlite3') as { Database: new (path: string) => Sqlite3Db };
  const dir = mkdtempSync(join(tmpdir(), 'bind-'));
  const db = new Sqlite3(join(dir, 'db'));
  const exec = (sql: string): Promise<void> => new Promise((ok, ko) => db.exec(sql, (e) => (e ? ko(e) : ok())));
  const run = (sql: string, params: unknown[]): Promise<void> => new Promise((ok, ko) => db.run(sql, params, (e) => (e ? ko(e) : ok())));
  await exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;');
  await exec(SCHEMA);
  let n = 0;
  const started = performance.now();
  while (performance.now() - started < SECONDS * 1000) {
    await exec('BEGIN');
    for (let i = 0; i < perTransaction; i++) await run('INSERT INTO kine (name, created, deleted, value) VALUES (?, 1, 0, ?)', [`/registry/configmaps/default/x-${n + i}`, VALUE]);
    await exec('COMMIT');
    n += perTransaction;
  }
  const rate = (n / (performance.now() - started)) * 1000;
  await new Promise<void>((ok) => db.close(() => ok()));
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

const rows: string[] = ['| rows per transaction | better-sqlite3 rows/s | sqlite3 rows/s | ratio |', '|---|---|---|---|'];
for (const per of [1, 100]) {
  const better = median([betterSqlite(per), betterSqlite(per), betterSqlite(per)]);
  const plain = median([await sqlite3(per), await sqlite3(per), await sqlite3(per)]);
  rows.push(`| ${per} | ${Math.round(better)} | ${Math.round(plain)} | ${(better / plain).toFixed(2)}× |`);
}
process.stdout.write(`${rows.join('\n')}\n`);

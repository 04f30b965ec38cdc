// The SQLite revision log's writer thread: appends get their revisions at
// once, are acknowledged only once committed, share a transaction with the
// appends of the same turn, fail together, and never reuse a revision.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteLog } from '../../actors/store/sqlite-log.js';
import type { AppendOutcome, RevisionLog } from '../../actors/store/revision-log.js';
import { tempDir } from '../support/temp.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

function append(log: RevisionLog, key: string, value = '{}'): { revision: number | undefined; outcome: Promise<AppendOutcome> } {
  let revision: number | undefined;
  const outcome = new Promise<AppendOutcome>((resolve) => {
    revision = log.append({ key, created: true, deleted: false, expected: 0, encode: () => text(value) }, resolve);
  });
  return { revision, outcome };
}

describe('the SQLite log\'s writer thread', () => {
  const dir = tempDir('sqlite-log');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('acknowledges an append once it is committed, where another connection reads it', async () => {
    const path = join(dir, 'acked.db');
    const log = openSqliteLog(path);
    try {
      const writes = ['/a/1', '/a/2', '/a/3'].map((key) => append(log, key));
      assert.deepEqual(writes.map((w) => w.revision), [1, 2, 3], 'revisions are given out at once, in order');
      const outcomes = await Promise.all(writes.map((w) => w.outcome));
      assert.deepEqual(outcomes, [{ revision: 1 }, { revision: 2 }, { revision: 3 }]);
      const reader = new Database(path, { readonly: true });
      try {
        assert.deepEqual(reader.prepare('SELECT id, name FROM kine ORDER BY id').all(), [{ id: 1, name: '/a/1' }, { id: 2, name: '/a/2' }, { id: 3, name: '/a/3' }]);
      } finally {
        reader.close();
      }
    } finally {
      await log.close();
    }
  });

  it('fails every append of a transaction that cannot commit, and gives later appends new revisions', async () => {
    const path = join(dir, 'failed.db');
    const log = openSqliteLog(path);
    try {
      // Another writer takes revision 2 behind this log's back: this log's own revision 2 cannot be stored.
      assert.deepEqual(await append(log, '/b/1').outcome, { revision: 1 });
      const other = new Database(path);
      other.prepare("INSERT INTO kine (id, name, created, deleted, value) VALUES (2, '/elsewhere', 1, 0, x'7b7d')").run();
      other.close();
      const [second, third] = [append(log, '/b/2'), append(log, '/b/3')];
      const failed = await Promise.all([second.outcome, third.outcome]);
      for (const outcome of failed) assert.ok('error' in outcome && /UNIQUE/.test(outcome.error.message), JSON.stringify(outcome));
      const fourth = append(log, '/b/4');
      assert.equal(fourth.revision, 4);
      assert.deepEqual(await fourth.outcome, { revision: 4 });
      assert.deepEqual([...(log.since('/b/', 0) ?? [])].map((r) => r.revision), [1, 4]);
    } finally {
      await log.close();
    }
  });

  it('lets whenDurable wait for every append made so far', async () => {
    const log = openSqliteLog(join(dir, 'durable.db'));
    try {
      const write = append(log, '/c/1');
      let acknowledged = false;
      void write.outcome.then(() => (acknowledged = true));
      await new Promise<void>((resolve) => log.whenDurable(() => resolve()));
      await Promise.resolve();
      assert.equal(acknowledged, true);
    } finally {
      await log.close();
    }
  });
});

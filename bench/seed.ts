// Writes N ConfigMaps straight into a kubeactor database, in the revision
// log's format, so large-state scenarios start in seconds: one transaction,
// no journal (a seed that fails is thrown away), the key index built after
// the rows, as SQLite builds it fastest.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { definitions } from '../scheme/definitions.js';
import { mergeSchema } from '../scheme/merge/atoms.js';
import { recordUpdate } from '../scheme/merge/managed-fields.js';
import type { KubeObject } from '../protocol/kube/meta.js';

const CONFIGMAP_SCOPE = { schema: mergeSchema(definitions), node: { $ref: '#/definitions/io.k8s.api.core.v1.ConfigMap' }, apiVersion: 'v1', subresource: '' };

export interface SeedOptions {
  /** Each carries the managedFields entry its create by kubectl would have recorded. */
  managedFields?: boolean;
  /** Labels besides `app` and `shard`, by the object's number (1 … count). */
  labels?: (i: number) => Record<string, string>;
}

/** The name of the i-th seeded ConfigMap (bench/delete.lua counts them the same way). */
export const seededName = (i: number): string => `cm-${String(i).padStart(6, '0')}`;

export function seedConfigMaps(dataDir: string, namespace: string, count: number, { managedFields = false, labels }: SeedOptions = {}): { bytes: number } {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, 'kubeactor.db'));
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.exec('CREATE TABLE IF NOT EXISTS kine (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, created INTEGER NOT NULL, deleted INTEGER NOT NULL, value BLOB NOT NULL);');
  const insert = db.prepare('INSERT INTO kine (id, name, created, deleted, value) VALUES (?, ?, 1, 0, ?)');
  let bytes = 0;
  db.transaction(() => {
    for (let i = 1; i <= count; i++) {
      const name = seededName(i);
      const object = {
        kind: 'ConfigMap', apiVersion: 'v1',
        metadata: { name, namespace, uid: randomUUID(), resourceVersion: String(i), creationTimestamp: '2026-01-01T00:00:00Z', labels: { app: 'bench', shard: String(i % 10), ...labels?.(i) } },
        data: { 'config.yaml': `key: value-${i}\nreplicas: 3\n`, mode: 'bench' },
      };
      if (managedFields) recordUpdate(CONFIGMAP_SCOPE, undefined, object as KubeObject, 'kubectl-create', '2026-01-01T00:00:00Z');
      const value = Buffer.from(JSON.stringify(object));
      bytes += value.length;
      insert.run(i, `/registry/configmaps/${namespace}/${name}`, value);
    }
  })();
  db.exec('CREATE INDEX IF NOT EXISTS kine_name_id ON kine (name, id);');
  // The server opens it in WAL mode, as every file it writes.
  db.pragma('journal_mode = WAL');
  db.close();
  return { bytes };
}

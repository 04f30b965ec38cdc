// Writes N ConfigMaps straight into a kubeactor database, in the revision
// log's format, so large-state scenarios start in seconds.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { definitions } from '../scheme/definitions.js';
import { mergeSchema } from '../scheme/merge/atoms.js';
import { recordUpdate } from '../scheme/merge/managed-fields.js';
import type { KubeObject } from '../protocol/kube/meta.js';

const CONFIGMAP_SCOPE = { schema: mergeSchema(definitions), node: { $ref: '#/definitions/io.k8s.api.core.v1.ConfigMap' }, apiVersion: 'v1', subresource: '' };

/** With `managedFields`, each carries the entry its create by kubectl would have recorded. */
export function seedConfigMaps(dataDir: string, namespace: string, count: number, managedFields = false): { bytes: number } {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, 'kubeactor.db'));
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE IF NOT EXISTS kine (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, created INTEGER NOT NULL, deleted INTEGER NOT NULL, value BLOB NOT NULL); CREATE INDEX IF NOT EXISTS kine_name_id ON kine (name, id);');
  const insert = db.prepare('INSERT INTO kine (id, name, created, deleted, value) VALUES (?, ?, 1, 0, ?)');
  let bytes = 0;
  db.transaction(() => {
    for (let i = 1; i <= count; i++) {
      const name = `cm-${String(i).padStart(6, '0')}`;
      const object = {
        kind: 'ConfigMap', apiVersion: 'v1',
        metadata: { name, namespace, uid: randomUUID(), resourceVersion: String(i), creationTimestamp: '2026-01-01T00:00:00Z', labels: { app: 'bench', shard: String(i % 10) } },
        data: { 'config.yaml': `key: value-${i}\nreplicas: 3\n`, mode: 'bench' },
      };
      if (managedFields) recordUpdate(CONFIGMAP_SCOPE, undefined, object as KubeObject, 'kubectl-create', '2026-01-01T00:00:00Z');
      const value = Buffer.from(JSON.stringify(object));
      bytes += value.length;
      insert.run(i, `/registry/configmaps/${namespace}/${name}`, value);
    }
  })();
  db.close();
  return { bytes };
}

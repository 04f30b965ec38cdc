// Where objects live: kube-apiserver's key layout, `<--etcd-prefix>/<resource>/<namespace>/<name>`
// with its special cases, on both backends; and a SQLite file written before kubeactor used it
// is moved over once, losing nothing.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Etcd3 } from 'etcd3';
import { startTestServer, tempDir } from '../support/server.js';
import { suiteEtcd } from '../support/etcd.js';

describe('key layout', () => {
  const etcd = suiteEtcd();

  it('keeps objects in etcd where kube-apiserver keeps them, under --etcd-prefix', async () => {
    const server = await startTestServer({ storageBackend: 'etcd3', etcdServers: etcd.cluster.endpoints, etcdPrefix: '/kube-layout' });
    try {
      assert.equal((await server.client.request('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles', { metadata: { name: 'reader' }, rules: [] })).status, 201);
      const { Etcd3: Client } = createRequire(import.meta.url)('etcd3') as { Etcd3: typeof Etcd3 };
      const client = new Client({ hosts: etcd.cluster.endpoints });
      const keys = await client.getAll().prefix('/kube-layout/').keys();
      client.close();
      for (const key of [
        '/kube-layout/namespaces/default',
        '/kube-layout/services/specs/default/kubernetes',
        '/kube-layout/services/endpoints/default/kubernetes',
        '/kube-layout/roles/default/reader',
        '/kube-layout/clusterroles/cluster-admin',
      ]) assert.ok(keys.includes(key), `${key} not among ${keys.length} keys`);
    } finally {
      await server.dispose();
    }
  });

  it('moves a SQLite file of the first layout to kube-apiserver\'s once, keeping every object', async () => {
    const dataDir = tempDir('layout');
    try {
      // The first server writes the file; then its keys are put back where the first layout had them.
      let server = await startTestServer({ dataDir });
      assert.equal((await server.client.request('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles', { metadata: { name: 'reader' }, rules: [] })).status, 201);
      await server.dispose();
      const db = new Database(join(dataDir, 'kubeactor.db'));
      db.exec(`UPDATE kine SET name = '/registry/services/' || substr(name, length('/registry/services/specs/') + 1) WHERE name LIKE '/registry/services/specs/%'`);
      db.exec(`UPDATE kine SET name = '/registry/endpoints/' || substr(name, length('/registry/services/endpoints/') + 1) WHERE name LIKE '/registry/services/endpoints/%'`);
      db.exec(`UPDATE kine SET name = '/registry/rbac.authorization.k8s.io/' || substr(name, length('/registry/') + 1) WHERE name LIKE '/registry/roles/%'`);
      db.exec('DELETE FROM layout');
      db.close();

      for (let start = 0; start < 2; start++) {
        server = await startTestServer({ dataDir });
        for (const path of ['/api/v1/namespaces/default/services/kubernetes', '/api/v1/namespaces/default/endpoints/kubernetes', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles/reader']) {
          assert.equal((await server.client.request('GET', path)).status, 200, `${path}, start ${start + 1}`);
        }
        await server.dispose();
      }
      const names = (new Database(join(dataDir, 'kubeactor.db')).prepare('SELECT DISTINCT name FROM kine').all() as { name: string }[]).map((r) => r.name);
      assert.ok(names.includes('/registry/services/specs/default/kubernetes'));
      assert.ok(names.includes('/registry/roles/default/reader'));
      assert.deepEqual(names.filter((n) => n.startsWith('/registry/services/specs/specs/') || n.startsWith('/registry/rbac')), []);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

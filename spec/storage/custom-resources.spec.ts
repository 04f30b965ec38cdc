// Custom resources in storage: a CRD and its objects survive a restart, on
// SQLite and on etcd, under kube's keys (`<prefix>/<group>/<plural>/<namespace>/<name>`,
// the CRDs themselves under `<prefix>/apiextensions.k8s.io/customresourcedefinitions/`);
// and with two servers on one etcd, a CRD created through one is served by the other.
// Watch, list and paging behave as for built-in kinds: the same store serves them,
// and the shared storage suite (watch, resourceVersion on reads, deletes, a restarted
// store) runs on a custom resource as on a ConfigMap (spec/support/subjects.ts).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { rmSync } from 'node:fs';
import type { Etcd3 } from 'etcd3';
import { startTestServer, tempDir } from '../support/server.js';
import { describeEachBackend } from '../support/backends.js';
import { cronTab, cronTabCrd } from '../support/crds.js';
import { settle, type ServerClient } from '../../harness/start-server.js';

const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const GROUP = 'storage.example.com';
const CRONTABS = `/apis/${GROUP}/v1/namespaces/default/crontabs`;

async function established(client: ServerClient, name: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const crd = JSON.parse((await client.request('GET', `${CRDS}/${name}`)).body) as { status?: { conditions?: { type: string; status: string }[] } };
    if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail(`${name} never became Established`);
}

describeEachBackend('custom resources', (backend) => {
  it('a CRD and its objects survive a restart, and are served from the first request after it', async () => {
    const dataDir = tempDir('crd-restart');
    const options = backend.with({ dataDir });
    try {
      let server = await startTestServer(options);
      assert.equal((await server.client.request('POST', CRDS, cronTabCrd(GROUP))).status, 201);
      await established(server.client, `crontabs.${GROUP}`);
      const created = await server.client.request('POST', CRONTABS, cronTab(GROUP, 'kept', { replicas: 4 }));
      assert.equal(created.status, 201, created.body);
      await server.stop();
      server = await startTestServer(options);
      const read = await server.client.request('GET', `${CRONTABS}/kept`);
      assert.equal(read.status, 200, read.body);
      assert.equal(JSON.parse(read.body).spec.replicas, 4);
      const list = JSON.parse((await server.client.request('GET', `${CRONTABS}?limit=1`)).body);
      assert.equal(list.items.length, 1);
      await server.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  if (backend.name === 'etcd') {
    it('keeps custom resources where kube does, a CRD created through one server is served by another on the same etcd, and a value put by another writer is read defaulted and pruned', async () => {
      const prefix = `/crd-two-${process.pid}`;
      const one = await startTestServer(backend.with({ etcdPrefix: prefix }));
      const two = await startTestServer(backend.with({ etcdPrefix: prefix }));
      try {
        assert.equal((await one.client.request('POST', CRDS, cronTabCrd(GROUP))).status, 201);
        await established(one.client, `crontabs.${GROUP}`);
        assert.equal((await one.client.request('POST', CRONTABS, cronTab(GROUP, 'shared'))).status, 201);
        let read = await two.client.request('GET', `${CRONTABS}/shared`);
        for (let i = 0; i < 200 && read.status !== 200; i++) {
          await new Promise((r) => setTimeout(r, 10));
          read = await two.client.request('GET', `${CRONTABS}/shared`);
        }
        assert.equal(read.status, 200, read.body);
        const { Etcd3: Client } = createRequire(import.meta.url)('etcd3') as { Etcd3: typeof Etcd3 };
        const client = new Client({ hosts: backend.etcd()!.endpoints });
        const keys = await client.getAll().prefix(`${prefix}/`).keys();
        // A value another writer put, without the schema's defaults and with a field it does not name: read, it is defaulted and pruned.
        const raw = { apiVersion: `${GROUP}/v1`, kind: 'CronTab', metadata: { name: 'raw', namespace: 'default', uid: '4b8c1c7e-0000-4000-8000-000000000001', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { schedule: '*/5 * * * *', stray: 1 } };
        await client.put(`${prefix}/${GROUP}/crontabs/default/raw`).value(JSON.stringify(raw));
        client.close();
        for (const server of [one, two]) {
          let spec: Record<string, unknown> | undefined;
          for (let i = 0; i < 200 && !spec; i++) {
            const reply = await server.client.request('GET', `${CRONTABS}/raw`);
            if (reply.status === 200) spec = JSON.parse(reply.body).spec;
            else await new Promise((r) => setTimeout(r, 10));
          }
          assert.deepEqual(spec, { schedule: '*/5 * * * *', image: 'busybox', replicas: 1, concurrencyPolicy: 'Allow' });
        }
        assert.ok(keys.includes(`${prefix}/${GROUP}/crontabs/default/shared`), keys.join('\n'));
        assert.ok(keys.includes(`${prefix}/apiextensions.k8s.io/customresourcedefinitions/crontabs.${GROUP}`), keys.join('\n'));
      } finally {
        await one.dispose();
        await two.dispose();
      }
    });
  }
});

describe('custom resources and watches', () => {
  it('a watch on a custom resource sees ADDED, MODIFIED and DELETED, and a list pages with continue', async () => {
    const server = await startTestServer();
    try {
      assert.equal((await server.client.request('POST', CRDS, cronTabCrd(GROUP))).status, 201);
      await established(server.client, `crontabs.${GROUP}`);
      const watch = await server.client.watch(`${CRONTABS}?watch=true`);
      for (const name of ['a', 'b', 'c']) assert.equal((await server.client.request('POST', CRONTABS, cronTab(GROUP, name))).status, 201);
      assert.equal((await server.client.request('PATCH', `${CRONTABS}/a`, { spec: { replicas: 3 } }, 'application/merge-patch+json')).status, 200);
      assert.equal((await server.client.request('DELETE', `${CRONTABS}/b`)).status, 200);
      await settle(() => watch.events.length >= 5, 'five watch events');
      assert.deepEqual(watch.events.map((e) => `${e.type} ${e.object.metadata?.name}`), ['ADDED a', 'ADDED b', 'ADDED c', 'MODIFIED a', 'DELETED b']);
      watch.close();
      const page = JSON.parse((await server.client.request('GET', `${CRONTABS}?limit=1`)).body);
      assert.equal(page.items.length, 1);
      assert.ok(page.metadata.continue);
      const next = JSON.parse((await server.client.request('GET', `${CRONTABS}?limit=1&continue=${page.metadata.continue}`)).body);
      assert.notEqual(next.items[0].metadata.name, page.items[0].metadata.name);
    } finally {
      await server.dispose();
    }
  });
});

// componentstatuses, as kube-apiserver 1.33 answers them with no scheduler
// running: computed at each read (never stored), etcd-0 for the storage,
// the in-process controller manager healthy, the scheduler's /healthz port
// refused; and the deprecation warning on every read.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { suiteServer } from '../support/server.js';
import { call } from '../support/http.js';
import { kubectl } from '../support/kubectl.js';

describe('componentstatuses', () => {
  const suite = suiteServer();

  it('kubectl get cs lists the controller manager, the scheduler and etcd-0 with kube\'s columns and warning', async () => {
    const result = await kubectl('1.33', suite.server.kubeconfigPath).run(['get', 'componentstatuses']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Warning: v1 ComponentStatus is deprecated in v1\.19\+/);
    const lines = result.stdout.trimEnd().split('\n').map((l) => l.split(/\s{2,}/));
    assert.deepEqual(lines[0], ['NAME', 'STATUS', 'MESSAGE', 'ERROR']);
    assert.deepEqual(lines.slice(1).map((l) => l.slice(0, 2)), [['controller-manager', 'Healthy'], ['etcd-0', 'Healthy'], ['scheduler', 'Unhealthy']]);
    assert.deepEqual(lines[2]!.slice(0, 3), ['etcd-0', 'Healthy', 'ok']);
    assert.equal(lines[3]![2], 'Get "https://127.0.0.1:10259/healthz": dial tcp 127.0.0.1:10259: connect: connection refused');
  });

  it('one component reads as a ComponentStatus; an unknown one is kube\'s plain 500', async () => {
    const etcd = await call(suite.creds, 'GET', '/api/v1/componentstatuses/etcd-0');
    assert.equal(etcd.status, 200);
    assert.deepEqual(JSON.parse(etcd.body), {
      kind: 'ComponentStatus', apiVersion: 'v1', metadata: { name: 'etcd-0', creationTimestamp: null },
      conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }],
    });
    const missing = await call(suite.creds, 'GET', '/api/v1/componentstatuses/nope');
    assert.equal(missing.status, 500);
    assert.equal(JSON.parse(missing.body).message, 'Component not found: nope');
  });

  it('they are read-only', async () => {
    const created = await call(suite.creds, 'POST', '/api/v1/componentstatuses', { body: JSON.stringify({ metadata: { name: 'x' } }) });
    assert.equal(created.status, 405);
  });
});

// Deleting a namespace empties it first, as kube-controller-manager's
// namespace controller does, and nothing new may be created in it meanwhile.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kubectl, type Kubectl } from '../support/kubectl.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { call, credentialsOf } from '../support/http.js';

describe('namespace lifecycle', () => {
  let server: TestServer;
  let k: Kubectl;

  before(async () => {
    server = await startTestServer();
    k = kubectl('1.33', server.kubeconfigPath);
  });
  after(async () => {
    await server.dispose();
  });

  it('deletes a namespace with everything in it, and kubectl waits until it is gone', async () => {
    await k.ok(['create', 'ns', 'doomed']);
    await k.ok(['create', 'configmap', 'inside', '-n', 'doomed', '--from-literal=a=b']);
    await k.ok(['create', 'secret', 'generic', 'secret-inside', '-n', 'doomed', '--from-literal=a=b']);
    assert.match(await k.ok(['delete', 'ns', 'doomed']), /namespace "doomed" deleted/);
    const gone = await k.run(['get', 'ns', 'doomed']);
    assert.match(gone.stderr, /namespaces "doomed" not found/);
    const leftovers = await k.ok(['get', 'cm,secret', '-A', '--field-selector', 'metadata.namespace=doomed', '-o', 'name']);
    assert.equal(leftovers, '');
  });

  it('refuses new content in a namespace that is terminating', async () => {
    const creds = credentialsOf(server.kubeconfigPath);
    await k.ok(['create', 'ns', 'closing']);
    await k.ok(['create', 'configmap', 'held', '-n', 'closing']);
    // A finalizer nobody removes keeps the namespace Terminating.
    await k.ok(['patch', 'cm', 'held', '-n', 'closing', '--type', 'merge', '-p', '{"metadata":{"finalizers":["example.com/hold"]}}']);
    await k.ok(['delete', 'ns', 'closing', '--wait=false']);
    assert.equal(await k.ok(['get', 'ns', 'closing', '-o', 'jsonpath={.status.phase}']), 'Terminating');
    const refused = await call(creds, 'POST', '/api/v1/namespaces/closing/configmaps', { body: JSON.stringify({ metadata: { name: 'late' } }) });
    assert.equal(refused.status, 403);
    assert.equal(refused.json().message, 'configmaps "late" is forbidden: unable to create new content in namespace closing because it is being terminated');
    await k.ok(['patch', 'cm', 'held', '-n', 'closing', '--type', 'merge', '-p', '{"metadata":{"finalizers":null}}']);
    await k.ok(['wait', '--for=delete', 'ns/closing', '--timeout=20s']);
  });
});

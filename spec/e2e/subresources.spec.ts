// The store's generic subresources, as kube's registry serves them: /status
// writes status alone and the main resource never does; metadata.generation
// moves on spec changes only; /scale (autoscaling/v1 Scale) for the
// replicated kinds, so `kubectl scale` works; namespaces/finalize; and
// certificatesigningrequests/approval.

import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { suiteServer } from '../support/server.js';
import { call } from '../support/http.js';
import { kubectl, KUBECTL_VERSIONS } from '../support/kubectl.js';

const json = (value: unknown): { body: string; headers: Record<string, string> } => ({ body: JSON.stringify(value), headers: { 'content-type': 'application/json' } });
const mergePatch = (value: unknown): { body: string; headers: Record<string, string> } => ({ body: JSON.stringify(value), headers: { 'content-type': 'application/merge-patch+json' } });

function deployment(name: string): object {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
    spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    status: { replicas: 7 },
  };
}

describe('subresources', () => {
  const suite = suiteServer();
  const path = '/apis/apps/v1/namespaces/default/deployments';

  it('a create starts status afresh; a spec write keeps status; a status write keeps spec', async () => {
    const created = (await call(suite.creds, 'POST', path, json(deployment('split')))).json();
    // kube's strategy resets status on create: Go encodes the empty struct as {}.
    assert.deepEqual(created.status, {});
    assert.equal(created.metadata.generation, 1);
    const statusWrite = await call(suite.creds, 'PUT', `${path}/split/status`, json({ ...created, spec: { ...created.spec, replicas: 5 }, status: { replicas: 3, observedGeneration: 1 } }));
    assert.equal(statusWrite.status, 200, statusWrite.body);
    assert.equal(statusWrite.json().spec.replicas, 1);
    assert.deepEqual(statusWrite.json().status, { replicas: 3, observedGeneration: 1 });
    assert.equal(statusWrite.json().metadata.generation, 1);
    const specWrite = (await call(suite.creds, 'PATCH', `${path}/split`, mergePatch({ spec: { replicas: 2 }, status: { replicas: 99 } }))).json();
    assert.equal(specWrite.spec.replicas, 2);
    assert.deepEqual(specWrite.status, { replicas: 3, observedGeneration: 1 });
    assert.equal(specWrite.metadata.generation, 2);
    const labelled = (await call(suite.creds, 'PATCH', `${path}/split`, mergePatch({ metadata: { labels: { a: 'b' } } }))).json();
    assert.equal(labelled.metadata.generation, 2);
    const statusPatch = (await call(suite.creds, 'PATCH', `${path}/split/status`, mergePatch({ status: { readyReplicas: 2 } }))).json();
    assert.deepEqual(statusPatch.status, { replicas: 3, observedGeneration: 1, readyReplicas: 2 });
    assert.equal((await call(suite.creds, 'GET', `${path}/split/status`)).json().status.readyReplicas, 2);
  });

  it('a status write with a stale resourceVersion gets 409', async () => {
    const created = (await call(suite.creds, 'POST', path, json(deployment('stale')))).json();
    await call(suite.creds, 'PATCH', `${path}/stale`, mergePatch({ metadata: { labels: { x: 'y' } } }));
    const stale = await call(suite.creds, 'PUT', `${path}/stale/status`, json({ ...created, status: { replicas: 1 } }));
    assert.equal(stale.status, 409);
    assert.equal(stale.json().reason, 'Conflict');
  });

  it('serves /scale as autoscaling/v1 Scale, and a negative replica count is 422', async () => {
    await call(suite.creds, 'POST', path, json({ ...deployment('scaled'), spec: { ...(deployment('scaled') as { spec: object }).spec, selector: { matchLabels: { app: 'scaled' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }] }, template: { metadata: { labels: { app: 'scaled', tier: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } }));
    const scale = (await call(suite.creds, 'GET', `${path}/scaled/scale`)).json();
    assert.equal(scale.apiVersion, 'autoscaling/v1');
    assert.equal(scale.kind, 'Scale');
    assert.deepEqual(scale.spec, { replicas: 1 });
    assert.deepEqual(scale.status, { replicas: 0, selector: 'app=scaled,tier in (api,web)' });
    const put = await call(suite.creds, 'PUT', `${path}/scaled/scale`, json({ ...scale, spec: { replicas: 4 } }));
    assert.equal(put.status, 200, put.body);
    assert.equal(put.json().spec.replicas, 4);
    assert.equal((await call(suite.creds, 'GET', `${path}/scaled`)).json().spec.replicas, 4);
    const negative = await call(suite.creds, 'PATCH', `${path}/scaled/scale`, mergePatch({ spec: { replicas: -1 } }));
    assert.equal(negative.status, 422);
    assert.equal(negative.json().details.causes[0].field, 'spec.replicas');
  });

  for (const version of KUBECTL_VERSIONS) {
    describe(`kubectl ${version}`, () => {
      let k: ReturnType<typeof kubectl>;
      before(() => {
        k = kubectl(version, suite.server.kubeconfigPath);
      });
      it('kubectl scale moves spec.replicas of a deployment, a replica set, a stateful set and a replication controller', async () => {
        const name = `k${version.replace('.', '')}`;
        await call(suite.creds, 'POST', path, json(deployment(name)));
        assert.match(await k.ok(['scale', `deployment/${name}`, '--replicas=3']), /scaled/);
        assert.equal((await call(suite.creds, 'GET', `${path}/${name}`)).json().spec.replicas, 3);
        const template = { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
        await call(suite.creds, 'POST', '/apis/apps/v1/namespaces/default/replicasets', json({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name }, spec: { replicas: 1, selector: { matchLabels: { app: name } }, template } }));
        await call(suite.creds, 'POST', '/apis/apps/v1/namespaces/default/statefulsets', json({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name }, spec: { replicas: 1, serviceName: name, selector: { matchLabels: { app: name } }, template } }));
        await call(suite.creds, 'POST', '/api/v1/namespaces/default/replicationcontrollers', json({ apiVersion: 'v1', kind: 'ReplicationController', metadata: { name }, spec: { replicas: 1, selector: { app: name }, template } }));
        for (const resource of ['replicaset', 'statefulset', 'replicationcontroller']) {
          await k.ok(['scale', `${resource}/${name}`, '--replicas=2', '--current-replicas=1']);
        }
        assert.equal((await call(suite.creds, 'GET', `/apis/apps/v1/namespaces/default/replicasets/${name}`)).json().spec.replicas, 2);
        assert.equal((await call(suite.creds, 'GET', `/apis/apps/v1/namespaces/default/statefulsets/${name}`)).json().spec.replicas, 2);
        assert.equal((await call(suite.creds, 'GET', `/api/v1/namespaces/default/replicationcontrollers/${name}`)).json().spec.replicas, 2);
      });
    });
  }

  it('namespaces/finalize changes spec.finalizers alone, and finishes a deletion', async () => {
    await call(suite.creds, 'POST', '/api/v1/namespaces', json({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'finalize-me' } }));
    const ns = (await call(suite.creds, 'GET', '/api/v1/namespaces/finalize-me')).json();
    assert.deepEqual(ns.spec.finalizers, ['kubernetes']);
    const put = await call(suite.creds, 'PUT', '/api/v1/namespaces/finalize-me/finalize', json({ ...ns, metadata: { ...ns.metadata, labels: { ignored: 'yes' } }, spec: { finalizers: ['example.com/x'] } }));
    assert.equal(put.status, 200, put.body);
    assert.deepEqual(put.json().spec.finalizers, ['example.com/x']);
    assert.equal(put.json().metadata.labels?.ignored, undefined);
    assert.equal((await call(suite.creds, 'DELETE', '/api/v1/namespaces/finalize-me')).status, 200);
    const terminating = (await call(suite.creds, 'GET', '/api/v1/namespaces/finalize-me')).json();
    assert.equal(terminating.status.phase, 'Terminating');
    const done = await call(suite.creds, 'PUT', '/api/v1/namespaces/finalize-me/finalize', json({ ...terminating, spec: { finalizers: [] } }));
    assert.equal(done.status, 200, done.body);
    assert.equal((await call(suite.creds, 'GET', '/api/v1/namespaces/finalize-me')).status, 404);
  });

  it('certificatesigningrequests/approval writes the conditions alone', async () => {
    const csr = {
      apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'csr1' },
      spec: { request: Buffer.from('not really a CSR').toString('base64'), signerName: 'example.com/signer', usages: ['client auth'] },
    };
    const created = await call(suite.creds, 'POST', '/apis/certificates.k8s.io/v1/certificatesigningrequests', json(csr));
    assert.equal(created.status, 201, created.body);
    const approved = await call(suite.creds, 'PUT', '/apis/certificates.k8s.io/v1/certificatesigningrequests/csr1/approval', json({
      ...created.json<object>(), spec: { ...csr.spec, signerName: 'example.com/other' },
      status: { conditions: [{ type: 'Approved', status: 'True', reason: 'KubectlApprove', message: 'ok' }], certificate: 'Zm9v' },
    }));
    assert.equal(approved.status, 200, approved.body);
    assert.equal(approved.json().spec.signerName, 'example.com/signer');
    assert.equal(approved.json().status.conditions[0].type, 'Approved');
    assert.equal(approved.json().status.certificate, undefined);
  });

  it('answers 404 for a subresource the resource does not have, 405 for a verb it does not take', async () => {
    assert.equal((await call(suite.creds, 'GET', '/api/v1/namespaces/default/configmaps/x/status')).status, 404);
    assert.equal((await call(suite.creds, 'DELETE', `${path}/split/status`)).status, 405);
  });
});

describe('serviceaccounts/token', () => {
  const suite = suiteServer();

  it('answers a TokenRequest with a token this server accepts as the service account, and kubectl create token prints it', async () => {
    await call(suite.creds, 'POST', '/api/v1/namespaces/default/serviceaccounts', json({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } }));
    const issued = await call(suite.creds, 'POST', '/api/v1/namespaces/default/serviceaccounts/robot/token', json({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} }));
    assert.equal(issued.status, 201, issued.body);
    assert.equal(issued.json().kind, 'TokenRequest');
    assert.equal(issued.json().spec.expirationSeconds, 3600);
    const token = issued.json().status.token as string;
    const whoami = (await call(suite.creds, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { ...json({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }), token })).json();
    assert.equal(whoami.status.userInfo.username, 'system:serviceaccount:default:robot');
    assert.ok(whoami.status.userInfo.groups.includes('system:serviceaccounts:default'));
    // RBAC applies: the account may not list secrets.
    assert.equal((await call(suite.creds, 'GET', '/api/v1/namespaces/default/secrets', { token })).status, 403);
    const printed = (await kubectl('1.33', suite.server.kubeconfigPath).ok(['create', 'token', 'robot'])).trim();
    assert.equal((await call(suite.creds, 'GET', '/api', { token: printed })).status, 200);
    assert.equal((await call(suite.creds, 'POST', '/api/v1/namespaces/default/serviceaccounts/nobody/token', json({ spec: {} }))).status, 404);
    assert.equal((await call(suite.creds, 'POST', '/api/v1/namespaces/default/serviceaccounts/robot/token', json({ spec: { expirationSeconds: 60 } }))).status, 422);
  });
});

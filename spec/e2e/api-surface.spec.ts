// The built-in API surface as kubectl sees it: `kubectl api-resources` and
// `kubectl api-versions` print exactly what kube-apiserver 1.33 prints with
// default flags (spec/fixtures/discovery/), and /version says 1.33.
//
// Left out, and so taken out of kube's list before comparing: the
// nothing: every group kube serves by default is served here.

import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { suiteServer } from '../support/server.js';
import { call } from '../support/http.js';
import { kubectl, KUBECTL_VERSIONS } from '../support/kubectl.js';

const FIXTURES = new URL('../../../spec/fixtures/discovery/', import.meta.url);
const NOT_YET_SERVED: string[] = [];

const kubeSays = (file: string): string =>
  readFileSync(new URL(file, FIXTURES), 'utf8')
    .split('\n')
    .filter((line) => !NOT_YET_SERVED.some((gv) => line.includes(gv)))
    .join('\n')
    .trimEnd();

describe('the built-in API surface of kube-apiserver 1.33', () => {
  const suite = suiteServer();

  for (const version of KUBECTL_VERSIONS) {
    describe(`kubectl ${version}`, () => {
      let k: ReturnType<typeof kubectl>;
      before(() => {
        k = kubectl(version, suite.server.kubeconfigPath);
      });

      it('api-resources prints what kube-apiserver 1.33 prints', async () => {
        assert.equal((await k.ok(['api-resources'])).trimEnd(), kubeSays('kube-apiserver-1.33.api-resources.txt'));
      });

      it('api-versions prints what kube-apiserver 1.33 prints', async () => {
        assert.equal((await k.ok(['api-versions'])).trimEnd(), kubeSays('kube-apiserver-1.33.api-versions.txt'));
      });

      it('api-resources finds kinds by category and lists their verbs', async () => {
        const all = await k.ok(['api-resources', '--categories=all', '-o', 'name']);
        assert.deepEqual(all.trim().split('\n').sort(), [
          'cronjobs.batch', 'daemonsets.apps', 'deployments.apps', 'horizontalpodautoscalers.autoscaling', 'jobs.batch',
          'pods', 'replicasets.apps', 'replicationcontrollers', 'services', 'statefulsets.apps',
        ]);
        const wide = await k.ok(['api-resources', '--api-group=', '-o', 'wide']);
        assert.match(wide, /^namespaces\s+ns\s+v1\s+false\s+Namespace\s+create,delete,get,list,patch,update,watch\s*$/m);
        assert.match(wide, /^bindings\s+v1\s+true\s+Binding\s+create\s*$/m);
      });
    });
  }

  it('/version says 1.33, with the emulated version kubectl 1.33 reads', async () => {
    const info = (await call(suite.creds, 'GET', '/version')).json() as Record<string, string>;
    assert.equal(info.major, '1');
    assert.equal(info.minor, '33');
    assert.equal(info.emulationMajor, '1');
    assert.equal(info.emulationMinor, '33');
    assert.match(info.gitVersion!, /^v1\.33\.\d+/);
  });

  it('lists subresources in legacy and aggregated discovery, with the kind each answers', async () => {
    const core = (await call(suite.creds, 'GET', '/api/v1')).json() as { resources: { name: string; kind: string; verbs: string[]; group?: string; version?: string }[] };
    const names = core.resources.map((r) => r.name);
    const at = names.indexOf('pods');
    assert.deepEqual(names.slice(at, at + 12), [
      'pods', 'pods/attach', 'pods/binding', 'pods/ephemeralcontainers', 'pods/eviction', 'pods/exec', 'pods/log',
      'pods/portforward', 'pods/proxy', 'pods/resize', 'pods/status', 'podtemplates',
    ]);
    const eviction = core.resources.find((r) => r.name === 'pods/eviction')!;
    assert.deepEqual([eviction.group, eviction.version, eviction.kind, eviction.verbs], ['policy', 'v1', 'Eviction', ['create']]);
    assert.deepEqual(core.resources.find((r) => r.name === 'pods/proxy')!.verbs, ['create', 'delete', 'get', 'patch', 'update']);
    const apps = (await call(suite.creds, 'GET', '/apis', { headers: { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' } })).json() as {
      items: { metadata: { name: string }; versions: { version: string; resources: { resource: string; subresources?: { subresource: string; responseKind: object; verbs: string[] }[] }[] }[] }[];
    };
    const deployments = apps.items.find((g) => g.metadata.name === 'apps')!.versions[0]!.resources.find((r) => r.resource === 'deployments')!;
    assert.deepEqual(deployments.subresources, [
      { subresource: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] },
      { subresource: 'status', responseKind: { group: 'apps', version: 'v1', kind: 'Deployment' }, verbs: ['get', 'patch', 'update'] },
    ]);
  });

  it('orders groups as kube-apiserver does: by group priority, each group\'s versions by version priority', async () => {
    const list = (await call(suite.creds, 'GET', '/apis')).json() as { groups: { name: string; versions: { version: string }[]; preferredVersion: { version: string } }[] };
    assert.deepEqual(list.groups.map((g) => g.name), [
      'apiregistration.k8s.io', 'apps', 'events.k8s.io', 'authentication.k8s.io', 'authorization.k8s.io', 'autoscaling', 'batch', 'certificates.k8s.io',
      'networking.k8s.io', 'policy', 'rbac.authorization.k8s.io', 'storage.k8s.io', 'admissionregistration.k8s.io', 'apiextensions.k8s.io',
      'scheduling.k8s.io', 'coordination.k8s.io', 'node.k8s.io', 'discovery.k8s.io', 'flowcontrol.apiserver.k8s.io',
    ]);
    const autoscaling = list.groups.find((g) => g.name === 'autoscaling')!;
    assert.deepEqual(autoscaling.versions.map((v) => v.version), ['v2', 'v1']);
    assert.equal(autoscaling.preferredVersion.version, 'v2');
  });

  it('answers the review kinds instead of storing them: TokenReview, LocalSubjectAccessReview', async () => {
    const review = (await call(suite.creds, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: suite.creds.token } }),
    })).json() as { kind: string; status: { authenticated?: boolean; user: { username?: string; groups?: string[] } } };
    assert.equal(review.kind, 'TokenReview');
    assert.equal(review.status.authenticated, true);
    assert.ok(review.status.user.groups!.includes('system:masters'));
    const unknown = (await call(suite.creds, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'not-a-token' } }),
    })).json() as { status: { authenticated?: boolean } };
    assert.equal(unknown.status.authenticated, undefined);
    const local = (await call(suite.creds, 'POST', '/apis/authorization.k8s.io/v1/namespaces/default/localsubjectaccessreviews', {
      body: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'LocalSubjectAccessReview', spec: { user: 'nobody', resourceAttributes: { verb: 'get', resource: 'pods' } } }),
    })).json() as { status: { allowed: boolean } };
    assert.equal(local.status.allowed, false);
    const elsewhere = await call(suite.creds, 'POST', '/apis/authorization.k8s.io/v1/namespaces/default/localsubjectaccessreviews', {
      body: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'LocalSubjectAccessReview', spec: { user: 'nobody', resourceAttributes: { namespace: 'other', verb: 'get', resource: 'pods' } } }),
    });
    assert.equal(elsewhere.status, 400);
  });
});

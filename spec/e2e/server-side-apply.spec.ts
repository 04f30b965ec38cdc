// Server-side apply as users drive it: `kubectl apply --server-side` (with
// --force-conflicts and --dry-run=server), `kubectl diff`, two managers in
// conflict, client-side apply handing over to server-side apply and back, run
// with the oldest and newest kubectl we support; and @kubernetes/client-node
// sending PATCH with the apply content type.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { kubectl, KUBECTL_VERSIONS, type Kubectl } from '../support/kubectl.js';
import { startTestServer, suiteServer, tempDir, type TestServer } from '../support/server.js';
import { call } from '../support/http.js';

const configMap = (name: string, data: Record<string, string>): string => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
  namespace: ssa
data:
${Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`).join('\n')}
`;

interface Entry {
  manager: string;
  operation: string;
  apiVersion: string;
  fieldsV1: unknown;
  time?: string;
}

for (const version of KUBECTL_VERSIONS) {
  describe(`server-side apply with kubectl ${version}`, () => {
    let server: TestServer;
    let k: Kubectl;
    const dir = tempDir('ssa-manifests');
    const file = (name: string, text: string): string => {
      const path = join(dir, `${name}-${version}.yaml`);
      writeFileSync(path, text);
      return path;
    };
    const read = async (name: string): Promise<{ data?: Record<string, string>; metadata: { managedFields?: Entry[]; resourceVersion: string; annotations?: Record<string, string> } }> =>
      JSON.parse(await k.ok(['get', 'cm', name, '-n', 'ssa', '-o', 'json', '--show-managed-fields'])) as never;
    const managers = async (name: string): Promise<Record<string, unknown>> =>
      Object.fromEntries((await read(name)).metadata.managedFields!.map((e) => [`${e.manager}/${e.operation}`, e.fieldsV1]));

    before(async () => {
      server = await startTestServer();
      k = kubectl(version, server.kubeconfigPath);
      await k.ok(['create', 'ns', 'ssa']);
    });
    after(async () => {
      await server.dispose();
    });

    it('creates with apply --server-side and records an Apply entry for "kubectl"', async () => {
      const out = await k.ok(['apply', '--server-side', '-f', file('one', configMap('one', { a: '1', b: '2' }))]);
      assert.equal(out.trim(), 'configmap/one serverside-applied');
      const object = await read('one');
      assert.deepEqual(object.data, { a: '1', b: '2' });
      const [entry, ...rest] = object.metadata.managedFields!;
      assert.equal(rest.length, 0);
      assert.equal(entry!.manager, 'kubectl');
      assert.equal(entry!.operation, 'Apply');
      assert.equal(entry!.apiVersion, 'v1');
      assert.match(entry!.time ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.deepEqual(entry!.fieldsV1, { 'f:data': { 'f:a': {}, 'f:b': {} } });
    });

    it('removes a field the applier stops sending', async () => {
      await k.ok(['apply', '--server-side', '-f', file('one', configMap('one', { a: '1' }))]);
      assert.deepEqual((await read('one')).data, { a: '1' });
    });

    it('answers a conflict between two managers with kube\'s wording, and changes nothing', async () => {
      const before = await read('one');
      const result = await k.run(['apply', '--server-side', '--field-manager=ci', '-f', file('one-ci', configMap('one', { a: 'ci' }))]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /Apply failed with 1 conflict: conflict with "kubectl": \.data\.a/);
      assert.match(result.stderr, /--force-conflicts/);
      assert.equal((await read('one')).metadata.resourceVersion, before.metadata.resourceVersion);
    });

    it('--dry-run=server answers as if applied and stores nothing', async () => {
      const out = await k.ok(['apply', '--server-side', '--force-conflicts', '--field-manager=ci', '--dry-run=server', '-f', file('one-ci', configMap('one', { a: 'ci' }))]);
      assert.equal(out.trim(), 'configmap/one serverside-applied (server dry run)');
      assert.deepEqual((await read('one')).data, { a: '1' });
    });

    it('kubectl diff --server-side exits 1 with the change, 0 when there is none', async () => {
      const changed = await k.run(['diff', '--server-side', '-f', file('one-diff', configMap('one', { a: '2' }))]);
      assert.equal(changed.code, 1, changed.stderr);
      assert.match(changed.stdout, /^-\s+a: "1"$/m);
      assert.match(changed.stdout, /^\+\s+a: "2"$/m);
      const same = await k.run(['diff', '--server-side', '-f', file('one-same', configMap('one', { a: '1' }))]);
      assert.equal(same.code, 0, same.stdout + same.stderr);
      assert.equal(same.stdout, '');
      const missing = await k.run(['diff', '--server-side', '-f', file('new-diff', configMap('not-yet', { x: '1' }))]);
      assert.equal(missing.code, 1, missing.stderr);
      assert.match(missing.stdout, /^\+\s+x: "1"$/m);
    });

    it('kubectl diff (client-side) of an object as it is exits 0, and 1 with a change', async () => {
      await k.ok(['create', 'cm', 'plain', '-n', 'ssa', '--from-literal=a=1']);
      const path = file('plain', configMap('plain', { a: '1' }));
      const same = await k.run(['diff', '-f', path]);
      assert.equal(same.code, 0, same.stdout + same.stderr);
      const changed = await k.run(['diff', '-f', file('plain-2', configMap('plain', { a: '2' }))]);
      assert.equal(changed.code, 1, changed.stderr);
      assert.match(changed.stdout, /^\+\s+a: "2"$/m);
    });

    it('--force-conflicts takes ownership of the conflicting field', async () => {
      await k.ok(['apply', '--server-side', '--force-conflicts', '--field-manager=ci', '-f', file('one-ci', configMap('one', { a: 'ci' }))]);
      assert.deepEqual((await read('one')).data, { a: 'ci' });
      const owned = await managers('one');
      assert.deepEqual(owned['ci/Apply'], { 'f:data': { 'f:a': {} } });
      assert.equal(owned['kubectl/Apply'], undefined, 'kubectl lost its only field');
    });

    it('client-side apply, then apply --server-side takes over its fields; client-side apply still works after', async () => {
      const path = file('csa', configMap('csa', { a: '1', b: '2' }));
      await k.ok(['apply', '-f', path]);
      assert.ok((await managers('csa'))['kubectl-client-side-apply/Update']);
      const out = await k.ok(['apply', '--server-side', '-f', file('csa-ssa', configMap('csa', { a: '1' }))]);
      assert.equal(out.trim(), 'configmap/csa serverside-applied');
      const afterSsa = await read('csa');
      assert.deepEqual(afterSsa.data, { a: '1' }, 'b was only in the last-applied configuration: it goes');
      assert.ok(!afterSsa.metadata.managedFields!.some((e) => e.manager === 'kubectl-client-side-apply'));
      await k.ok(['apply', '-f', file('csa-again', configMap('csa', { a: '1', c: '3' }))]);
      assert.deepEqual((await read('csa')).data, { a: '1', c: '3' });
    });

    it('names the client-side applier in a conflict as kube does', async () => {
      await k.ok(['apply', '-f', file('csa2', configMap('csa2', { a: '1' }))]);
      const result = await k.run(['apply', '--server-side', '--field-manager=ci', '-f', file('csa2-ci', configMap('csa2', { a: '2' }))]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: \.data\.a/);
    });

    it('edits by other commands are recorded as Update entries of their managers', async () => {
      await k.ok(['label', 'cm', 'one', '-n', 'ssa', 'team=blue']);
      const owned = await managers('one');
      assert.deepEqual(owned['kubectl-label/Update'], { 'f:metadata': { 'f:labels': { '.': {}, 'f:team': {} } } });
    });
  });
}

describe('server-side apply with @kubernetes/client-node', () => {
  let server: TestServer;
  let core: k8s.CoreV1Api;
  const apply = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply);

  before(async () => {
    server = await startTestServer();
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(server.kubeconfigPath);
    core = kc.makeApiClient(k8s.CoreV1Api);
  });
  after(async () => {
    await server.dispose();
  });

  const service = (ports: k8s.V1ServicePort[]): k8s.V1Service => ({
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports },
  });

  it('creates and updates by PATCH with application/apply-patch+yaml', async () => {
    const created = await core.patchNamespacedService({ name: 'web', namespace: 'default', fieldManager: 'team-a', body: service([{ name: 'http', port: 80, targetPort: 8080 }]) }, apply);
    assert.equal(created.spec?.ports?.[0]?.targetPort, 8080);
    const entry = created.metadata?.managedFields?.find((e) => e.manager === 'team-a');
    assert.equal(entry?.operation, 'Apply');
  });

  it('refuses an apply without fieldManager with kube\'s 422', async () => {
    await assert.rejects(
      core.patchNamespacedService({ name: 'web', namespace: 'default', body: service([]) }, apply),
      (e: unknown) => {
        const err = e as { code?: number; body?: string };
        assert.equal(err.code, 422);
        assert.match(String(err.body), /PatchOptions.meta.k8s.io \\"\\" is invalid: fieldManager: Required value: is required for apply patch/);
        return true;
      },
    );
  });

  it('two managers on one object: each keeps its own list items, merged by key', async () => {
    await core.patchNamespacedService({ name: 'web', namespace: 'default', fieldManager: 'team-b', body: service([{ name: 'dns', port: 53, protocol: 'UDP' }]) }, apply);
    const read = await core.readNamespacedService({ name: 'web', namespace: 'default' });
    assert.deepEqual(read.spec?.ports?.map((p) => `${p.name}:${p.port}/${p.protocol}`), ['http:80/TCP', 'dns:53/UDP']);
    const fields = Object.fromEntries((read.metadata?.managedFields ?? []).map((e) => [e.manager, e.fieldsV1]));
    assert.deepEqual(Object.keys(fields).sort(), ['team-a', 'team-b']);
    assert.deepEqual((fields['team-b'] as Record<string, Record<string, unknown>>)['f:spec']!['f:ports'],
      { 'k:{"port":53,"protocol":"UDP"}': { '.': {}, 'f:name': {}, 'f:port': {}, 'f:protocol': {} } });
  });

  it('conflicts with another manager\'s field: 409 with kube\'s message and causes; force takes it', async () => {
    await assert.rejects(
      core.patchNamespacedService({ name: 'web', namespace: 'default', fieldManager: 'team-b', body: service([{ name: 'http', port: 80, targetPort: 9090 }]) }, apply),
      (e: unknown) => {
        const err = e as { code?: number; body?: string };
        assert.equal(err.code, 409);
        const status = JSON.parse(String(err.body)) as { reason: string; message: string; details: { causes: unknown[] } };
        assert.equal(status.reason, 'Conflict');
        assert.equal(status.message, 'Apply failed with 1 conflict: conflict with "team-a": .spec.ports[port=80,protocol="TCP"].targetPort');
        assert.deepEqual(status.details.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "team-a"', field: '.spec.ports[port=80,protocol="TCP"].targetPort' }]);
        return true;
      },
    );
    const forced = await core.patchNamespacedService({ name: 'web', namespace: 'default', fieldManager: 'team-b', force: true, body: service([{ name: 'http', port: 80, targetPort: 9090 }]) }, apply);
    assert.deepEqual(forced.spec?.ports?.map((p) => `${p.port}->${p.targetPort}`), ['80->9090']);
  });
});

describe('server-side apply on the wire', () => {
  const suite = suiteServer();
  const CM = '/api/v1/namespaces/default/configmaps';
  const APPLY = { 'content-type': 'application/apply-patch+yaml' };
  const yaml = (name: string, value: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  key: ${value}\n`;

  it('creates from a YAML body (201), and a repeated apply changes nothing, resourceVersion included (200)', async () => {
    const created = await call(suite.creds, 'PATCH', `${CM}/wire?fieldManager=tool`, { body: yaml('wire', 'one'), headers: APPLY });
    assert.equal(created.status, 201, created.body);
    const again = await call(suite.creds, 'PATCH', `${CM}/wire?fieldManager=tool`, { body: yaml('wire', 'one'), headers: APPLY });
    assert.equal(again.status, 200);
    assert.equal(again.json().metadata.resourceVersion, created.json().metadata.resourceVersion);
    const unchanged = await call(suite.creds, 'PUT', `${CM}/wire`, { body: again.body });
    assert.equal(unchanged.status, 200);
    assert.equal(unchanged.json().metadata.resourceVersion, created.json().metadata.resourceVersion, 'a no-op update is not written');
  });

  it('with dryRun=All answers the applied object and stores nothing', async () => {
    const dry = await call(suite.creds, 'PATCH', `${CM}/wire?fieldManager=tool&dryRun=All`, { body: yaml('wire', 'two'), headers: APPLY });
    assert.equal(dry.status, 200, dry.body);
    assert.equal(dry.json().data.key, 'two');
    assert.equal((await call(suite.creds, 'GET', `${CM}/wire`)).json().data.key, 'one');
    const absent = await call(suite.creds, 'PATCH', `${CM}/ghost?fieldManager=tool&dryRun=All`, { body: yaml('ghost', 'x'), headers: APPLY });
    assert.equal(absent.status, 201);
    assert.equal((await call(suite.creds, 'GET', `${CM}/ghost`)).status, 404);
  });

  it('answers kube\'s 422 for an apply without fieldManager and for force on another patch type', async () => {
    const missing = await call(suite.creds, 'PATCH', `${CM}/wire`, { body: yaml('wire', 'x'), headers: APPLY });
    assert.equal(missing.status, 422);
    assert.equal(missing.json().message, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    assert.deepEqual(missing.json().details.causes, [{ reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' }]);
    const forced = await call(suite.creds, 'PATCH', `${CM}/wire?force=true`, { body: '{}', headers: { 'content-type': 'application/merge-patch+json' } });
    assert.equal(forced.status, 422);
    assert.equal(forced.json().message, 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
  });

  it('refuses a configuration named otherwise than the URL with 400, and creates nothing', async () => {
    const renamed = await call(suite.creds, 'PATCH', `${CM}/url-name?fieldManager=tool`, { body: yaml('body-name', 'x'), headers: APPLY });
    assert.equal(renamed.status, 400);
    assert.equal(renamed.json().message, 'the name of the object (body-name) does not match the name on the URL (url-name)');
    assert.equal((await call(suite.creds, 'GET', `${CM}/body-name`)).status, 404);
  });

  it('refuses a configuration with a field the schema does not declare, as kube\'s typed conversion does', async () => {
    const unknown = await call(suite.creds, 'PATCH', `${CM}/wire?fieldManager=tool`, { body: `${yaml('wire', 'one').replace('metadata:\n', 'metadata:\n  namespace: default\n')}spec:\n  x: 1\n`, headers: APPLY });
    assert.equal(unknown.status, 400, unknown.body);
    assert.equal(unknown.json().message, 'failed to create typed patch object (default/wire; /v1, Kind=ConfigMap): .spec: field not declared in schema');
  });

  it('refuses managedFields in an apply and a configuration of another version with 400', async () => {
    const withFields = await call(suite.creds, 'PATCH', `${CM}/wire?fieldManager=tool`, { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'wire', managedFields: [] } }), headers: APPLY });
    assert.equal(withFields.status, 400);
    assert.equal(withFields.json().message, 'metadata.managedFields must be nil');
    const version = await call(suite.creds, 'PATCH', `${CM}/wire?fieldManager=tool`, { body: JSON.stringify({ apiVersion: 'v2', kind: 'ConfigMap', metadata: { name: 'wire' } }), headers: APPLY });
    assert.equal(version.status, 400);
    assert.equal(version.json().message, 'Incorrect version specified in apply patch. Specified patch version: v2, expected: v1');
  });

  it('leaves an object the merge cannot type to validation: an owner reference without its uid key answers 422', async () => {
    const created = await call(suite.creds, 'POST', CM, { body: JSON.stringify({ metadata: { name: 'orphan', ownerReferences: [{ apiVersion: 'v1', kind: 'Secret', name: 's' }] } }) });
    assert.equal(created.status, 422, created.body);
    assert.match(created.json().message, /metadata\.ownerReferences\.uid: Invalid value: "": uid must not be empty/);
  });

  it('names the manager of a write without fieldManager after its User-Agent', async () => {
    const created = await call(suite.creds, 'POST', CM, { body: JSON.stringify({ metadata: { name: 'agent' }, data: { a: 'b' } }), headers: { 'user-agent': 'my-operator/v0.3 (linux)' } });
    assert.equal(created.status, 201);
    assert.deepEqual(created.json().metadata.managedFields.map((e: { manager: string; operation: string }) => `${e.manager}/${e.operation}`), ['my-operator/Update']);
  });

  it('resets managedFields when a write sends [{}], and validates the ones it is sent', async () => {
    const reset = await call(suite.creds, 'PATCH', `${CM}/agent`, { body: JSON.stringify({ metadata: { managedFields: [{}] } }), headers: { 'content-type': 'application/merge-patch+json' } });
    assert.equal(reset.status, 200, reset.body);
    assert.equal(reset.json().metadata.managedFields, undefined);
    const object = (await call(suite.creds, 'GET', `${CM}/wire`)).json();
    // Entries that do not decode are ignored, as kube ignores them: the live ones stay.
    object.metadata.managedFields = [{ manager: 'x', operation: 'Delete', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: {} }];
    const ignored = await call(suite.creds, 'PUT', `${CM}/wire`, { body: JSON.stringify(object) });
    assert.equal(ignored.status, 200, ignored.body);
    assert.deepEqual(ignored.json().metadata.managedFields.map((e: { manager: string }) => e.manager), ['tool']);
    object.metadata.managedFields = [{ manager: 'x'.repeat(129), operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': {} } }];
    const invalid = await call(suite.creds, 'PUT', `${CM}/wire`, { body: JSON.stringify(object) });
    assert.equal(invalid.status, 422, invalid.body);
    assert.match(invalid.json().message, /metadata\.managedFields\[0\]\.manager: Too long: may not be more than 128 bytes/);
  });
});

describe('managedFields of writes through a subresource, and containers applied by two managers', () => {
  const suite = suiteServer();
  const DEPLOYMENTS = '/apis/apps/v1/namespaces/default/deployments';
  const deployment = (containers: object[]): object => ({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers } } },
  });
  type Entry = { manager: string; operation: string; subresource?: string; fieldsV1: Record<string, Record<string, unknown>> };
  const entries = async (): Promise<Entry[]> => (await call(suite.creds, 'GET', `${DEPLOYMENTS}/web`)).json().metadata.managedFields as Entry[];

  it('@kubernetes/client-node: two managers apply containers to one Deployment, merged by name', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(suite.server.kubeconfigPath);
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const apply = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply);
    await apps.patchNamespacedDeployment({ name: 'web', namespace: 'default', fieldManager: 'app-team', body: deployment([{ name: 'app', image: 'nginx:1.27' }]) }, apply);
    const both = await apps.patchNamespacedDeployment({ name: 'web', namespace: 'default', fieldManager: 'mesh', body: deployment([{ name: 'sidecar', image: 'envoy:1.30' }]) }, apply);
    assert.deepEqual(both.spec?.template.spec?.containers.map((c) => `${c.name}=${c.image}`), ['app=nginx:1.27', 'sidecar=envoy:1.30']);
    const mesh = both.metadata?.managedFields?.find((e) => e.manager === 'mesh')?.fieldsV1 as Record<string, any>;
    assert.deepEqual(Object.keys(mesh['f:spec']['f:template']['f:spec']['f:containers']), ['k:{"name":"sidecar"}']);
    // The app team drops nothing of the mesh's by applying its own container again with a new image.
    const updated = await apps.patchNamespacedDeployment({ name: 'web', namespace: 'default', fieldManager: 'app-team', body: deployment([{ name: 'app', image: 'nginx:1.28' }]) }, apply);
    assert.deepEqual(updated.spec?.template.spec?.containers.map((c) => `${c.name}=${c.image}`), ['app=nginx:1.28', 'sidecar=envoy:1.30']);
  });

  it('a /status write is an Update entry with subresource "status" owning status only', async () => {
    const live = (await call(suite.creds, 'GET', `${DEPLOYMENTS}/web`)).json();
    const body = JSON.stringify({ ...live, status: { replicas: 1, observedGeneration: live.metadata.generation } });
    const reply = await call(suite.creds, 'PUT', `${DEPLOYMENTS}/web/status?fieldManager=rollout-controller`, { body });
    assert.equal(reply.status, 200, reply.body);
    const entry = (await entries()).find((e) => e.manager === 'rollout-controller')!;
    assert.equal(entry.operation, 'Update');
    assert.equal(entry.subresource, 'status');
    assert.deepEqual(Object.keys(entry.fieldsV1), ['f:status']);
  });

  it('an apply through /status (ApplyStatus) writes status alone, as an Apply entry with subresource "status"', async () => {
    const before = (await call(suite.creds, 'GET', `${DEPLOYMENTS}/web`)).json();
    const apply = (body: object, query = '?fieldManager=status-applier') =>
      call(suite.creds, 'PATCH', `${DEPLOYMENTS}/web/status${query}`, { body: JSON.stringify(body), headers: { 'content-type': 'application/apply-patch+yaml' } });
    // What the configuration says of spec is none of a status write's business.
    const reply = await apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { paused: true }, status: { availableReplicas: 1 } });
    assert.equal(reply.status, 200, reply.body);
    const after = reply.json();
    assert.equal(after.status.availableReplicas, 1);
    assert.equal(after.status.replicas, 1, 'the other manager\'s status field stays');
    assert.deepEqual(after.spec, before.spec);
    assert.equal(after.metadata.generation, before.metadata.generation);
    const entry = (await entries()).find((e) => e.manager === 'status-applier')!;
    assert.equal(entry.operation, 'Apply');
    assert.equal(entry.subresource, 'status');
    assert.deepEqual(entry.fieldsV1, { 'f:status': { 'f:availableReplicas': {} } });
    // kube's apply rules hold there too: a fieldManager is required.
    assert.equal((await apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } }, '')).status, 422);
  });

  it('a /scale write is an Update entry with subresource "scale" owning spec.replicas', async () => {
    const reply = await call(suite.creds, 'PATCH', `${DEPLOYMENTS}/web/scale?fieldManager=autoscaler`, {
      body: JSON.stringify({ spec: { replicas: 4 } }), headers: { 'content-type': 'application/merge-patch+json' },
    });
    assert.equal(reply.status, 200, reply.body);
    const entry = (await entries()).find((e) => e.manager === 'autoscaler')!;
    assert.equal(entry.subresource, 'scale');
    assert.deepEqual(entry.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
  });
});

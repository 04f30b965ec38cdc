// CustomResourceDefinitions end to end, with the real kubectl binaries: a CRD
// is created and becomes Established, its custom resources are served with
// kube's pruning, defaults, validation messages, printer columns, explain,
// patches, /scale and two versions; deleting the CRD deletes them. And the
// apiextensions server's own rules: kube's validation of a CRD, names refused
// on a clash, discovery and /debug/actors following CRDs as they come and go.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { suiteServer } from '../support/server.js';
import { call } from '../support/http.js';
import { kubectl, KUBECTL_VERSIONS } from '../support/kubectl.js';
import { clusterCrd, cronTab, cronTabCrd } from '../support/crds.js';
import { eventually } from '../support/eventually.js';

const json = (value: unknown): { body: string; headers: Record<string, string> } => ({ body: JSON.stringify(value), headers: { 'content-type': 'application/json' } });
const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

describe('custom resources', () => {
  const suite = suiteServer();

  for (const version of KUBECTL_VERSIONS) {
    const group = `stable.v${version.replace('.', '')}.example.com`;
    describe(`with kubectl ${version}`, () => {
      it('creates a CRD, waits for Established, and serves its custom resources with printer columns, explain, patch, scale and delete', async () => {
        const k = kubectl(version, suite.server.kubeconfigPath);
        await k.ok(['create', '-f', '-'], { input: JSON.stringify(cronTabCrd(group)) });
        await k.ok(['wait', '--for', 'condition=established', '--timeout=10s', `crd/crontabs.${group}`]);
        // Pruning (Warn: kubectl prints kube's warning) and defaults are visible in what comes back.
        const created = await k.run(['create', '--validate=warn', '-f', '-', '-o', 'json'], { input: JSON.stringify(cronTab(group, 'nightly', { unknownField: 'x', replicas: 2 })) });
        assert.equal(created.code, 0, created.stderr);
        assert.match(created.stderr, /unknown field "spec.unknownField"/);
        const object = JSON.parse(created.stdout);
        assert.equal(object.spec.unknownField, undefined);
        assert.equal(object.spec.image, 'busybox');
        assert.equal(object.spec.concurrencyPolicy, 'Allow');
        const strict = await k.run(['create', '-f', '-'], { input: JSON.stringify(cronTab(group, 'strict', { unknownField: 'x' })) });
        assert.notEqual(strict.code, 0);
        assert.match(strict.stderr, /strict decoding error: unknown field "spec.unknownField"/);
        const table = await k.ok(['get', `crontabs.${group}`]);
        assert.match(table, /^NAME\s+SCHEDULE\s+REPLICAS\s+LAST/);
        assert.match(table, /nightly\s+\*\/5 \* \* \* \*\s+2\s/);
        const explained = await k.ok(['explain', `crontabs.${group}.spec`]);
        assert.match(explained, /schedule\s+<string> -required-/);
        assert.match(explained, /replicas\s+<integer>/);
        await k.ok(['patch', `crontabs.${group}`, 'nightly', '--type', 'merge', '-p', '{"spec":{"suspend":true}}']);
        await k.ok(['patch', `crontabs.${group}`, 'nightly', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/image","value":"alpine"}]']);
        const strategic = await k.run(['patch', `crontabs.${group}`, 'nightly', '-p', '{"spec":{"suspend":false}}']);
        assert.notEqual(strategic.code, 0);
        assert.match(strategic.stderr, /the body of the request was in an unknown format - accepted media types include: application\/json-patch\+json, application\/merge-patch\+json, application\/apply-patch\+yaml/);
        await k.ok(['scale', `crontabs.${group}`, 'nightly', '--replicas=5']);
        const after = JSON.parse(await k.ok(['get', `crontabs.${group}`, 'nightly', '-o', 'json']));
        assert.deepEqual([after.spec.suspend, after.spec.image, after.spec.replicas, after.metadata.generation], [true, 'alpine', 5, 4]);
        await k.ok(['delete', `crontabs.${group}`, 'nightly']);
        assert.match((await k.run(['get', `crontabs.${group}`, 'nightly'])).stderr, /NotFound/);
      });

      it('refuses an object against the schema with 422 and kube\'s messages', async () => {
        const k = kubectl(version, suite.server.kubeconfigPath);
        const bad = await k.run(['create', '-f', '-'], { input: JSON.stringify(cronTab(group, 'bad', { replicas: 20, schedule: 'now', concurrencyPolicy: 'Sometimes' })) });
        assert.notEqual(bad.code, 0);
        assert.match(bad.stderr, /The CronTab "bad" is invalid: /);
        assert.match(bad.stderr, /spec.replicas: Invalid value: 20: spec.replicas in body should be less than or equal to 10/);
        assert.match(bad.stderr, /spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"/);
        assert.match(bad.stderr, /spec.schedule: Invalid value: "now": spec.schedule in body should match/);
      });

      it('refuses an object an x-kubernetes-validations rule rejects (CEL), transition rules included', async () => {
        const k = kubectl(version, suite.server.kubeconfigPath);
        const bad = await k.run(['create', '-f', '-'], { input: JSON.stringify(cronTab(group, 'eager', { schedule: '* * * * *' })) });
        assert.notEqual(bad.code, 0);
        assert.match(bad.stderr, /The CronTab "eager" is invalid: spec.schedule: Invalid value: "string": every minute is too often/);
        await k.ok(['create', '-f', '-'], { input: JSON.stringify(cronTab(group, 'pinned', { image: 'alpine' })) });
        const changed = await k.run(['patch', `crontabs.${group}`, 'pinned', '--type', 'merge', '-p', '{"spec":{"image":"nginx"}}']);
        assert.notEqual(changed.code, 0);
        assert.match(changed.stderr, /spec.image: Invalid value: "string": image cannot change once set/);
      });

      it('serves two versions: v1beta1 reads the v1 objects with its own apiVersion (conversion None)', async () => {
        const k = kubectl(version, suite.server.kubeconfigPath);
        await k.ok(['create', '-f', '-'], { input: JSON.stringify(cronTab(group, 'both')) });
        const old = JSON.parse(await k.ok(['get', `crontabs.v1beta1.${group}`, 'both', '-o', 'json']));
        assert.equal(old.apiVersion, `${group}/v1beta1`);
        assert.equal(old.spec.schedule, '*/5 * * * *');
        const list = JSON.parse(await k.ok(['get', `crontabs.v1beta1.${group}`, '-o', 'json']));
        assert.ok(list.items.every((i: { apiVersion: string }) => i.apiVersion === `${group}/v1beta1`));
      });

      it('deleting the CRD deletes its custom resources, and a cluster-scoped CRD works the same', async () => {
        const k = kubectl(version, suite.server.kubeconfigPath);
        await k.ok(['create', '-f', '-'], { input: JSON.stringify(clusterCrd(group)) });
        await k.ok(['wait', '--for', 'condition=established', '--timeout=10s', `crd/widgets.${group}`]);
        await k.ok(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1' } }) });
        assert.equal(JSON.parse(await k.ok(['get', `widgets.${group}`, 'w1', '-o', 'json'])).size, 3);
        await k.ok(['delete', 'crd', `widgets.${group}`, `crontabs.${group}`]);
        const gone = await call(suite.creds, 'GET', `/apis/${group}/v1/namespaces/default/crontabs/both`);
        assert.equal(gone.status, 404);
        // Created again, the CRD starts empty: its objects went with it.
        await k.ok(['create', '-f', '-'], { input: JSON.stringify(cronTabCrd(group)) });
        await k.ok(['wait', '--for', 'condition=established', '--timeout=10s', `crd/crontabs.${group}`]);
        assert.deepEqual(JSON.parse((await call(suite.creds, 'GET', `/apis/${group}/v1/crontabs`)).body).items, []);
      });
    });
  }

  it('selects custom resources by the CRD\'s selectableFields, and refuses a field it does not name', async () => {
    const group = 'select.example.com';
    await call(suite.creds, 'POST', CRDS, json(cronTabCrd(group)));
    const path = `/apis/${group}/v1/namespaces/default/crontabs`;
    let created = await call(suite.creds, 'POST', path, json(cronTab(group, 'plain')));
    for (let i = 0; i < 100 && created.status === 404; i++) created = await call(suite.creds, 'POST', path, json(cronTab(group, 'plain')));
    assert.equal(created.status, 201, created.body);
    assert.equal((await call(suite.creds, 'POST', path, json(cronTab(group, 'fancy', { image: 'alpine' })))).status, 201);
    const names = async (selector: string): Promise<string[]> => (await call(suite.creds, 'GET', `${path}?fieldSelector=${encodeURIComponent(selector)}`)).json().items.map((i: { metadata: { name: string } }) => i.metadata.name);
    assert.deepEqual(await names('spec.image=alpine'), ['fancy']);
    assert.deepEqual(await names('spec.image!=alpine'), ['plain']);
    const refused = await call(suite.creds, 'GET', `${path}?fieldSelector=spec.schedule%3Dx`);
    assert.equal(refused.status, 400);
    assert.equal(refused.json().message, 'field label not supported: spec.schedule');
  });

  it('collects a custom resource whose owner is deleted, for a CRD created after the server started (the garbage collector follows new CRDs)', async () => {
    const group = 'owned.example.com';
    await call(suite.creds, 'POST', CRDS, json(cronTabCrd(group)));
    const owner = (await call(suite.creds, 'POST', '/api/v1/namespaces/default/configmaps', json({ metadata: { name: 'crontab-owner' } }))).json();
    const path = `/apis/${group}/v1/namespaces/default/crontabs`;
    const dependent = cronTab(group, 'owned');
    (dependent.metadata as Record<string, unknown>).ownerReferences = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'crontab-owner', uid: owner.metadata.uid }];
    let created = await call(suite.creds, 'POST', path, json(dependent));
    for (let i = 0; i < 100 && created.status === 404; i++) created = await call(suite.creds, 'POST', path, json(dependent));
    assert.equal(created.status, 201, created.body);
    assert.equal((await call(suite.creds, 'DELETE', '/api/v1/namespaces/default/configmaps/crontab-owner')).status, 200);
    let status = 200;
    for (let i = 0; i < 100 && status === 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = (await call(suite.creds, 'GET', `${path}/owned`)).status;
    }
    assert.equal(status, 404, 'the dependent custom resource was collected');
  });

  it('keeps a Local APIService for each served custom resource group version, and drops it with the CRD', async () => {
    const group = 'listed.example.com';
    await call(suite.creds, 'POST', CRDS, json(cronTabCrd(group)));
    const apiService = async (): Promise<number> => (await call(suite.creds, 'GET', `/apis/apiregistration.k8s.io/v1/apiservices/v1.${group}`)).status;
    let status = 404;
    for (let i = 0; i < 100 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = await apiService();
    }
    assert.equal(status, 200, 'v1.<group> is listed');
    const listed = (await call(suite.creds, 'GET', `/apis/apiregistration.k8s.io/v1/apiservices/v1.${group}`)).json();
    assert.equal(listed.spec.service, undefined, 'a Local APIService names no service');
    await call(suite.creds, 'DELETE', `${CRDS}/crontabs.${group}`);
    for (let i = 0; i < 100 && status !== 404; i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = await apiService();
    }
    assert.equal(status, 404, 'gone with its CRD');
  });

  it('merges server-side applies by the schema\'s list-map keys, two managers each owning their container', async () => {
    const group = 'ssa.example.com';
    await call(suite.creds, 'POST', CRDS, json(cronTabCrd(group)));
    const path = `/apis/${group}/v1/namespaces/default/crontabs/x`;
    const apply = (manager: string, body: unknown) => call(suite.creds, 'PATCH', `${path}?fieldManager=${manager}`, { body: JSON.stringify(body), headers: { 'content-type': 'application/apply-patch+yaml' } });
    let first = await apply('one', cronTab(group, 'x', { jobTemplate: { containers: [{ name: 'a', image: 'a:1' }] } }));
    for (let i = 0; i < 100 && first.status === 404; i++) first = await apply('one', cronTab(group, 'x', { jobTemplate: { containers: [{ name: 'a', image: 'a:1' }] } }));
    assert.equal(first.status, 201, first.body);
    const second = await apply('two', { apiVersion: `${group}/v1`, kind: 'CronTab', metadata: { name: 'x' }, spec: { jobTemplate: { containers: [{ name: 'b', image: 'b:1' }] } } });
    assert.equal(second.status, 200, second.body);
    assert.deepEqual(second.json().spec.jobTemplate.containers, [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:1' }]);
    assert.deepEqual(second.json().metadata.managedFields.map((m: { manager: string }) => m.manager), ['one', 'two']);
  });

  it('validates a CRD as kube does: one storage version, a structural schema, its name', async () => {
    const crd = cronTabCrd('bad.example.com') as { metadata: { name: string }; spec: { versions: { storage: boolean; schema: unknown }[] } };
    crd.metadata.name = 'wrong.bad.example.com';
    crd.spec.versions[1]!.storage = true;
    crd.spec.versions[0]!.schema = { openAPIV3Schema: { type: 'object', properties: { spec: { properties: { a: { type: 'string' } } } } } };
    const reply = await call(suite.creds, 'POST', CRDS, json(crd));
    assert.equal(reply.status, 422, reply.body);
    const causes = reply.json().details.causes.map((c: { field: string; message: string }) => `${c.field}: ${c.message}`);
    assert.ok(causes.includes('metadata.name: Invalid value: "wrong.bad.example.com": must be spec.names.plural+"."+spec.group'), causes.join('\n'));
    assert.ok(causes.some((c: string) => c.startsWith('spec.versions: Invalid value: ') && c.endsWith('must have exactly one version marked as storage version')), causes.join('\n'));
    assert.ok(causes.includes('spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields'), causes.join('\n'));
  });

  it('refuses a name another CRD of the group holds: NamesAccepted False with kube\'s reason (the last clash checked: listKind), never Established', async () => {
    const group = 'clash.example.com';
    assert.equal((await call(suite.creds, 'POST', CRDS, json(cronTabCrd(group)))).status, 201);
    const second = cronTabCrd(group, { plural: 'others', kind: 'CronTab' });
    assert.equal((await call(suite.creds, 'POST', CRDS, json(second))).status, 201);
    let status: { conditions?: { type: string; status: string; reason: string; message: string }[] } = {};
    for (let i = 0; i < 50 && !status.conditions; i++) {
      await new Promise((r) => setImmediate(r));
      status = (await call(suite.creds, 'GET', `${CRDS}/others.${group}`)).json().status ?? {};
    }
    const accepted = status.conditions?.find((c) => c.type === 'NamesAccepted');
    assert.deepEqual(accepted && [accepted.status, accepted.reason, accepted.message], ['False', 'ListKindConflict', '"CronTabList" is already in use']);
    assert.equal(status.conditions?.find((c) => c.type === 'Established')?.status, 'False');
    assert.equal((await call(suite.creds, 'GET', `/apis/${group}/v1/others`)).status, 404);
  });

  it('adds the resource to discovery with a new ETag, and its store to /debug/actors, for as long as the CRD is served', async () => {
    const group = 'discovery.example.com';
    const accept = { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' };
    const before = await call(suite.creds, 'GET', '/apis', { headers: accept });
    await call(suite.creds, 'POST', CRDS, json(cronTabCrd(group)));
    let discovery = before;
    for (let i = 0; i < 50 && discovery.headers.etag === before.headers.etag; i++) discovery = await call(suite.creds, 'GET', '/apis', { headers: accept });
    assert.notEqual(discovery.headers.etag, before.headers.etag);
    const entry = discovery.json().items.find((g: { metadata: { name: string } }) => g.metadata.name === group);
    assert.deepEqual(entry.versions.map((v: { version: string }) => v.version), ['v1', 'v1beta1']);
    assert.equal((await call(suite.creds, 'GET', `/apis/${group}/v1`)).json().resources[0].name, 'crontabs');
    const actors = (): Promise<string[]> => call(suite.creds, 'GET', '/debug/actors').then((r) => r.json().actors.map((a: { id: string }) => a.id));
    assert.ok((await actors()).includes(`store/crontabs.${group}`));
    assert.ok((await actors()).includes('crd-controller'));
    assert.equal((await call(suite.creds, 'DELETE', `${CRDS}/crontabs.${group}`)).status, 200);
    for (let i = 0; i < 100 && (await actors()).includes(`store/crontabs.${group}`); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(!(await actors()).includes(`store/crontabs.${group}`));
    assert.equal((await call(suite.creds, 'GET', `/apis/${group}/v1`)).status, 404);
  });
  it('applies defaults and pruning on read from storage: a default or a field the CRD adds or drops later shows on objects stored before', async () => {
    const group = 'onread.example.com';
    const crd = cronTabCrd(group) as { spec: { versions: { schema: { openAPIV3Schema: { properties: { spec: { properties: Record<string, unknown> } } } } }[] } };
    await call(suite.creds, 'POST', CRDS, json(crd));
    const path = `/apis/${group}/v1/namespaces/default/crontabs`;
    const stored = cronTab(group, 'stored', { suspend: true });
    let created = await call(suite.creds, 'POST', path, json(stored));
    for (let i = 0; i < 100 && created.status === 404; i++) created = await call(suite.creds, 'POST', path, json(stored));
    assert.equal(created.status, 201, created.body);
    assert.equal(created.json().spec.timeZone, undefined);
    const current = (await call(suite.creds, 'GET', `${CRDS}/crontabs.${group}`)).json();
    const properties = current.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties;
    properties.timeZone = { type: 'string', default: 'Etc/UTC' };
    delete properties.suspend;
    assert.equal((await call(suite.creds, 'PUT', `${CRDS}/crontabs.${group}`, json(current))).status, 200);
    const read = await eventually(async () => {
      const object = (await call(suite.creds, 'GET', `${path}/stored`)).json();
      assert.equal(object.spec.timeZone, 'Etc/UTC');
      return object;
    });
    assert.equal(read.spec.suspend, undefined, 'pruned: the schema no longer names it');
    const listed = (await call(suite.creds, 'GET', path)).json().items[0];
    assert.deepEqual([listed.spec.timeZone, listed.spec.suspend], ['Etc/UTC', undefined]);
  });

  it('serves each version with its own schema, printer columns and subresources', async () => {
    const group = 'perversion.example.com';
    const crd = cronTabCrd(group) as { spec: { versions: Record<string, unknown>[] } };
    crd.spec.versions[1] = {
      name: 'v1beta1', served: true, storage: false,
      additionalPrinterColumns: [{ name: 'Cron', type: 'string', jsonPath: '.spec.schedule' }],
      schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { schedule: { type: 'string', maxLength: 20 }, image: { type: 'string' }, replicas: { type: 'integer', default: 7 } } } } } },
    };
    await call(suite.creds, 'POST', CRDS, json(crd));
    const v1beta1 = `/apis/${group}/v1beta1/namespaces/default/crontabs`;
    const body = { apiVersion: `${group}/v1beta1`, kind: 'CronTab', metadata: { name: 'old' }, spec: { schedule: '*/5 * * * *', unknown: 1 } };
    let created = await call(suite.creds, 'POST', v1beta1, json(body));
    for (let i = 0; i < 100 && created.status === 404; i++) created = await call(suite.creds, 'POST', v1beta1, json(body));
    assert.equal(created.status, 201, created.body);
    // v1beta1's own schema: its default, its pruning; the v1 default is the storage version's business.
    assert.equal(created.json().spec.replicas, 7);
    assert.equal(created.json().spec.unknown, undefined);
    const tooLong = await call(suite.creds, 'POST', v1beta1, json({ ...body, metadata: { name: 'long' }, spec: { schedule: '*/5 *  *  *  *  *  *  *' } }));
    assert.equal(tooLong.status, 422);
    assert.match(tooLong.json().message, /spec.schedule: Too long: may not be more than 20 bytes/);
    const table = (await call(suite.creds, 'GET', v1beta1, { headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } })).json();
    assert.deepEqual(table.columnDefinitions.map((c: { name: string }) => c.name), ['Name', 'Cron']);
    const v1Table = (await call(suite.creds, 'GET', `/apis/${group}/v1/namespaces/default/crontabs`, { headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } })).json();
    assert.deepEqual(v1Table.columnDefinitions.map((c: { name: string }) => c.name), ['Name', 'Schedule', 'Replicas', 'Last']);
    // /scale and /status are v1's subresources only.
    assert.equal((await call(suite.creds, 'GET', `/apis/${group}/v1/namespaces/default/crontabs/old/scale`)).status, 200);
    assert.equal((await call(suite.creds, 'GET', `${v1beta1}/old/scale`)).status, 404);
    const resources = (await call(suite.creds, 'GET', `/apis/${group}/v1beta1`)).json().resources.map((r: { name: string }) => r.name);
    assert.deepEqual(resources, ['crontabs']);
  });

  it('refuses creates while the CRD is Terminating with kube\'s 405, and lets the CRD go once its last object does', async () => {
    const group = 'terminating.example.com';
    await call(suite.creds, 'POST', CRDS, json(cronTabCrd(group)));
    const path = `/apis/${group}/v1/namespaces/default/crontabs`;
    const held = cronTab(group, 'held');
    (held.metadata as Record<string, unknown>).finalizers = ['example.com/hold'];
    let created = await call(suite.creds, 'POST', path, json(held));
    for (let i = 0; i < 100 && created.status === 404; i++) created = await call(suite.creds, 'POST', path, json(held));
    assert.equal(created.status, 201, created.body);
    assert.equal((await call(suite.creds, 'DELETE', `${CRDS}/crontabs.${group}`)).status, 200);
    const refused = await eventually(async () => {
      const reply = await call(suite.creds, 'POST', path, json(cronTab(group, 'late')));
      assert.equal(reply.status, 405, reply.body);
      return reply.json();
    });
    assert.deepEqual([refused.reason, refused.message, refused.details], ['MethodNotAllowed', 'create not allowed while custom resource definition is terminating', { group, kind: 'crontabs' }]);
    const crd = (await call(suite.creds, 'GET', `${CRDS}/crontabs.${group}`)).json();
    assert.equal(crd.status.conditions.find((c: { type: string }) => c.type === 'Terminating')?.status, 'True');
    // Reads and updates go on: the held object's finalizer can still be removed.
    const patched = await call(suite.creds, 'PATCH', `${path}/held`, { body: JSON.stringify({ metadata: { finalizers: null } }), headers: { 'content-type': 'application/merge-patch+json' } });
    assert.equal(patched.status, 200, patched.body);
    await eventually(async () => assert.equal((await call(suite.creds, 'GET', `${CRDS}/crontabs.${group}`)).status, 404));
  });
  it('ratchets validation on update as kube 1.33 does: a value left unchanged is not refused under a stricter schema, a failing CEL rule on it is a warning', async () => {
    const group = 'ratchet.example.com';
    await call(suite.creds, 'POST', CRDS, json(cronTabCrd(group)));
    const path = `/apis/${group}/v1/namespaces/default/crontabs`;
    const body = cronTab(group, 'loose', { replicas: 8, image: 'nginx', jobTemplate: { containers: [{ name: 'a', image: 'a:latest' }] } });
    let created = await call(suite.creds, 'POST', path, json(body));
    for (let i = 0; i < 100 && created.status === 404; i++) created = await call(suite.creds, 'POST', path, json(body));
    assert.equal(created.status, 201, created.body);
    // The CRD tightens: at most 5 replicas, no ':latest' container image, and a rule the stored schedule fails.
    const crd = (await call(suite.creds, 'GET', `${CRDS}/crontabs.${group}`)).json();
    const spec = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec;
    spec.properties.replicas.maximum = 5;
    spec.properties.jobTemplate.properties.containers.items.properties.image.pattern = '^[^:]+(:[^l].*)?$';
    spec.properties.schedule['x-kubernetes-validations'].push({ rule: "!self.startsWith('*/5')", message: 'every five minutes is too often' });
    assert.equal((await call(suite.creds, 'PUT', `${CRDS}/crontabs.${group}`, json(crd))).status, 200);
    const patch = (p: unknown) => call(suite.creds, 'PATCH', `${path}/loose`, { body: JSON.stringify(p), headers: { 'content-type': 'application/merge-patch+json' } });
    // A new object is held to the new schema...
    const fresh = await eventually(async () => {
      const reply = await call(suite.creds, 'POST', path, json(cronTab(group, 'fresh', { replicas: 8 })));
      assert.equal(reply.status, 422, reply.body);
      return reply.json();
    });
    assert.match(fresh.message, /spec.replicas: Invalid value: 8: spec.replicas in body should be less than or equal to 5/);
    // ...an update that leaves the invalid values as they were is not, and the rule's failure comes back as a warning.
    const untouched = await patch({ spec: { suspend: true } });
    assert.equal(untouched.status, 200, untouched.body);
    assert.match(String(untouched.headers.warning), /299 - "spec.schedule: Invalid value: \\"string\\": every five minutes is too often"/);
    // A changed value is validated: the other container is new, its image refused; replicas changed, refused.
    const added = await patch({ spec: { jobTemplate: { containers: [{ name: 'a', image: 'a:latest' }, { name: 'b', image: 'b:latest' }] } } });
    assert.equal(added.status, 422, added.body);
    assert.deepEqual(added.json().details.causes.map((c: { field: string }) => c.field), ['spec.jobTemplate.containers[1].image']);
    const more = await patch({ spec: { replicas: 9 } });
    assert.equal(more.status, 422, more.body);
    assert.equal((await patch({ spec: { replicas: 4 } })).status, 200);
  });
});

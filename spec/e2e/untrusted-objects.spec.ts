// No store trusts an object's shape: every body is decoded against its kind's
// schema before a strategy, selector or watch touches it, as kube's decoder
// does. Null where a map, list or struct belongs is its zero value; a value of
// the wrong JSON type is kube's decode error (400), never a 500, a crash or a hang.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { suiteServer } from '../support/server.js';
import { call, type Response } from '../support/http.js';
import { settle } from '../../harness/client.js';

const CM = '/api/v1/namespaces/default/configmaps';
const SECRETS = '/api/v1/namespaces/default/secrets';
const NAMESPACES = '/api/v1/namespaces';
const CLUSTER_ROLES = '/apis/rbac.authorization.k8s.io/v1/clusterroles';

function assertStatus(response: Response, code: number, reason: string): Record<string, any> {
  assert.equal(response.status, code, response.body);
  const status = response.json();
  assert.equal(status.kind, 'Status');
  assert.equal(status.reason, reason);
  assert.equal(status.code, code);
  return status;
}

describe('untrusted objects', () => {
  const suite = suiteServer();
  const post = (path: string, body: unknown, headers?: Record<string, string>): Promise<Response> =>
    call(suite.creds, 'POST', path, { body: typeof body === 'string' ? body : JSON.stringify(body), ...(headers ? { headers } : {}) });

  it('keeps a selector watch and the store alive when a ConfigMap arrives with labels: null', async () => {
    const watch = await suite.server.client.watch(`${CM}?watch=true&labelSelector=a%3Db`);
    const created = await post(CM, { metadata: { name: 'null-labels', labels: null, annotations: null }, data: null });
    assert.equal(created.status, 201, created.body);
    const object = created.json();
    assert.equal('labels' in object.metadata, false, 'null labels are dropped, as kube decodes them');
    assert.equal('annotations' in object.metadata, false);
    assert.equal('data' in object, false);

    // The store still serves every selector read, and the open watch still delivers.
    const list = await call(suite.creds, 'GET', `${CM}?labelSelector=a%3Db`);
    assert.equal(list.status, 200, list.body);
    assert.equal((await call(suite.creds, 'DELETE', `${CM}?labelSelector=a%3Db`)).status, 200);
    assert.equal((await post(CM, { metadata: { name: 'matching', labels: { a: 'b' } } })).status, 201);
    await settle(() => watch.events.some((e) => e.object.metadata?.name === 'matching'), 'the selector watch to see the matching create');
    assert.deepEqual(watch.events.map((e) => e.object.metadata?.name), ['matching']);
    watch.close();

    const tree = (await call(suite.creds, 'GET', '/debug/actors')).json() as { actors: { id: string; restarts: number }[] };
    assert.equal(tree.actors.find((a) => a.id === 'store/configmaps')?.restarts, 0);
  });

  it('decodes null inside maps and lists to Go zero values', async () => {
    const created = await post(CM, { metadata: { name: 'null-values', labels: { a: null }, finalizers: [null] }, data: { k: null } });
    // labels {a: ""} and data {k: ""} are what kube stores; finalizers [""] is then invalid, as in kube.
    const status = assertStatus(created, 422, 'Invalid');
    assert.match(status.message, /metadata\.finalizers/);
    const ok = await post(CM, { metadata: { name: 'null-values', labels: { a: null } }, data: { k: null } });
    assert.equal(ok.status, 201, ok.body);
    assert.deepEqual(ok.json().metadata.labels, { a: '' });
    assert.deepEqual(ok.json().data, { k: '' });
  });

  it('answers metadata.name of the wrong JSON type with kube\'s decode error, for a ConfigMap and a ClusterRole', async () => {
    const cm = assertStatus(await post(CM, { metadata: { name: 1 } }), 400, 'BadRequest');
    assert.equal(cm.message, 'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string');
    const role = assertStatus(await post(CLUSTER_ROLES, { metadata: { name: 1 } }), 400, 'BadRequest');
    assert.equal(role.message, 'ClusterRole in version "v1" cannot be handled as a ClusterRole: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string');
    const generate = assertStatus(await post(CM, { metadata: { generateName: ['x'] } }), 400, 'BadRequest');
    assert.match(generate.message, /cannot unmarshal array into Go struct field ObjectMeta\.metadata\.generateName of type string/);
  });

  it('answers YAML 1.1 booleans where label strings belong with kube\'s decode error', async () => {
    const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yaml-labels\n  labels:\n    on: yes\n';
    const status = assertStatus(await post(CM, yaml, { 'content-type': 'application/yaml' }), 400, 'BadRequest');
    assert.equal(status.message, 'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.labels of type string');
    const name = assertStatus(await post(CM, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: on\n', { 'content-type': 'application/yaml' }), 400, 'BadRequest');
    assert.equal(name.message, 'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.name of type string');
  });

  it('answers a Namespace with "spec": 1 with 400 through POST, PUT and merge patch', async () => {
    const message = 'Namespace in version "v1" cannot be handled as a Namespace: json: cannot unmarshal number into Go struct field Namespace.spec of type v1.NamespaceSpec';
    assert.equal(assertStatus(await post(NAMESPACES, { metadata: { name: 'spec-one' }, spec: 1 }), 400, 'BadRequest').message, message);
    assert.equal((await post(NAMESPACES, { metadata: { name: 'spec-one' } })).status, 201);
    const put = await call(suite.creds, 'PUT', `${NAMESPACES}/spec-one`, { body: JSON.stringify({ metadata: { name: 'spec-one' }, spec: 1 }) });
    assert.equal(assertStatus(put, 400, 'BadRequest').message, message);
    const patch = await call(suite.creds, 'PATCH', `${NAMESPACES}/spec-one`, { body: JSON.stringify({ spec: 1 }), headers: { 'content-type': 'application/merge-patch+json' } });
    assert.equal(assertStatus(patch, 400, 'BadRequest').message, message);
    assert.deepEqual((await call(suite.creds, 'GET', `${NAMESPACES}/spec-one`)).json().spec, { finalizers: ['kubernetes'] });
  });

  it('answers Secret data that is not base64, and stringData that is not strings, with kube\'s decode errors', async () => {
    const data = assertStatus(await post(SECRETS, { metadata: { name: 'not-base64' }, data: { password: 'hunter2!' } }), 400, 'BadRequest');
    assert.equal(data.message, 'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 7');
    const stringData = assertStatus(await post(SECRETS, { metadata: { name: 'not-strings' }, stringData: { port: 5432 } }), 400, 'BadRequest');
    assert.equal(stringData.message, 'Secret in version "v1" cannot be handled as a Secret: json: cannot unmarshal number into Go struct field Secret.stringData of type string');
    for (const name of ['not-base64', 'not-strings']) assert.equal((await call(suite.creds, 'GET', `${SECRETS}/${name}`)).status, 404);
    assert.equal((await post(SECRETS, { metadata: { name: 'base64' }, data: { password: 'aHVudGVyMiE=' } })).status, 201);
  });

  it('decodes access reviews against their schema too: a mistyped SubjectAccessReview is a 400, not a 500', async () => {
    const review = { spec: { user: 'alice', groups: 'not-a-list', resourceAttributes: { verb: 'get', resource: 'pods' } } };
    const status = assertStatus(await post('/apis/authorization.k8s.io/v1/subjectaccessreviews', review), 400, 'BadRequest');
    assert.equal(status.message, 'SubjectAccessReview in version "v1" cannot be handled as a SubjectAccessReview: json: cannot unmarshal string into Go struct field SubjectAccessReviewSpec.spec.groups of type []string');
  });

  it('answers dryRun values other than All with 422 on the request\'s options kind', async () => {
    const create = assertStatus(await post(`${CM}?dryRun=Garbage`, { metadata: { name: 'dry' } }), 422, 'Invalid');
    assert.equal(create.message, 'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"Garbage"}: supported values: "All"');
    assert.equal((await call(suite.creds, 'GET', `${CM}/dry`)).status, 404);
    const del = assertStatus(await call(suite.creds, 'DELETE', `${CM}/dry?dryRun=Garbage`), 422, 'Invalid');
    assert.match(del.message, /^DeleteOptions\.meta\.k8s\.io "" is invalid: dryRun: Unsupported value/);
    assert.equal((await post(CM, { metadata: { name: 'dry' } })).status, 201);
    const mistyped = assertStatus(await call(suite.creds, 'DELETE', `${CM}/dry`, { body: JSON.stringify({ propagationPolicy: 1 }) }), 400, 'BadRequest');
    assert.equal(mistyped.message, 'DeleteOptions in version "v1" cannot be handled as a DeleteOptions: json: cannot unmarshal number into Go struct field DeleteOptions.propagationPolicy of type string');
    const inBody = assertStatus(await call(suite.creds, 'DELETE', `${CM}/dry`, { body: JSON.stringify({ dryRun: ['Garbage'] }) }), 422, 'Invalid');
    assert.match(inBody.message, /^DeleteOptions\.meta\.k8s\.io "" is invalid: dryRun: Unsupported value: \[\]string\{"Garbage"\}/);
    assert.equal((await call(suite.creds, 'GET', `${CM}/dry`)).status, 200);
    const strict = assertStatus(await post(`${CM}?fieldValidation=Loose`, { metadata: { name: 'dry' } }), 422, 'Invalid');
    assert.equal(strict.message, 'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loose": supported values: "", "Ignore", "Strict", "Warn"');
  });
});

// Bad input gets a kube Status with the right code and reason, never a
// crash, a hang, or a half-written object.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { suiteServer } from '../support/server.js';
import { call, type Response } from '../support/http.js';

const CM = '/api/v1/namespaces/default/configmaps';

function assertStatus(response: Response, code: number, reason: string): Record<string, any> {
  assert.equal(response.status, code, response.body);
  const status = response.json();
  assert.equal(status.kind, 'Status');
  assert.equal(status.apiVersion, 'v1');
  assert.equal(status.status, 'Failure');
  assert.equal(status.reason, reason);
  assert.equal(status.code, code);
  return status;
}

describe('bad input', () => {
  const suite = suiteServer();

  it('answers malformed JSON with 400 BadRequest', async () => {
    assertStatus(await call(suite.creds, 'POST', CM, { body: '{"kind": "ConfigMap", ' }), 400, 'BadRequest');
  });

  it('answers malformed YAML with 400 BadRequest', async () => {
    assertStatus(await call(suite.creds, 'POST', CM, { body: 'kind: ConfigMap\nmetadata: [unclosed', headers: { 'content-type': 'application/yaml' } }), 400, 'BadRequest');
  });

  it('accepts YAML bodies', async () => {
    const response = await call(suite.creds, 'POST', CM, { body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  on: "yes"\n', headers: { 'content-type': 'application/yaml' } });
    assert.equal(response.status, 201, response.body);
  });

  it('answers a body of the wrong kind with 400', async () => {
    assertStatus(await call(suite.creds, 'POST', CM, { body: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }) }), 400, 'BadRequest');
  });

  it('answers a value of the wrong JSON type with 400 in kube\'s decoder wording', async () => {
    const status = assertStatus(await call(suite.creds, 'POST', CM, { body: JSON.stringify({ metadata: { name: 'typed' }, data: { a: 1 } }) }), 400, 'BadRequest');
    assert.match(status.message, /^ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap\.data of type string$/);
  });

  it('answers a namespace that does not match the URL with 400', async () => {
    const status = assertStatus(await call(suite.creds, 'POST', CM, { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'kube-system' } }) }), 400, 'BadRequest');
    assert.equal(status.message, 'the namespace of the provided object does not match the namespace sent on the request');
  });

  it('answers a body over 3 MiB with 413 and stores nothing', async () => {
    const big = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'too-big' }, data: { a: 'x'.repeat(3 * 1024 * 1024) } });
    assertStatus(await call(suite.creds, 'POST', CM, { body: big }), 413, 'RequestEntityTooLarge');
    assert.equal((await call(suite.creds, 'GET', `${CM}/too-big`)).status, 404);
  });

  it('answers objects nested past the depth limit with 400', async () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 200; i++) deep = { d: deep };
    assertStatus(await call(suite.creds, 'POST', CM, { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'deep', annotations: {} }, data: {}, extra: deep }) }), 400, 'BadRequest');
  });

  it('answers a JSON patch with too many operations with 413', async () => {
    await call(suite.creds, 'POST', CM, { body: JSON.stringify({ metadata: { name: 'patched' } }) });
    const ops = Array.from({ length: 10_001 }, () => ({ op: 'test', path: '/metadata/name', value: 'patched' }));
    assertStatus(await call(suite.creds, 'PATCH', `${CM}/patched`, { body: JSON.stringify(ops), headers: { 'content-type': 'application/json-patch+json' } }), 413, 'RequestEntityTooLarge');
  });

  it('answers an unknown content type with 415', async () => {
    assertStatus(await call(suite.creds, 'POST', CM, { body: 'hello', headers: { 'content-type': 'text/plain' } }), 415, 'UnsupportedMediaType');
  });

  it('answers an unknown resource with 404 NotFound', async () => {
    const status = assertStatus(await call(suite.creds, 'GET', '/api/v1/namespaces/default/widgets'), 404, 'NotFound');
    assert.equal(status.message, 'the server could not find the requested resource');
    assertStatus(await call(suite.creds, 'GET', '/apis/example.com/v1/things'), 404, 'NotFound');
  });

  it('answers a bad token with 401 Unauthorized', async () => {
    assertStatus(await call(suite.creds, 'GET', CM, { token: 'not-a-token' }), 401, 'Unauthorized');
  });

  it('answers an anonymous request for a resource with 403 Forbidden', async () => {
    const status = assertStatus(await call(suite.creds, 'GET', CM, { token: null }), 403, 'Forbidden');
    assert.equal(status.message, 'configmaps is forbidden: User "system:anonymous" cannot list resource "configmaps" in API group "" in the namespace "default"');
  });

  it('lets anonymous users read /version and /readyz, as kube\'s public-info-viewer role does', async () => {
    assert.equal((await call(suite.creds, 'GET', '/version', { token: null })).status, 200);
    assert.equal((await call(suite.creds, 'GET', '/readyz', { token: null })).status, 200);
  });

  it('answers creates in a missing namespace with 404 from NamespaceLifecycle', async () => {
    const status = assertStatus(await call(suite.creds, 'POST', '/api/v1/namespaces/nowhere/configmaps', { body: JSON.stringify({ metadata: { name: 'x' } }) }), 404, 'NotFound');
    assert.equal(status.message, 'namespaces "nowhere" not found');
  });

  it('refuses to delete the default namespace', async () => {
    const status = assertStatus(await call(suite.creds, 'DELETE', '/api/v1/namespaces/default'), 403, 'Forbidden');
    assert.equal(status.message, 'namespaces "default" is forbidden: this namespace may not be deleted');
  });

  it('rejects unknown fields under fieldValidation=Strict and warns under Warn', async () => {
    const body = JSON.stringify({ metadata: { name: 'strict' }, bogus: 1 });
    const strict = assertStatus(await call(suite.creds, 'POST', `${CM}?fieldValidation=Strict`, { body }), 400, 'BadRequest');
    assert.equal(strict.message, 'strict decoding error: unknown field "bogus"');
    const warned = await call(suite.creds, 'POST', `${CM}?fieldValidation=Warn`, { body });
    assert.equal(warned.status, 201);
    assert.match(String(warned.headers.warning), /unknown field \\"bogus\\"/);
    assert.equal(warned.json().bogus, undefined);
  });

  it('is still serving after all of the above', async () => {
    assert.equal((await call(suite.creds, 'GET', '/readyz')).body, 'ok');
  });
});

// Discovery over the wire: legacy documents, aggregated discovery in the
// version the client asks for (with ETag and 304), and OpenAPI v3.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { suiteServer } from '../support/server.js';
import { call } from '../support/http.js';

const V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const V2BETA1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

describe('discovery', () => {
  const suite = suiteServer();

  it('serves legacy discovery when the client asks for plain JSON', async () => {
    const api = await call(suite.creds, 'GET', '/api', { headers: { accept: 'application/json' } });
    assert.deepEqual(api.json().versions, ['v1']);
    const group = await call(suite.creds, 'GET', '/apis/rbac.authorization.k8s.io');
    assert.equal(group.json().preferredVersion.groupVersion, 'rbac.authorization.k8s.io/v1');
  });

  it('answers aggregated discovery in the version asked for first, echoing it in Content-Type', async () => {
    const v2 = await call(suite.creds, 'GET', '/apis', { headers: { accept: `${V2},${V2BETA1},application/json` } });
    assert.equal(v2.headers['content-type'], V2);
    assert.equal(v2.json().apiVersion, 'apidiscovery.k8s.io/v2');
    const beta = await call(suite.creds, 'GET', '/api', { headers: { accept: `${V2BETA1},application/json` } });
    assert.equal(beta.headers['content-type'], V2BETA1);
    assert.equal(beta.json().items[0].versions[0].version, 'v1');
  });

  it('answers If-None-Match with 304 when the document has not changed', async () => {
    const first = await call(suite.creds, 'GET', '/apis', { headers: { accept: V2 } });
    const etag = String(first.headers.etag);
    assert.match(etag, /^"[0-9A-F]{64}"$/);
    const again = await call(suite.creds, 'GET', '/apis', { headers: { accept: V2, 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal(again.body, '');
  });

  it('links every group-version from the OpenAPI v3 root, and each PATCH lists fieldValidation', async () => {
    const root = (await call(suite.creds, 'GET', '/openapi/v3')).json() as { paths: Record<string, { serverRelativeURL: string }> };
    assert.ok(root.paths['api/v1']);
    assert.ok(root.paths['apis/rbac.authorization.k8s.io/v1']);
    const core = (await call(suite.creds, 'GET', root.paths['api/v1']!.serverRelativeURL)).json() as { paths: Record<string, Record<string, { parameters?: { name: string }[]; requestBody?: { content: Record<string, unknown> } }>> };
    const patch = core.paths['/api/v1/namespaces/{namespace}/configmaps/{name}']!.patch!;
    assert.ok(patch.parameters!.some((p) => p.name === 'fieldValidation'));
    assert.ok('application/strategic-merge-patch+json' in patch.requestBody!.content);
  });
});

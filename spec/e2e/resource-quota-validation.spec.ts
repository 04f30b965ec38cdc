// A ResourceQuota's spec is checked as kube checks it (ValidateResourceQuotaSpec): only quota
// resources in `hard`, with quantities that are not negative (whole for counts), and scopes that
// exist, suit what is limited and do not conflict, in `scopes` and in the scope selector alike.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.js';

describe('ResourceQuota validation', () => {
  let server: TestServer;
  const create = async (spec: unknown): Promise<{ status: number; message: string }> => {
    const reply = await server.client.request('POST', '/api/v1/namespaces/default/resourcequotas', { metadata: { generateName: 'q-' }, spec });
    return { status: reply.status, message: (JSON.parse(reply.body) as { message?: string }).message ?? '' };
  };

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.dispose();
  });

  it('accepts quota resources, extended resources and scopes that suit them', async () => {
    assert.equal((await create({ hard: { pods: '10', 'requests.cpu': '500m', 'requests.example.com/gpu': '2', configmaps: '3' } })).status, 201);
    assert.equal((await create({ hard: { pods: '5', cpu: '1' }, scopes: ['NotBestEffort', 'NotTerminating'] })).status, 201);
    assert.equal((await create({ hard: { pods: '5' }, scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] } })).status, 201);
  });

  it('refuses a resource that is not a quota resource, a negative quantity and a fractional count', async () => {
    const { status, message } = await create({ hard: { widgets: '1', memory: '-1Gi', pods: '1500m' } });
    assert.equal(status, 422);
    assert.match(message, /spec\.hard\[widgets\]: Invalid value: "widgets": must be a standard resource for quota/);
    assert.match(message, /spec\.hard\[memory\]: Invalid value: "-1Gi": must be greater than or equal to 0/);
    assert.match(message, /spec\.hard\[pods\]: Invalid value: "1500m": must be an integer/);
  });

  it('refuses unknown, unsuitable and conflicting scopes', async () => {
    assert.match((await create({ hard: { pods: '1' }, scopes: ['Sometimes'] })).message, /spec\.scopes: Invalid value: .*"Sometimes".*: unsupported scope/);
    assert.match((await create({ hard: { configmaps: '1' }, scopes: ['Terminating'] })).message, /spec\.scopes: .*unsupported scope applied to resource/);
    assert.match((await create({ hard: { pods: '1' }, scopes: ['BestEffort', 'NotBestEffort'] })).message, /spec\.scopes: .*conflicting scopes/);
  });

  it('refuses a scope selector requirement with no scope, a bad operator or values that do not fit it', async () => {
    const empty = await create({ hard: { pods: '1' }, scopeSelector: { matchExpressions: [{ scopeName: '', operator: '' }] } });
    assert.equal(empty.status, 422);
    assert.match(empty.message, /spec\.scopeSelector\.matchExpressions\[0\]\.scopeName: Invalid value: "": unsupported scope/);
    assert.match(empty.message, /spec\.scopeSelector\.matchExpressions\[0\]\.operator: Invalid value: "": not a valid selector operator/);
    assert.match((await create({ hard: { pods: '1' }, scopeSelector: { matchExpressions: [{ scopeName: 'BestEffort', operator: 'In', values: ['x'] }] } })).message, /must be 'Exist' only operator/);
    assert.match((await create({ hard: { pods: '1' }, scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In' }] } })).message, /spec\.scopeSelector\.matchExpressions\[0\]\.values: Required value: must be at least one value/);
    assert.match((await create({ hard: { pods: '1' }, scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'Exists', values: ['x'] }] } })).message, /must be no value when `operator` is 'Exist' or 'DoesNotExist'/);
  });
});

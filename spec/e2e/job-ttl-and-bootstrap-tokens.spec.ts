// The controllers that clean up after time passes, and the bootstrap-token
// ones kubeadm turns on: ttl-after-finished deletes a finished Job (and its
// Pods) once its TTL runs out; tokencleaner deletes expired bootstrap token
// Secrets; bootstrapsigner signs kube-public's cluster-info for each signing
// token. kube leaves the last two off unless --controllers names them.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { kubectl, type Kubectl } from '../support/kubectl.js';
import { startTestServer, suiteServer, type TestServer } from '../support/server.js';
import { call, credentialsOf, type Credentials } from '../support/http.js';
import { settle } from '../../harness/client.js';

const job = (name: string, ttl: number) => `
apiVersion: batch/v1
kind: Job
metadata: {name: ${name}}
spec:
  ttlSecondsAfterFinished: ${ttl}
  template:
    spec:
      restartPolicy: Never
      containers: [{name: work, image: busybox}]
`;

const b64 = (s: string): string => Buffer.from(s).toString('base64');

function tokenSecret(id: string, secret: string, extra: Record<string, string> = {}) {
  return {
    apiVersion: 'v1', kind: 'Secret', type: 'bootstrap.kubernetes.io/token',
    metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
    data: Object.fromEntries(Object.entries({ 'token-id': id, 'token-secret': secret, ...extra }).map(([k, v]) => [k, b64(v)])),
  };
}

describe('ttl-after-finished, tokencleaner and bootstrapsigner', () => {
  let server: TestServer;
  let k: Kubectl;
  let creds: Credentials;

  before(async () => {
    server = await startTestServer({ controllers: ['*', 'bootstrapsigner', 'tokencleaner'] });
    k = kubectl('1.33', server.kubeconfigPath);
    creds = credentialsOf(server.kubeconfigPath);
  });
  after(async () => {
    await server.dispose();
  });

  /** Marks a Job finished as the job controller would (there is none here). */
  async function finish(name: string, at: Date): Promise<void> {
    const current = await call(creds, 'GET', `/apis/batch/v1/namespaces/default/jobs/${name}`);
    const body = current.json();
    const time = at.toISOString().replace(/\.\d+Z$/, 'Z');
    body.status = {
      startTime: time, completionTime: time, succeeded: 1,
      conditions: [
        { type: 'SuccessCriteriaMet', status: 'True', lastTransitionTime: time, lastProbeTime: time },
        { type: 'Complete', status: 'True', lastTransitionTime: time, lastProbeTime: time },
      ],
    };
    const put = await call(creds, 'PUT', `/apis/batch/v1/namespaces/default/jobs/${name}/status`, { body: JSON.stringify(body) });
    assert.equal(put.status, 200, put.body);
  }

  it('deletes a finished Job once its TTL has run out, and not before', async () => {
    await k.ok(['apply', '-f', '-'], { input: job('done', 2) });
    await k.ok(['apply', '-f', '-'], { input: job('running', 0) });
    await k.ok(['apply', '-f', '-'], { input: job('later', 3600) });
    await finish('done', new Date());
    await finish('later', new Date());
    // 2 s is not up yet
    assert.equal((await k.run(['get', 'job', 'done'])).code, 0);
    await k.ok(['wait', '--for=delete', 'job/done', '--timeout=15s']);
    // Neither an unfinished Job nor one with an hour left goes.
    assert.equal((await k.run(['get', 'job', 'running'])).code, 0);
    assert.equal((await k.run(['get', 'job', 'later'])).code, 0);
  });

  it('deletes a Job that finished longer ago than its TTL at once', async () => {
    await k.ok(['apply', '-f', '-'], { input: job('old', 60) });
    await finish('old', new Date(Date.now() - 120_000));
    await k.ok(['wait', '--for=delete', 'job/old', '--timeout=10s']);
  });

  it('deletes expired bootstrap tokens and keeps the others', async () => {
    const past = new Date(Date.now() - 1000).toISOString();
    const future = new Date(Date.now() + 3_600_000).toISOString();
    for (const body of [tokenSecret('aaaaaa', 'x', { expiration: past }), tokenSecret('bbbbbb', 'y', { expiration: future }), tokenSecret('cccccc', 'z', { expiration: 'tomorrow' }), tokenSecret('dddddd', 'w')]) {
      const created = await call(creds, 'POST', '/api/v1/namespaces/kube-system/secrets', { body: JSON.stringify(body) });
      assert.equal(created.status, 201, created.body);
    }
    await k.ok(['wait', '--for=delete', '-n', 'kube-system', 'secret/bootstrap-token-aaaaaa', 'secret/bootstrap-token-cccccc', '--timeout=10s']);
    assert.equal((await k.run(['get', 'secret', '-n', 'kube-system', 'bootstrap-token-bbbbbb'])).code, 0);
    assert.equal((await k.run(['get', 'secret', '-n', 'kube-system', 'bootstrap-token-dddddd'])).code, 0);
  });

  it('signs cluster-info\'s kubeconfig with each signing token, and drops the signature of a token that goes', async () => {
    const kubeconfig = 'apiVersion: v1\nkind: Config\nclusters: []\n';
    await k.ok(['create', 'cm', 'cluster-info', '-n', 'kube-public', `--from-literal=kubeconfig=${kubeconfig}`]);
    const signing = tokenSecret('abcdef', '0123456789abcdef', { 'usage-bootstrap-signing': 'true' });
    await call(creds, 'POST', '/api/v1/namespaces/kube-system/secrets', { body: JSON.stringify(signing) });
    await call(creds, 'POST', '/api/v1/namespaces/kube-system/secrets', { body: JSON.stringify(tokenSecret('zzzzzz', 'nosigning')) });
    let data: Record<string, string> = {};
    await settle(async () => {
      data = (await call(creds, 'GET', '/api/v1/namespaces/kube-public/configmaps/cluster-info')).json().data;
      return data['jws-kubeconfig-abcdef'] !== undefined;
    }, 'the signature', 5000);
    assert.deepEqual(Object.keys(data).sort(), ['jws-kubeconfig-abcdef', 'kubeconfig']);
    // A detached HS256 JWS: its header names the token, and the signature covers header.payload.
    const [header = '', payload, signature = ''] = data['jws-kubeconfig-abcdef']!.split('.');
    assert.equal(payload, '');
    assert.deepEqual(JSON.parse(Buffer.from(header, 'base64url').toString()), { alg: 'HS256', kid: 'abcdef' });
    const expected = createHmac('sha256', '0123456789abcdef').update(`${header}.${Buffer.from(kubeconfig).toString('base64url')}`).digest('base64url');
    assert.equal(signature, expected);
    await k.ok(['delete', 'secret', '-n', 'kube-system', 'bootstrap-token-abcdef']);
    await settle(async () => {
      data = (await call(creds, 'GET', '/api/v1/namespaces/kube-public/configmaps/cluster-info')).json().data;
      return data['jws-kubeconfig-abcdef'] === undefined;
    }, 'the signature gone', 5000);
    assert.equal(data.kubeconfig, kubeconfig);
  });
});

describe('--controllers and the controllers kube leaves off', () => {
  const suite = suiteServer();

  it('`*` does not turn on tokencleaner: an expired token stays', async () => {
    const expired = tokenSecret('eeeeee', 'x', { expiration: new Date(Date.now() - 1000).toISOString() });
    assert.equal((await call(suite.creds, 'POST', '/api/v1/namespaces/kube-system/secrets', { body: JSON.stringify(expired) })).status, 201);
    const actors = (await call(suite.creds, 'GET', '/debug/actors')).body;
    assert.doesNotMatch(actors, /token-cleaner-controller/);
    assert.match(actors, /ttl-after-finished-controller/);
    assert.equal((await kubectl('1.33', suite.server.kubeconfigPath).run(['get', 'secret', '-n', 'kube-system', 'bootstrap-token-eeeeee'])).code, 0);
  });
});

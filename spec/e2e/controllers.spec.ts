// The built-in controllers: each an actor under the supervisor, chosen with
// kube-controller-manager's --controllers, acting through the handler chain as
// its own service account. What a user sees first: every namespace has its
// `default` ServiceAccount and its `kube-root-ca.crt` ConfigMap.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubectl, type Kubectl } from '../support/kubectl.js';
import { startTestServer, tempDir, type TestServer } from '../support/server.js';
import { settle } from '../../harness/client.js';
import { StartupError } from '../../harness/start-server.js';

const SYSTEM_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];

describe('built-in controllers', () => {
  let server: TestServer;
  let k: Kubectl;

  before(async () => {
    server = await startTestServer();
    k = kubectl('1.33', server.kubeconfigPath);
  });
  after(async () => {
    await server.dispose();
  });

  it('gives every namespace, the system ones included, a default ServiceAccount', async () => {
    await k.ok(['create', 'ns', 'team-a']);
    await k.ok(['create', 'sa', 'bot', '-n', 'team-a']);
    await k.ok(['wait', '--for=create', 'sa/default', '-n', 'team-a', '--timeout=10s']);
    const accounts = await k.ok(['get', 'sa', '-A', '-o', 'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}{"\\n"}{end}']);
    for (const ns of [...SYSTEM_NAMESPACES, 'team-a']) assert.match(accounts, new RegExp(`^${ns}/default$`, 'm'));
    assert.match(accounts, /^team-a\/bot$/m);
  });

  it('puts the default ServiceAccount back when it is deleted', async () => {
    await k.ok(['create', 'ns', 'team-b']);
    await k.ok(['wait', '--for=create', 'sa/default', '-n', 'team-b', '--timeout=10s']);
    const before = await k.ok(['get', 'sa', 'default', '-n', 'team-b', '-o', 'jsonpath={.metadata.uid}']);
    await k.ok(['delete', 'sa', 'default', '-n', 'team-b']);
    await settle(async () => {
      const r = await k.run(['get', 'sa', 'default', '-n', 'team-b', '-o', 'jsonpath={.metadata.uid}']);
      return r.code === 0 && r.stdout !== before;
    }, 'a new default ServiceAccount', 5000);
  });

  it('publishes the cluster CA as kube-root-ca.crt in every namespace, and restores it when edited or deleted', async () => {
    const ca = readFileSync(server.caFile, 'utf8');
    await k.ok(['create', 'ns', 'team-c']);
    await k.ok(['wait', '--for=create', 'cm/kube-root-ca.crt', '-n', 'team-c', '--timeout=10s']);
    for (const ns of [...SYSTEM_NAMESPACES, 'team-c']) {
      assert.equal(await k.ok(['get', 'cm', 'kube-root-ca.crt', '-n', ns, '-o', 'jsonpath={.data.ca\\.crt}']), ca, ns);
    }
    await k.ok(['patch', 'cm', 'kube-root-ca.crt', '-n', 'team-c', '--type', 'merge', '-p', '{"data":{"ca.crt":"forged","extra":"x"}}']);
    await settle(async () => (await k.ok(['get', 'cm', 'kube-root-ca.crt', '-n', 'team-c', '-o', 'jsonpath={.data}'])) === JSON.stringify({ 'ca.crt': ca }), 'the CA restored', 5000);
    await k.ok(['delete', 'cm', 'kube-root-ca.crt', '-n', 'team-c']);
    await settle(async () => (await k.run(['get', 'cm', 'kube-root-ca.crt', '-n', 'team-c'])).code === 0, 'the ConfigMap recreated', 5000);
  });

  it('aggregates ClusterRoles: a role labelled aggregate-to-view reaches view, edit and admin at once, and leaves them when deleted', async () => {
    const rulesOf = async (role: string): Promise<string> => k.ok(['get', 'clusterrole', role, '-o', 'jsonpath={range .rules[*]}{.apiGroups}{.resources}{.verbs}{"\\n"}{end}']);
    const widget = '["example.com"]["widgets"]["get","list","watch"]';
    await k.ok(['create', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole',
        metadata: { name: 'widget-viewer', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } },
        rules: [{ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get', 'list', 'watch'] }],
      }),
    });
    for (const role of ['view', 'edit', 'admin']) await settle(async () => (await rulesOf(role)).includes(widget), `widgets in ${role}`, 5000);
    // A role of one's own that aggregates by its own label.
    await k.ok(['create', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'monitoring' },
        aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'example.com/aggregate-to-monitoring': 'true' } }] }, rules: [],
      }),
    });
    await k.ok(['label', 'clusterrole', 'widget-viewer', 'example.com/aggregate-to-monitoring=true']);
    await settle(async () => (await rulesOf('monitoring')) === `${widget}\n`, 'widgets in monitoring', 5000);
    await k.ok(['delete', 'clusterrole', 'widget-viewer']);
    for (const role of ['view', 'monitoring']) await settle(async () => !(await rulesOf(role)).includes(widget), `widgets gone from ${role}`, 5000);
    assert.match(await rulesOf('view'), /"configmaps"/);
  });

  it('fills service account token Secrets, whose token then authenticates as the account until the account goes', async () => {
    await k.ok(['create', 'ns', 'team-t']);
    await k.ok(['create', 'sa', 'robot', '-n', 'team-t']);
    await k.ok(['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { name: 'robot-token', namespace: 'team-t', annotations: { 'kubernetes.io/service-account.name': 'robot' } } }),
    });
    let data: Record<string, string> = {};
    await settle(async () => !!(data = JSON.parse(await k.ok(['get', 'secret', 'robot-token', '-n', 'team-t', '-o', 'jsonpath={.data}']) || '{}') as Record<string, string>).token, 'the token', 5000);
    assert.equal(Buffer.from(data['ca.crt']!, 'base64').toString(), readFileSync(server.caFile, 'utf8'));
    assert.equal(Buffer.from(data.namespace!, 'base64').toString(), 'team-t');
    const uid = await k.ok(['get', 'sa', 'robot', '-n', 'team-t', '-o', 'jsonpath={.metadata.uid}']);
    assert.equal(await k.ok(['get', 'secret', 'robot-token', '-n', 'team-t', '-o', 'jsonpath={.metadata.annotations.kubernetes\\.io/service-account\\.uid}']), uid);
    const token = Buffer.from(data.token!, 'base64').toString();
    const whoami = JSON.parse(await k.ok(['auth', 'whoami', '-o', 'json', `--token=${token}`])) as { status: { userInfo: { username: string; uid: string; groups: string[] } } };
    assert.equal(whoami.status.userInfo.username, 'system:serviceaccount:team-t:robot');
    assert.equal(whoami.status.userInfo.uid, uid);
    assert.deepEqual(whoami.status.userInfo.groups, ['system:serviceaccounts', 'system:serviceaccounts:team-t', 'system:authenticated']);
    // RBAC sees the account: nothing is granted to it yet.
    assert.match((await k.run(['get', 'cm', '-n', 'team-t', `--token=${token}`])).stderr, /configmaps is forbidden: User "system:serviceaccount:team-t:robot" cannot list resource "configmaps"/);

    // A token the server did not sign authenticates no one, whatever Secret holds it.
    await k.ok(['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { name: 'forged', namespace: 'team-t', annotations: { 'kubernetes.io/service-account.name': 'robot' } }, data: { token: Buffer.from('forged.forged.forged').toString('base64') } }),
    });
    assert.match((await k.run(['get', 'ns', '--token=forged.forged.forged'])).stderr, /Unauthorized/);

    // The account deleted: its token Secrets go, and the token stops working.
    await k.ok(['delete', 'sa', 'robot', '-n', 'team-t']);
    await k.ok(['wait', '--for=delete', 'secret/robot-token', '-n', 'team-t', '--timeout=10s']);
    assert.match((await k.run(['auth', 'whoami', `--token=${token}`])).stderr, /Unauthorized/);
  });

  it('restarts a crashed controller with back-off, and it catches up from its stores', async () => {
    server.kill('controller/serviceaccount-controller');
    await k.ok(['create', 'ns', 'after-crash']);
    await k.ok(['wait', '--for=create', 'sa/default', '-n', 'after-crash', '--timeout=10s']);
    const tree = JSON.parse((await server.client.request('GET', '/debug/actors')).body) as { actors: { id: string; restarts: number; state: unknown }[] };
    const controller = tree.actors.find((a) => a.id === 'controller/serviceaccount-controller');
    assert.equal(controller?.restarts, 1);
    assert.equal(controller?.state, 'Running');
  });

  it('keeps restarting a controller in a crash loop, and the server stays up', async () => {
    const id = 'controller/clusterrole-aggregation-controller';
    const subscribers = (): number => (server.actor.getSnapshot().context.runtime.stores.get('clusterroles.rbac.authorization.k8s.io')!.ref!.getSnapshot() as { context: { store: { subscribers: unknown[] } } }).context.store.subscribers.length;
    const before = subscribers();
    const restartsOf = async (): Promise<number> => (JSON.parse((await server.client.request('GET', '/debug/actors')).body) as { actors: { id: string; restarts: number }[] }).actors.find((a) => a.id === id)?.restarts ?? -1;
    for (let crash = 1; crash <= 5; crash++) {
      server.kill(id);
      await settle(async () => (await restartsOf()) === crash, `restart ${crash}`, 10_000);
    }
    assert.ok(!server.phases().includes('ShutdownInitiated'), server.phases().join(', '));
    // Each incarnation unsubscribed as it crashed: the store tells only the live one.
    assert.equal(subscribers(), before);
    assert.equal((await server.client.request('GET', '/readyz')).status, 200);
  });

  it('lists each controller in /debug/actors under kube-controller-manager\'s names', async () => {
    const tree = await server.client.request('GET', '/debug/actors');
    const ids = (JSON.parse(tree.body) as { actors: { id: string; state: unknown }[] }).actors.map((a) => a.id);
    for (const name of ['namespace-controller', 'serviceaccount-controller', 'root-ca-certificate-publisher-controller', 'garbage-collector-controller', 'clusterrole-aggregation-controller', 'serviceaccount-token-controller']) {
      assert.ok(ids.includes(`controller/${name}`), `${name} in ${ids.join(', ')}`);
    }
  });
});

describe('--controllers', () => {
  it('turns a controller off by its name or its old alias, the rest staying on under *', async () => {
    const server = await startTestServer({ controllers: ['*', '-serviceaccount'] });
    try {
      const k = kubectl('1.33', server.kubeconfigPath);
      await k.ok(['create', 'ns', 'quiet']);
      await k.ok(['wait', '--for=create', 'cm/kube-root-ca.crt', '-n', 'quiet', '--timeout=10s']);
      assert.equal(await k.ok(['get', 'sa', '-A', '-o', 'name']), '');
      const ids = (server.client.request('GET', '/debug/actors'));
      const actors = (JSON.parse((await ids).body) as { actors: { id: string }[] }).actors.map((a) => a.id);
      assert.ok(!actors.includes('controller/serviceaccount-controller'));
    } finally {
      await server.dispose();
    }
  });

  it('refuses a name kube-controller-manager does not know', async () => {
    const failed = await startTestServer({ controllers: ['*', '-nosuch'] }).then(
      async (s) => {
        await s.dispose();
        return undefined;
      },
      (e: unknown) => e,
    );
    assert.ok(failed instanceof StartupError);
    assert.deepEqual(failed.outcome.optionErrors, ['--controllers: "nosuch" is not in the list of known controllers']);
  });

  it('writes as each controller\'s service account, so audit and RBAC see who acted', async () => {
    const dir = tempDir('controllers-audit');
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  omitStages: [RequestReceived]\n');
    const log = join(dir, 'audit.log');
    const server = await startTestServer({ auditPolicyFile: policy, auditLogPath: log });
    try {
      const k = kubectl('1.33', server.kubeconfigPath);
      await k.ok(['create', 'ns', 'audited']);
      await k.ok(['wait', '--for=create', 'sa/default', '-n', 'audited', '--timeout=10s']);
    } finally {
      await server.dispose();
    }
    const events = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { verb: string; objectRef?: { resource?: string; namespace?: string }; user: { username: string; groups: string[] }; responseStatus?: { code: number } });
    const create = events.find((e) => e.verb === 'create' && e.objectRef?.resource === 'serviceaccounts' && e.objectRef.namespace === 'audited');
    assert.ok(create, 'the controller\'s create is audited');
    assert.equal(create.user.username, 'system:serviceaccount:kube-system:service-account-controller');
    assert.deepEqual(create.user.groups, ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated']);
    assert.equal(create.responseStatus?.code, 201);
    assert.equal((create as { requestURI?: string }).requestURI, '/api/v1/namespaces/audited/serviceaccounts');
  });
});

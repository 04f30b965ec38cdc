// What a user does with kubectl against `npm start`, run with the oldest and
// newest kubectl we support. Each step is one behaviour kube-apiserver has.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubectl, KUBECTL_VERSIONS, type Kubectl } from '../support/kubectl.js';
import { startTestServer, tempDir, type TestServer } from '../support/server.js';
import { startEtcd, type EtcdCluster } from '../support/etcd.js';

const MANIFEST = (value: string, extra = ''): string => `apiVersion: v1
kind: ConfigMap
metadata:
  name: applied
  namespace: demo
data:
  key: ${value}
${extra}---
apiVersion: v1
kind: Secret
metadata:
  name: applied-secret
  namespace: demo
stringData:
  password: ${value}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: applied-sa
  namespace: demo
`;

/** kubectl prints this when client and server minors differ by more than one; kube-apiserver 1.30 causes it too. */
const SKEW_WARNING = /^WARNING: version difference between client \(.*\) and server \(.*\) exceeds the supported minor version skew of \+\/-1\n?/m;

function assertNoWarnings(stderr: string): void {
  assert.equal(stderr.replace(SKEW_WARNING, ''), '', `unexpected stderr: ${stderr}`);
}

/** Collects a child's stdout from the start, so no line printed between two waits is lost. */
function outputOf(child: import('node:child_process').ChildProcess): { waitFor(pattern: RegExp, timeoutMs?: number): Promise<void> } {
  let seen = '';
  const waiters = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    seen += chunk.toString();
    for (const wake of waiters) wake();
  });
  return {
    waitFor(pattern, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (!pattern.test(seen)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${pattern}; saw:\n${seen}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

// Every version on the default backend; the newest also on etcd, as a scaled-out kubeactor serves it.
const runs = [
  ...KUBECTL_VERSIONS.map((version) => ({ version, etcd: false })),
  { version: KUBECTL_VERSIONS[KUBECTL_VERSIONS.length - 1]!, etcd: true },
];

for (const { version, etcd } of runs) {
  describe(`kubectl ${version} against kubeactor${etcd ? ' on etcd' : ''}`, () => {
    let server: TestServer;
    let k: Kubectl;
    let cluster: EtcdCluster | undefined;
    const manifestDir = tempDir('manifests');

    before(async () => {
      cluster = etcd ? await startEtcd(1) : undefined;
      server = await startTestServer(cluster ? { storageBackend: 'etcd3', etcdServers: cluster.endpoints } : {});
      k = kubectl(version, server.kubeconfigPath);
    });
    after(async () => {
      await server.dispose();
      await cluster?.dispose();
    });

    it('reports the server version', async () => {
      const result = await k.run(['version']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /Server Version: .*v1\.33\.1\+kubeactor/);
    });

    it('lists API resources and versions from discovery', async () => {
      const resources = await k.run(['api-resources']);
      assert.equal(resources.code, 0, resources.stderr);
      assertNoWarnings(resources.stderr);
      assert.match(resources.stdout, /^configmaps\s+cm\s+v1\s+true\s+ConfigMap$/m);
      assert.match(resources.stdout, /^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);
      assert.match(resources.stdout, /^clusterroles\s+rbac\.authorization\.k8s\.io\/v1\s+false\s+ClusterRole$/m);
      const versions = await k.ok(['api-versions']);
      assert.match(versions, /^v1$/m);
      assert.match(versions, /^rbac\.authorization\.k8s\.io\/v1$/m);
    });

    it('starts with the system namespaces and the kubernetes Service', async () => {
      const namespaces = await k.ok(['get', 'ns', '-o', 'name']);
      for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) assert.match(namespaces, new RegExp(`^namespace/${ns}$`, 'm'));
      const service = await k.ok(['get', 'svc', 'kubernetes', '-n', 'default', '-o', 'jsonpath={.spec.clusterIP} {.spec.ports[0].port} {.spec.ports[0].name}']);
      assert.equal(service, '10.0.0.1 443 https');
    });

    it('creates a namespace, a configmap and a secret with the typed create commands', async () => {
      assert.equal((await k.ok(['create', 'ns', 'demo'])).trim(), 'namespace/demo created');
      assert.equal((await k.ok(['create', 'configmap', 'c1', '-n', 'demo', '--from-literal=a=b'])).trim(), 'configmap/c1 created');
      assert.equal((await k.ok(['create', 'secret', 'generic', 's1', '-n', 'demo', '--from-literal=p=q'])).trim(), 'secret/s1 created');
      assert.equal(await k.ok(['get', 'cm', 'c1', '-n', 'demo', '-o', 'jsonpath={.data.a}']), 'b');
      assert.equal(await k.ok(['get', 'secret', 's1', '-n', 'demo', '-o', 'jsonpath={.data.p}']), Buffer.from('q').toString('base64'));
    });

    it('applies a manifest, then applies a changed one as a strategic merge patch', async () => {
      const file = join(manifestDir, `apply-${version}.yaml`);
      writeFileSync(file, MANIFEST('first'));
      const created = await k.run(['apply', '-f', file]);
      assert.equal(created.code, 0, created.stderr);
      assertNoWarnings(created.stderr);
      assert.match(created.stdout, /configmap\/applied created/);
      assert.match(created.stdout, /secret\/applied-secret created/);
      assert.match(created.stdout, /serviceaccount\/applied-sa created/);
      writeFileSync(file, MANIFEST('second', '  extra: added\n'));
      const configured = await k.run(['apply', '-f', file]);
      assert.equal(configured.code, 0, configured.stderr);
      assert.match(configured.stdout, /configmap\/applied configured/);
      assert.match(configured.stdout, /secret\/applied-secret configured/);
      assert.match(configured.stdout, /serviceaccount\/applied-sa unchanged/);
      const data = JSON.parse(await k.ok(['get', 'cm', 'applied', '-n', 'demo', '-o', 'json'])) as { data: Record<string, string>; metadata: { annotations: Record<string, string> } };
      assert.deepEqual(data.data, { key: 'second', extra: 'added' });
      assert.match(data.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'] ?? '', /"second"/);
      assert.equal(await k.ok(['get', 'secret', 'applied-secret', '-n', 'demo', '-o', 'jsonpath={.data.password}']), Buffer.from('second').toString('base64'));
    });

    it('prints configmaps in every output format', async () => {
      const yaml = await k.ok(['get', 'cm', 'c1', '-n', 'demo', '-o', 'yaml']);
      assert.match(yaml, /^kind: ConfigMap$/m);
      assert.match(yaml, /resourceVersion: "\d+"/);
      assert.match(yaml, /uid: [0-9a-f-]{36}/);
      const list = JSON.parse(await k.ok(['get', 'cm', '-n', 'demo', '-o', 'json'])) as { kind: string; items: { metadata: { name: string } }[] };
      assert.equal(list.kind, 'List');
      // kube-root-ca.crt: the root-ca-cert-publisher's, in every namespace as in a real cluster.
      assert.deepEqual(list.items.map((i) => i.metadata.name), ['applied', 'c1', 'kube-root-ca.crt']);
      assert.equal(await k.ok(['get', 'cm', '-n', 'demo', '-o', 'name']), 'configmap/applied\nconfigmap/c1\nconfigmap/kube-root-ca.crt\n');
      const table = await k.ok(['get', 'cm', '-n', 'demo']);
      assert.match(table, /^NAME\s+DATA\s+AGE$/m);
      assert.match(table, /^c1\s+1\s+\d+s$/m);
      assert.match(await k.ok(['get', 'cm', '-n', 'demo', '-o', 'wide']), /^applied\s+2\s+\d+s$/m);
      assert.match(await k.ok(['get', 'cm', '-n', 'demo', '--show-labels']), /^NAME\s+DATA\s+AGE\s+LABELS$/m);
      const all = await k.ok(['get', 'cm', '-A']);
      assert.match(all, /^NAMESPACE\s+NAME\s+DATA\s+AGE$/m);
      assert.match(all, /^demo\s+c1\s+1\s+\d+s$/m);
      assert.equal(await k.ok(['get', 'cm', '-n', 'demo', '-o', 'jsonpath={.items[*].metadata.name}']), 'applied c1 kube-root-ca.crt');
    });

    it('labels, annotates and patches with every patch type', async () => {
      assert.match(await k.ok(['label', 'cm', 'c1', '-n', 'demo', 'tier=web']), /configmap\/c1 labeled/);
      // kubectl 1.27 prints "annotate", later versions "annotated".
      assert.match(await k.ok(['annotate', 'cm', 'c1', '-n', 'demo', 'owner=team-a']), /configmap\/c1 annotated?/);
      assert.match(await k.ok(['patch', 'cm', 'c1', '-n', 'demo', '--type', 'merge', '-p', '{"data":{"merged":"yes"}}']), /configmap\/c1 patched/);
      assert.match(await k.ok(['patch', 'cm', 'c1', '-n', 'demo', '--type', 'json', '-p', '[{"op":"add","path":"/data/json","value":"yes"}]']), /configmap\/c1 patched/);
      assert.match(await k.ok(['patch', 'cm', 'c1', '-n', 'demo', '-p', '{"data":{"strategic":"yes"}}']), /configmap\/c1 patched/);
      const cm = JSON.parse(await k.ok(['get', 'cm', 'c1', '-n', 'demo', '-o', 'json'])) as { data: Record<string, string>; metadata: { labels: Record<string, string>; annotations: Record<string, string> } };
      assert.deepEqual(cm.data, { a: 'b', merged: 'yes', json: 'yes', strategic: 'yes' });
      assert.equal(cm.metadata.labels.tier, 'web');
      assert.equal(cm.metadata.annotations.owner, 'team-a');
      assert.match(await k.ok(['get', 'cm', '-n', 'demo', '-l', 'tier=web', '-o', 'name']), /^configmap\/c1\n$/);
      assert.equal(await k.ok(['get', 'cm', '-n', 'demo', '-l', 'tier in (db)', '-o', 'name']), '');
    });

    it('edits an object through $EDITOR', async () => {
      const editor = join(manifestDir, `editor-${version}.sh`);
      writeFileSync(editor, '#!/bin/sh\nsed -i "s/^  a: b$/  a: edited/" "$1"\n');
      chmodSync(editor, 0o755);
      const result = await k.run(['edit', 'cm', 'c1', '-n', 'demo'], { env: { EDITOR: editor, KUBE_EDITOR: editor } });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /configmap\/c1 edited/);
      assert.equal(await k.ok(['get', 'cm', 'c1', '-n', 'demo', '-o', 'jsonpath={.data.a}']), 'edited');
    });

    it('streams ADDED, MODIFIED and DELETED events made by another client to `get -w`', async () => {
      const watch = k.start(['get', 'cm', '-n', 'demo', '-w', '--output-watch-events']);
      const output = outputOf(watch);
      try {
        await output.waitFor(/ADDED\s+c1/);
        await k.ok(['create', 'configmap', 'watched', '-n', 'demo', '--from-literal=x=1']);
        await output.waitFor(/ADDED\s+watched/);
        await k.ok(['patch', 'cm', 'watched', '-n', 'demo', '--type', 'merge', '-p', '{"data":{"y":"2"}}']);
        await output.waitFor(/MODIFIED\s+watched\s+2/);
        await k.ok(['delete', 'cm', 'watched', '-n', 'demo']);
        await output.waitFor(/DELETED\s+watched/);
      } finally {
        watch.kill();
      }
    });

    it('deletes by name and by file, waiting until the objects are gone', async () => {
      assert.match(await k.ok(['delete', 'cm', 'c1', '-n', 'demo']), /configmap "c1" deleted/);
      const gone = await k.run(['get', 'cm', 'c1', '-n', 'demo']);
      assert.equal(gone.code, 1);
      assert.match(gone.stderr, /Error from server \(NotFound\): configmaps "c1" not found/);
      const file = join(manifestDir, `apply-${version}.yaml`);
      const deleted = await k.ok(['delete', '-f', file]);
      assert.match(deleted, /configmap "applied" deleted/);
      assert.match(deleted, /secret "applied-secret" deleted/);
      assert.match(deleted, /serviceaccount "applied-sa" deleted/);
    });

    it('serves health, version and the actor tree as raw paths', async () => {
      const readyz = await k.ok(['get', '--raw', '/readyz?verbose']);
      assert.match(readyz, /^\[\+\]ping ok$/m);
      assert.match(readyz, /^\[\+\]poststarthook\/rbac\/bootstrap-roles ok$/m);
      assert.match(readyz, /^\[\+\]shutdown ok$/m);
      assert.match(readyz, /readyz check passed/);
      assert.match(await k.ok(['get', '--raw', '/livez?verbose']), /livez check passed/);
      assert.equal((JSON.parse(await k.ok(['get', '--raw', '/version'])) as { minor: string }).minor, '33');
      const tree = JSON.parse(await k.ok(['get', '--raw', '/debug/actors'])) as { actors: { id: string; parent: string | null; state: unknown; counters: { handled: number } }[] };
      const ids = tree.actors.map((a) => a.id);
      for (const id of ['supervisor', 'listener', 'authn', 'authz', 'admission', 'aggregator', 'store/configmaps']) assert.ok(ids.includes(id), `missing ${id} in ${ids.join(',')}`);
      assert.equal(tree.actors.find((a) => a.id === 'supervisor')!.state, 'Ready');
      assert.ok(tree.actors.find((a) => a.id === 'store/configmaps')!.counters.handled > 0);
    });

    it('explains a field from the OpenAPI v3 schema', async () => {
      const result = await k.run(['explain', 'configmap.data']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /KIND:\s+ConfigMap/);
      assert.match(result.stdout, /FIELD:\s+data/);
    });

    it('answers `auth can-i` from RBAC', async () => {
      assert.equal((await k.ok(['auth', 'can-i', 'create', 'configmaps'])).trim(), 'yes');
      const denied = await k.run(['auth', 'can-i', 'create', 'configmaps', '--as', 'nobody']);
      assert.equal(denied.stdout.trim(), 'no');
      assert.equal(denied.code, 1);
    });
  });
}

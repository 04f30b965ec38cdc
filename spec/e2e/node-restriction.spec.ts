// The NodeRestriction admission plugin, with the Node authorizer, as a kubelet
// meets them: a node logs in with a client certificate (CN system:node:<name>,
// O system:nodes) made by openssl, and with kubectl 1.27 and 1.33 and
// @kubernetes/client-node may change its own Node and the pods bound to it,
// and nothing else, refused in kube's words.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { kubectl, KUBECTL_VERSIONS } from '../support/kubectl.js';
import { startTestServer, tempDir, type TestServer } from '../support/server.js';
import { certificateKubeconfig, issue } from '../support/client-certificates.js';

const boundPod = (name: string, node: string): string => JSON.stringify({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app: name } },
  spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }] },
});

describe('NodeRestriction: a node with a client certificate changes only what is its own', () => {
  let server: TestServer;
  let nodeConfig: string;
  const dir = tempDir('node-restriction');

  before(async () => {
    const dataDir = tempDir('node-restriction-data');
    server = await startTestServer({ dataDir, clientCaFile: join(dataDir, 'ca.crt'), authorizationMode: ['Node', 'RBAC'] });
    const node1 = issue(dir, 'node1', '/CN=system:node:node1/O=system:nodes', { cert: join(dataDir, 'ca.crt'), key: join(dataDir, 'ca.key') });
    nodeConfig = certificateKubeconfig(join(dir, 'node1.kubeconfig'), `https://127.0.0.1:${server.port}`, server.caFile, node1);
    const admin = kubectl(KUBECTL_VERSIONS.at(-1)!, server.kubeconfigPath);
    await admin.ok(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node2' } }) });
    // The node registers itself, as a kubelet does.
    await kubectl(KUBECTL_VERSIONS.at(-1)!, nodeConfig).ok(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node1', labels: { 'kubernetes.io/hostname': 'node1' } } }) });
  });
  after(async () => {
    await server.dispose();
  });

  for (const version of KUBECTL_VERSIONS) {
    const tag = version.replace('.', '-');
    it(`kubectl ${version}: the node labels itself, but not another node, nor itself with a restricted label`, async () => {
      const node = kubectl(version, nodeConfig);
      await node.ok(['label', 'node', 'node1', `kubelet.kubernetes.io/seen-${tag}=yes`]);
      const other = await node.run(['label', 'node', 'node2', 'x=y']);
      assert.match(other.stderr, /nodes "node2" is forbidden: node "node1" is not allowed to modify node "node2"/);
      const restricted = await node.run(['label', 'node', 'node1', `node-restriction.kubernetes.io/pool-${tag}=a`]);
      assert.match(restricted.stderr, new RegExp(`nodes "node1" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/pool-${tag}`));
      const taint = await node.run(['taint', 'node', 'node1', 'k=v:NoSchedule']);
      assert.match(taint.stderr, /nodes "node1" is forbidden: node "node1" is not allowed to modify taints/);
    });

    it(`kubectl ${version}: the node deletes its own pods only, and creates only mirror pods`, async () => {
      const admin = kubectl(version, server.kubeconfigPath);
      await admin.ok(['create', '-f', '-'], { input: boundPod(`mine-${tag}`, 'node1') });
      await admin.ok(['create', '-f', '-'], { input: boundPod(`theirs-${tag}`, 'node2') });
      const node = kubectl(version, nodeConfig);
      const theirs = await node.run(['delete', 'pod', `theirs-${tag}`, '--wait=false']);
      assert.match(theirs.stderr, new RegExp(`pods "theirs-${tag}" is forbidden: node "node1" can only delete pods with spec.nodeName set to itself`));
      await node.ok(['delete', 'pod', `mine-${tag}`, '--wait=false']);
      const created = await node.run(['create', '-f', '-'], { input: boundPod(`made-${tag}`, 'node1') });
      assert.match(created.stderr, new RegExp(`pods "made-${tag}" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "node1" can only create mirror pods`));
    });
  }

  it('@kubernetes/client-node: the node writes its own pods\' status, not another node\'s, and a mirror pod it owns', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(nodeConfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const admin = kubectl(KUBECTL_VERSIONS.at(-1)!, server.kubeconfigPath);
    await admin.ok(['create', '-f', '-'], { input: boundPod('status-mine', 'node1') });
    await admin.ok(['create', '-f', '-'], { input: boundPod('status-theirs', 'node2') });
    const status = { status: { phase: 'Running' } };
    const patched = await core.patchNamespacedPodStatus({ name: 'status-mine', namespace: 'default', body: status }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    assert.equal(patched.status?.phase, 'Running');
    const refused = await core.patchNamespacedPodStatus({ name: 'status-theirs', namespace: 'default', body: status }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)).then(() => undefined, (e: unknown) => e);
    assert.ok(refused instanceof k8s.ApiException, String(refused));
    assert.equal(refused.code, 403);
    assert.match(String(refused.body), /pods \\?"status-theirs\\?" is forbidden: node \\?"node1\\?" can only update pod status for pods with spec.nodeName set to itself/);
    const own = await core.readNode({ name: 'node1' });
    const mirror = (uid: string): k8s.V1Pod => ({
      metadata: { name: 'static-web-node1', annotations: { 'kubernetes.io/config.mirror': 'hash' }, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'node1', uid, controller: true }] },
      spec: { nodeName: 'node1', containers: [{ name: 'web', image: 'nginx' }] },
    });
    const wrongUid = await core.createNamespacedPod({ namespace: 'default', body: mirror('00000000-0000-0000-0000-000000000000') }).then(() => undefined, (e: unknown) => e);
    assert.ok(wrongUid instanceof k8s.ApiException);
    assert.match(String(wrongUid.body), /node node1 UID mismatch: expected 00000000-0000-0000-0000-000000000000 got /);
    const made = await core.createNamespacedPod({ namespace: 'default', body: mirror(own.metadata!.uid!) });
    assert.equal(made.metadata?.name, 'static-web-node1');
  });

  it('leaves everyone else alone: the admin may change any node', async () => {
    await kubectl(KUBECTL_VERSIONS.at(-1)!, server.kubeconfigPath).ok(['label', 'node', 'node2', 'node-restriction.kubernetes.io/pool=a']);
  });
});

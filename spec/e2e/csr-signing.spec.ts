// csrsigning: a CertificateSigningRequest approved with `kubectl certificate
// approve` gets a certificate from the data directory's CA, and the key's
// owner logs in with it (x509 authentication against --client-ca-file); a
// request its signer refuses is marked Failed with kube's reason; a denied
// one is never signed. csrapproving: a kubelet's client request is approved
// when a SubjectAccessReview allows its requester the CSR subresource.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubectl, type Kubectl } from '../support/kubectl.js';
import { startTestServer, tempDir, type TestServer } from '../support/server.js';
import { settle } from '../../harness/client.js';

/** A P-256 key and a CSR for `subject` (openssl's -subj syntax), optionally with SANs. */
function keyAndRequest(dir: string, name: string, subject: string, sans?: string): { key: string; csrPem: string } {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-subj', subject, ...(sans ? ['-addext', `subjectAltName=${sans}`] : []), '-out', csr], { stdio: 'pipe' });
  return { key, csrPem: readFileSync(csr, 'utf8') };
}

const csrObject = (name: string, pem: string, signerName: string, usages: string[], expirationSeconds?: number): string => JSON.stringify({
  apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name },
  spec: { request: Buffer.from(pem).toString('base64'), signerName, usages, ...(expirationSeconds ? { expirationSeconds } : {}) },
});

describe('csrsigning', () => {
  let server: TestServer;
  let k: Kubectl;
  let dir: string;

  before(async () => {
    const dataDir = tempDir('csr-data');
    server = await startTestServer({ dataDir, clientCaFile: join(dataDir, 'ca.crt') });
    k = kubectl('1.33', server.kubeconfigPath);
    dir = tempDir('csr-users');
  });
  after(async () => {
    await server.dispose();
  });

  const certificateOf = async (name: string): Promise<string> => {
    let encoded = '';
    await settle(async () => {
      encoded = await k.ok(['get', 'csr', name, '-o', 'jsonpath={.status.certificate}']);
      return encoded !== '';
    }, `csr ${name}'s certificate`, 10_000);
    return Buffer.from(encoded, 'base64').toString('utf8');
  };

  it('signs an approved kube-apiserver-client request, and its holder logs in as its CN and O', async () => {
    const { key, csrPem } = keyAndRequest(dir, 'alice', '/CN=alice/O=devs');
    await k.ok(['create', '-f', '-'], { input: csrObject('alice', csrPem, 'kubernetes.io/kube-apiserver-client', ['client auth'], 3600) });
    assert.match(await k.ok(['get', 'csr', 'alice']), /alice\s+\S+\s+kubernetes\.io\/kube-apiserver-client\s+kubeactor-admin\s+60m\s+Pending/);
    assert.match(await k.ok(['certificate', 'approve', 'alice']), /certificatesigningrequest\.certificates\.k8s\.io\/alice approved/);
    const pem = await certificateOf('alice');
    const cert = new X509Certificate(pem);
    assert.equal(cert.subject, 'CN=alice\nO=devs');
    assert.ok(cert.checkIssued(new X509Certificate(readFileSync(server.caFile))));
    assert.equal(cert.keyUsage?.join(','), '1.3.6.1.5.5.7.3.2');
    // an hour asked for, backdated 5 minutes (short certificates keep their end)
    const lifetime = Date.parse(cert.validTo) - Date.parse(cert.validFrom);
    assert.ok(Math.abs(lifetime - 65 * 60_000) <= 2000, `lifetime ${lifetime}`);
    assert.match(await k.ok(['get', 'csr', 'alice']), /Approved,Issued/);

    const certFile = join(dir, 'alice.crt');
    writeFileSync(certFile, pem);
    const kubeconfig = join(dir, 'alice.kubeconfig');
    writeFileSync(kubeconfig, [
      'apiVersion: v1', 'kind: Config',
      'clusters:', '- name: c', '  cluster:', `    certificate-authority: ${server.caFile}`, `    server: https://127.0.0.1:${server.port}`,
      'users:', '- name: alice', '  user:', `    client-certificate: ${certFile}`, `    client-key: ${key}`,
      'contexts:', '- name: c', '  context: {cluster: c, user: alice}', 'current-context: c', '',
    ].join('\n'));
    const whoami = JSON.parse(await kubectl('1.33', kubeconfig).ok(['auth', 'whoami', '-o', 'json']));
    assert.deepEqual(whoami.status.userInfo, { username: 'alice', groups: ['devs', 'system:authenticated'] });
  });

  it('marks Failed a kubelet client request that is not a node\'s, in kube\'s words', async () => {
    const { csrPem } = keyAndRequest(dir, 'mallory', '/CN=mallory/O=system:nodes');
    await k.ok(['create', '-f', '-'], { input: csrObject('mallory', csrPem, 'kubernetes.io/kube-apiserver-client-kubelet', ['digital signature', 'client auth']) });
    await k.ok(['certificate', 'approve', 'mallory']);
    await settle(async () => (await k.ok(['get', 'csr', 'mallory', '-o', 'jsonpath={.status.conditions[?(@.type=="Failed")].reason}'])) === 'SignerValidationFailure', 'the Failed condition', 10_000);
    assert.equal(await k.ok(['get', 'csr', 'mallory', '-o', 'jsonpath={.status.conditions[?(@.type=="Failed")].message}']), 'subject common name does not begin with system:node:');
    assert.equal(await k.ok(['get', 'csr', 'mallory', '-o', 'jsonpath={.status.certificate}']), '');
  });

  it('signs a kubelet serving request with its SANs', async () => {
    const { csrPem } = keyAndRequest(dir, 'node1', '/O=system:nodes/CN=system:node:node1', 'DNS:node1.example,IP:10.0.0.7');
    await k.ok(['create', '-f', '-'], { input: csrObject('node1-serving', csrPem, 'kubernetes.io/kubelet-serving', ['digital signature', 'server auth']) });
    await k.ok(['certificate', 'approve', 'node1-serving']);
    const cert = new X509Certificate(await certificateOf('node1-serving'));
    assert.equal(cert.subjectAltName, 'DNS:node1.example, IP Address:10.0.0.7');
    assert.equal(cert.keyUsage?.join(','), '1.3.6.1.5.5.7.3.1');
  });

  it('never signs a denied request', async () => {
    const { csrPem } = keyAndRequest(dir, 'denied', '/CN=eve');
    await k.ok(['create', '-f', '-'], { input: csrObject('denied', csrPem, 'kubernetes.io/kube-apiserver-client', ['client auth']) });
    await k.ok(['certificate', 'deny', 'denied']);
    // an approved one created after it is signed, so the controller has looked at both
    const { csrPem: later } = keyAndRequest(dir, 'later', '/CN=later');
    await k.ok(['create', '-f', '-'], { input: csrObject('later', later, 'kubernetes.io/kube-apiserver-client', ['client auth']) });
    await k.ok(['certificate', 'approve', 'later']);
    await certificateOf('later');
    assert.equal(await k.ok(['get', 'csr', 'denied', '-o', 'jsonpath={.status.certificate}']), '');
    assert.match(await k.ok(['get', 'csr', 'denied']), /Denied/);
  });

  it('csrapproving approves a node\'s own client request when RBAC allows selfnodeclient, and leaves others pending', async () => {
    await k.ok(['create', 'clusterrole', 'csr-creator', '--verb=create,get', '--resource=certificatesigningrequests.certificates.k8s.io']);
    await k.ok(['create', 'clusterrolebinding', 'nodes-create-csrs', '--clusterrole=csr-creator', '--group=system:nodes']);
    const asNode = (node: string) => ['--as', `system:node:${node}`, '--as-group', 'system:nodes'];
    const kubeletClient = (node: string, cn: string) => csrObject(`client-${node}`, keyAndRequest(dir, `client-${node}`, `/O=system:nodes/CN=${cn}`).csrPem, 'kubernetes.io/kube-apiserver-client-kubelet', ['digital signature', 'client auth']);
    // Before the binding nobody may; the request is looked at again after a backoff.
    await k.ok(['create', '-f', '-', ...asNode('node8')], { input: kubeletClient('node8', 'system:node:node8') });
    await k.ok(['create', 'clusterrolebinding', 'nodes-renew', '--clusterrole=system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', '--group=system:nodes']);
    await k.ok(['create', '-f', '-', ...asNode('node9')], { input: kubeletClient('node9', 'system:node:node9') });
    // a node asking for another node's name is no renewal, and nodeclient is not granted
    await k.ok(['create', '-f', '-', ...asNode('node7')], { input: kubeletClient('node7', 'system:node:node6') });
    const cert = new X509Certificate(await certificateOf('client-node9'));
    assert.equal(cert.subject, 'O=system:nodes\nCN=system:node:node9');
    assert.equal(await k.ok(['get', 'csr', 'client-node9', '-o', 'jsonpath={.status.conditions[0].reason}: {.status.conditions[0].message}']), 'AutoApproved: Auto approving kubelet client certificate after SubjectAccessReview.');
    assert.match(await k.ok(['get', 'csr', 'client-node9']), /system:node:node9\s+<none>\s+Approved,Issued/);
    await certificateOf('client-node8');
    assert.match(await k.ok(['get', 'csr', 'client-node7']), /Pending/);
  });
});

// What each of kube's signers accepts, in kube's words, and how long a
// certificate csrsigning issues lasts.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ParsedRequest } from '../../actors/supervisor/pki.js';
import { certificateDuration, KUBE_APISERVER_CLIENT, KUBE_APISERVER_CLIENT_KUBELET, KUBELET_SERVING, SIGNER_CHECKS } from '../../actors/controllers/csrsigning/csr-signing-controller.js';

const request = (r: Partial<ParsedRequest>): ParsedRequest => ({ organizations: [], commonName: '', dnsNames: [], ipAddresses: [], emailAddresses: [], uris: [], ...r });
const node = { organizations: ['system:nodes'], commonName: 'system:node:n1' };

describe('signer checks', () => {
  const cases: [string, string, Partial<ParsedRequest>, string[], string | undefined][] = [
    ['client: any subject with client auth', KUBE_APISERVER_CLIENT, { commonName: 'x' }, ['client auth', 'digital signature'], undefined],
    ['client: server auth is not a client usage', KUBE_APISERVER_CLIENT, {}, ['client auth', 'server auth'], 'invalid usage for client certificate: server auth'],
    ['client: client auth is required', KUBE_APISERVER_CLIENT, {}, ['digital signature'], 'missing required usage for client certificate: client auth'],
    ['kubelet client: a node', KUBE_APISERVER_CLIENT_KUBELET, node, ['digital signature', 'key encipherment', 'client auth'], undefined],
    ['kubelet client: only system:nodes', KUBE_APISERVER_CLIENT_KUBELET, { ...node, organizations: ['system:nodes', 'x'] }, ['client auth'], 'subject organization is not system:nodes'],
    ['kubelet client: no SANs', KUBE_APISERVER_CLIENT_KUBELET, { ...node, ipAddresses: ['10.0.0.1'] }, ['client auth'], 'IP subjectAltNames are not allowed'],
    ['kubelet client: exact usages', KUBE_APISERVER_CLIENT_KUBELET, node, ['client auth'], 'usages did not match [client auth digital signature key encipherment]'],
    ['kubelet serving: a node with a SAN', KUBELET_SERVING, { ...node, dnsNames: ['n1'] }, ['digital signature', 'server auth'], undefined],
    ['kubelet serving: a SAN is required', KUBELET_SERVING, node, ['digital signature', 'server auth'], 'DNS or IP subjectAltName is required'],
    ['kubelet serving: usages before the name', KUBELET_SERVING, { organizations: ['system:nodes'], commonName: 'n1', dnsNames: ['n1'] }, ['server auth'], 'usages did not match [digital signature key encipherment server auth]'],
    ['kubelet serving: the name', KUBELET_SERVING, { organizations: ['system:nodes'], commonName: 'n1', dnsNames: ['n1'] }, ['server auth', 'digital signature'], 'subject common name does not begin with system:node:'],
  ];
  for (const [name, signer, r, usages, expected] of cases) it(name, () => assert.equal(SIGNER_CHECKS[signer]!(request(r), usages), expected));
});

describe('certificate duration', () => {
  const year = 365 * 24 * 3600_000;
  it('the signing duration when the CSR asks for none', () => assert.equal(certificateDuration(year, undefined), year));
  it('a shorter one when asked', () => assert.equal(certificateDuration(year, 3600), 3600_000));
  it('never longer than the signing duration', () => assert.equal(certificateDuration(3600_000, 7200), 3600_000));
  it('never under 10 minutes', () => assert.equal(certificateDuration(year, 60), 600_000));
});

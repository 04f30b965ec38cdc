// certificatesigningrequest-signing-controller (kube-controller-manager's
// `csrsigning`): an approved CertificateSigningRequest for one of kube's
// signers gets its certificate, signed by the cluster signing CA
// (--cluster-signing-cert-file and -key-file; the data directory's CA by
// default), for at most --cluster-signing-duration or the shorter
// spec.expirationSeconds (never under 10 minutes).
//
// Signers: kubernetes.io/kube-apiserver-client (client auth, any subject),
//   kubernetes.io/kube-apiserver-client-kubelet (O=system:nodes,
//   CN=system:node:<name>, client usages, no SANs) and
//   kubernetes.io/kubelet-serving (O=system:nodes, CN=system:node:<name>,
//   DNS or IP SANs, serving usages). A request its signer refuses gets a
//   Failed condition, reason SignerValidationFailure, and kube's message.
// Watches: certificatesigningrequests. Key: the CSR's name.
// Reconcile: approved (not denied), not failed, no certificate yet, one of the
//   signers above: sign, and write status.certificate through /status.
// Acts as: system:serviceaccount:kube-system:certificate-controller.

import { readFileSync } from 'node:fs';
import type { KubeObject } from '../../../protocol/kube/meta.js';
import { serviceAccountUser } from '../../../lib/loopback.js';
import { parseCertificateRequest, signCertificateRequest, type ParsedRequest } from '../../supervisor/pki.js';
import { reconcilerMachine, terminateReconciler, type ReconcilerLogic } from '../reconciler.js';
import type { ControllerDescriptor, ControllerInput } from '../controller.js';
import { expectStatus } from '../http-errors.js';

export const KUBE_APISERVER_CLIENT = 'kubernetes.io/kube-apiserver-client';
export const KUBE_APISERVER_CLIENT_KUBELET = 'kubernetes.io/kube-apiserver-client-kubelet';
export const KUBELET_SERVING = 'kubernetes.io/kubelet-serving';

interface Condition { type?: string; status?: string; reason?: string; message?: string; lastUpdateTime?: string; lastTransitionTime?: string }
interface CsrSpec { request?: string; signerName?: string; usages?: string[]; expirationSeconds?: number }

const conditionsOf = (csr: KubeObject): Condition[] => ((csr.status as { conditions?: Condition[] } | undefined)?.conditions) ?? [];
const hasTrue = (csr: KubeObject, type: string): boolean => conditionsOf(csr).some((c) => c.type === type && c.status === 'True');
/** kube's IsCertificateRequestApproved: approved and not denied. */
export const isApproved = (csr: KubeObject): boolean => {
  const types = new Set(conditionsOf(csr).map((c) => c.type));
  return types.has('Approved') && !types.has('Denied');
};

const sameSet = (a: readonly string[], b: readonly string[]): boolean => new Set(a).size === new Set(b).size && b.every((x) => a.includes(x));
const NOT_SYSTEM_NODES = 'subject organization is not system:nodes';
const NOT_SYSTEM_NODE = 'subject common name does not begin with system:node:';
const onlyNodes = (r: ParsedRequest): boolean => r.organizations.length === 1 && r.organizations[0] === 'system:nodes';

/** Each signer's check of a request, in kube's order and words; undefined when it passes. */
export const SIGNER_CHECKS: Record<string, (request: ParsedRequest, usages: readonly string[]) => string | undefined> = {
  [KUBE_APISERVER_CLIENT]: (_r, usages) => {
    for (const usage of usages) if (!['digital signature', 'key encipherment', 'client auth'].includes(usage)) return `invalid usage for client certificate: ${usage}`;
    return usages.includes('client auth') ? undefined : 'missing required usage for client certificate: client auth';
  },
  [KUBE_APISERVER_CLIENT_KUBELET]: (r, usages) => {
    if (!onlyNodes(r)) return NOT_SYSTEM_NODES;
    if (r.dnsNames.length > 0) return 'DNS subjectAltNames are not allowed';
    if (r.emailAddresses.length > 0) return 'Email subjectAltNames are not allowed';
    if (r.ipAddresses.length > 0) return 'IP subjectAltNames are not allowed';
    if (r.uris.length > 0) return 'URI subjectAltNames are not allowed';
    if (!r.commonName.startsWith('system:node:')) return NOT_SYSTEM_NODE;
    const required = ['client auth', 'digital signature', 'key encipherment'];
    return sameSet(usages, required) || sameSet(usages, ['digital signature', 'client auth']) ? undefined : `usages did not match [${required.join(' ')}]`;
  },
  [KUBELET_SERVING]: (r, usages) => {
    if (!onlyNodes(r)) return NOT_SYSTEM_NODES;
    if (r.dnsNames.length === 0 && r.ipAddresses.length === 0) return 'DNS or IP subjectAltName is required';
    if (r.emailAddresses.length > 0) return 'Email subjectAltNames are not allowed';
    if (r.uris.length > 0) return 'URI subjectAltNames are not allowed';
    const required = ['digital signature', 'key encipherment', 'server auth'];
    if (!sameSet(usages, required) && !sameSet(usages, ['digital signature', 'server auth'])) return `usages did not match [${required.join(' ')}]`;
    return r.commonName.startsWith('system:node:') ? undefined : NOT_SYSTEM_NODE;
  },
};

const MIN_DURATION_MS = 10 * 60 * 1000;

/** kube's duration: the signing duration, or a shorter spec.expirationSeconds, but never under 10 minutes. */
export function certificateDuration(maxMs: number, expirationSeconds: number | undefined): number {
  if (expirationSeconds === undefined) return maxMs;
  return Math.max(MIN_DURATION_MS, Math.min(maxMs, expirationSeconds * 1000));
}

async function writeStatus(input: ControllerInput, csr: KubeObject, status: Record<string, unknown>, what: string): Promise<void> {
  const name = csr.metadata.name ?? '';
  const body = { ...csr, status: { ...(csr.status as object | undefined), ...status } };
  const reply = await input.client.request('update', { apiGroup: 'certificates.k8s.io', namespace: '', resource: 'certificatesigningrequests', name, subresource: 'status' }, { body });
  // 409: this view was behind; the newer CSR comes back as a change.
  expectStatus(`${what} csr ${name}`, reply, 200, 404, 409);
}

const logic: ReconcilerLogic<{ ca?: { certPem: string; keyPem: string } }> = {
  id: 'certificatesigningrequest-signing-controller',
  watches: [{ plural: 'certificatesigningrequests', group: 'certificates.k8s.io' }],
  createState: () => ({}),
  workers: 5,
  keysOf: (_resource, csr, deleted) => (deleted ? [] : [csr.metadata.name ?? '']),
  async reconcile(name, view, input, state) {
    const csr = view.get('certificatesigningrequests.certificates.k8s.io', '', name);
    if (!csr || !isApproved(csr) || hasTrue(csr, 'Failed')) return;
    if ((csr.status as { certificate?: string } | undefined)?.certificate) return;
    const spec = (csr.spec ?? {}) as CsrSpec;
    const check = SIGNER_CHECKS[spec.signerName ?? ''];
    if (!check) return;
    const pem = Buffer.from(spec.request ?? '', 'base64').toString('utf8');
    let request: ParsedRequest;
    try {
      request = await parseCertificateRequest(pem);
    } catch (e) {
      throw new Error(`unable to parse csr ${JSON.stringify(name)}: ${(e as Error).message}`);
    }
    const refused = check(request, spec.usages ?? []);
    const now = new Date(input.clock.now()).toISOString().replace(/\.\d+Z$/, 'Z');
    if (refused) {
      const failed: Condition = { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: refused, lastUpdateTime: now, lastTransitionTime: now };
      return writeStatus(input, csr, { conditions: [...conditionsOf(csr), failed] }, 'failing');
    }
    state.ca ??= { certPem: readFileSync(input.clusterSigning.certFile, 'utf8'), keyPem: readFileSync(input.clusterSigning.keyFile, 'utf8') };
    const certificate = await signCertificateRequest(state.ca, pem, spec.usages ?? [], certificateDuration(input.clusterSigning.durationMs, spec.expirationSeconds), input.clock.now());
    await writeStatus(input, csr, { certificate: Buffer.from(certificate).toString('base64') }, 'signing');
  },
};

export const csrSigningController: ControllerDescriptor = {
  name: 'certificatesigningrequest-signing-controller',
  aliases: ['csrsigning'],
  user: serviceAccountUser('certificate-controller'),
  machine: reconcilerMachine(logic),
  terminate: terminateReconciler as (context: never) => void,
};

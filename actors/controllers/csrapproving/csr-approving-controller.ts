// certificatesigningrequest-approving-controller (kube-controller-manager's
// `csrapproving`): a kubelet's client CSR (signer
// kubernetes.io/kube-apiserver-client-kubelet, a valid node client request) is
// approved when its requester may create it, by a SubjectAccessReview on
// kube's CSR subresources: `selfnodeclient` when the CN is the requester's own
// name (a renewal), else `nodeclient` (a new node's bootstrap token, once
// bound to system:certificates.k8s.io:certificatesigningrequests:nodeclient).
//
// Watches: certificatesigningrequests. Key: the CSR's name.
// Reconcile: not yet approved or denied, no certificate, a kubelet client
//   request: ask the SubjectAccessReviews; on the first allowed, add kube's
//   Approved condition (AutoApproved) through /approval; none allowed is
//   retried after a backoff, as kube does.
// Acts as: system:serviceaccount:kube-system:certificate-controller.

import type { KubeObject } from '../../../protocol/kube/meta.js';
import { jsonOf, serviceAccountUser } from '../../../lib/loopback.js';
import { parseCertificateRequest } from '../../supervisor/pki.js';
import { reconcilerMachine, terminateReconciler, type ReconcilerLogic } from '../reconciler.js';
import type { ControllerDescriptor, ControllerInput } from '../controller.js';
import { expectStatus } from '../http-errors.js';
import { KUBE_APISERVER_CLIENT_KUBELET, SIGNER_CHECKS } from '../csrsigning/csr-signing-controller.js';

interface CsrSpec { request?: string; signerName?: string; usages?: string[]; username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> }
interface Condition { type?: string }

const APPROVED_MESSAGE = 'Auto approving kubelet client certificate after SubjectAccessReview.';

/** Whether the CSR's requester may create it through `subresource`. */
async function authorized(input: ControllerInput, spec: CsrSpec, subresource: string): Promise<boolean> {
  const review = {
    apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
    spec: {
      user: spec.username, ...(spec.uid ? { uid: spec.uid } : {}), groups: spec.groups ?? [], ...(spec.extra ? { extra: spec.extra } : {}),
      resourceAttributes: { group: 'certificates.k8s.io', resource: 'certificatesigningrequests', verb: 'create', subresource },
    },
  };
  const reply = expectStatus('subject access review', await input.client.request('create', { apiGroup: 'authorization.k8s.io', namespace: '', resource: 'subjectaccessreviews' }, { body: review }), 201, 200);
  return jsonOf<{ status?: { allowed?: boolean } }>(reply).status?.allowed === true;
}

const logic: ReconcilerLogic = {
  id: 'certificatesigningrequest-approving-controller',
  watches: [{ plural: 'certificatesigningrequests', group: 'certificates.k8s.io', keep: (csr) => (csr.spec as CsrSpec | undefined)?.signerName === KUBE_APISERVER_CLIENT_KUBELET }],
  workers: 5,
  keysOf: (_resource, csr, deleted) => (deleted ? [] : [csr.metadata.name ?? '']),
  async reconcile(name, view, input) {
    const csr = view.get('certificatesigningrequests.certificates.k8s.io', '', name);
    if (!csr) return;
    const status = (csr.status ?? {}) as { conditions?: Condition[]; certificate?: string };
    if (status.certificate || (status.conditions ?? []).some((c) => c.type === 'Approved' || c.type === 'Denied')) return;
    const spec = (csr.spec ?? {}) as CsrSpec;
    let request;
    try {
      request = await parseCertificateRequest(Buffer.from(spec.request ?? '', 'base64').toString('utf8'));
    } catch (e) {
      throw new Error(`unable to parse csr ${JSON.stringify(name)}: ${(e as Error).message}`);
    }
    if (SIGNER_CHECKS[KUBE_APISERVER_CLIENT_KUBELET]!(request, spec.usages ?? []) !== undefined) return;
    const subresources = request.commonName === spec.username ? ['selfnodeclient', 'nodeclient'] : ['nodeclient'];
    for (const subresource of subresources) {
      if (!(await authorized(input, spec, subresource))) continue;
      const now = new Date(input.clock.now()).toISOString().replace(/\.\d+Z$/, 'Z');
      const approved = { type: 'Approved', status: 'True', reason: 'AutoApproved', message: APPROVED_MESSAGE, lastUpdateTime: now, lastTransitionTime: now };
      const body: KubeObject = { ...csr, status: { ...status, conditions: [...(status.conditions ?? []), approved] } };
      const reply = await input.client.request('update', { apiGroup: 'certificates.k8s.io', namespace: '', resource: 'certificatesigningrequests', name, subresource: 'approval' }, { body });
      expectStatus(`approving csr ${name}`, reply, 200, 404, 409);
      return;
    }
    // kube's IgnorableError: looked at again after a backoff, so a binding made later still approves it.
    throw new Error(`recognized csr ${JSON.stringify(name)} as [${subresources.join(' ')}] but subject access review was not approved`);
  },
};

export const csrApprovingController: ControllerDescriptor = {
  name: 'certificatesigningrequest-approving-controller',
  aliases: ['csrapproving'],
  user: serviceAccountUser('certificate-controller'),
  machine: reconcilerMachine(logic),
  terminate: terminateReconciler as (context: never) => void,
};

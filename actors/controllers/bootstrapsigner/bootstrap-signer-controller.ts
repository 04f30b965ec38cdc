// bootstrap-signer-controller (kube-controller-manager's `bootstrapsigner`,
// off unless --controllers names it, as in kube): the `cluster-info`
// ConfigMap in kube-public carries, for every bootstrap token allowed to sign
// (usage-bootstrap-signing "true", unexpired), a detached JWS of its
// `kubeconfig` under `jws-kubeconfig-<token-id>`, and no other signature. A
// joining node checks cluster-info with the token it was given.
//
// Watches: configmaps named cluster-info in kube-public; bootstrap token
//   Secrets in kube-system. Key: the one ConfigMap.
// Reconcile: recomputes every signature, and updates the ConfigMap when one is
//   new, changed or gone; comes back when the next token expires.
// Acts as: system:serviceaccount:kube-system:bootstrap-signer.

import { CompactSign } from 'jose';
import type { KubeObject } from '../../../protocol/kube/meta.js';
import { serviceAccountUser } from '../../../lib/loopback.js';
import { reconcilerMachine, terminateReconciler, type ReconcilerLogic } from '../reconciler.js';
import type { ControllerDescriptor } from '../controller.js';
import { expectStatus } from '../http-errors.js';
import { BOOTSTRAP_TOKEN_FILTER, expiration, isBootstrapToken, signingToken } from '../bootstrap-tokens.js';

export const CLUSTER_INFO = 'cluster-info';
export const CLUSTER_INFO_NAMESPACE = 'kube-public';
const SIGNATURE_PREFIX = 'jws-kubeconfig-';
const KEY = `${CLUSTER_INFO_NAMESPACE}/${CLUSTER_INFO}`;

/** kube's ComputeDetachedSignature: an HS256 JWS keyed by the token secret, `kid` the token id, its payload left out. */
export async function detachedSignature(content: string, tokenId: string, tokenSecret: string): Promise<string> {
  const jws = await new CompactSign(new TextEncoder().encode(content)).setProtectedHeader({ alg: 'HS256', kid: tokenId }).sign(new TextEncoder().encode(tokenSecret));
  const [header = '', , signature = ''] = jws.split('.');
  return `${header}..${signature}`;
}

const logic: ReconcilerLogic = {
  id: 'bootstrap-signer-controller',
  watches: [
    {
      plural: 'configmaps', group: '',
      keep: (cm) => cm.metadata.namespace === CLUSTER_INFO_NAMESPACE && cm.metadata.name === CLUSTER_INFO,
      filter: { namespace: CLUSTER_INFO_NAMESPACE, names: [CLUSTER_INFO] },
    },
    { plural: 'secrets', group: '', keep: isBootstrapToken, filter: BOOTSTRAP_TOKEN_FILTER },
  ],
  workers: 1,
  keysOf: () => [KEY],
  async reconcile(_key, view, input) {
    const cm = view.get('configmaps', CLUSTER_INFO_NAMESPACE, CLUSTER_INFO);
    const data = cm?.data as Record<string, string> | undefined;
    const content = data?.kubeconfig;
    if (!cm || !data || content === undefined) return;
    const now = input.clock.now();
    const next: Record<string, string> = Object.fromEntries(Object.entries(data).filter(([k]) => !k.startsWith(SIGNATURE_PREFIX)));
    let nextExpiry: number | undefined;
    for (const secret of view.list('secrets')) {
      const token = signingToken(secret, now);
      if (!token || next[`${SIGNATURE_PREFIX}${token.id}`] !== undefined) continue;
      next[`${SIGNATURE_PREFIX}${token.id}`] = await detachedSignature(content, token.id, token.secret);
      const expires = expiration(secret, now);
      if (!expires.expired && expires.leftMs !== undefined) nextExpiry = Math.min(nextExpiry ?? expires.leftMs, expires.leftMs);
    }
    const signatures = (d: Record<string, string>): string => JSON.stringify(Object.entries(d).filter(([k]) => k.startsWith(SIGNATURE_PREFIX)).sort());
    if (signatures(next) !== signatures(data)) {
      const updated: KubeObject = { ...cm, data: next };
      // With its resourceVersion: a 409 means this view was behind, and the newer ConfigMap comes as a change.
      const reply = await input.client.request('update', { apiGroup: '', namespace: CLUSTER_INFO_NAMESPACE, resource: 'configmaps', name: CLUSTER_INFO }, { body: updated });
      expectStatus(`signing ${KEY}`, reply, 200, 404, 409);
    }
    return nextExpiry;
  },
};

export const bootstrapSignerController: ControllerDescriptor = {
  name: 'bootstrap-signer-controller',
  aliases: ['bootstrapsigner'],
  user: serviceAccountUser('bootstrap-signer'),
  machine: reconcilerMachine(logic),
  terminate: terminateReconciler as (context: never) => void,
  disabledByDefault: true,
};

// serviceaccount-token-controller (kube-controller-manager's
// `serviceaccount-token`): a Secret of type kubernetes.io/service-account-token
// naming a ServiceAccount gets its `token` (a legacy JWT that authn accepts as
// system:serviceaccount:<ns>:<name>), `ca.crt` and `namespace`, and the
// account's uid in its annotation. A token Secret whose account is gone (or
// was replaced: another uid) is deleted, as kube does.
//
// Watches: token Secrets; ServiceAccounts. Key: a Secret's `<namespace>/<name>`;
//   an account's change queues the Secrets that name it.
// Acts as: system:kube-controller-manager (kube runs this one with the
//   manager's own credentials).

import type { KubeObject } from '../../../protocol/kube/meta.js';
import { jsonOf } from '../../../lib/loopback.js';
import {
  issueLegacyToken, SERVICE_ACCOUNT_NAME_ANNOTATION, SERVICE_ACCOUNT_TOKEN_TYPE, SERVICE_ACCOUNT_UID_ANNOTATION,
} from '../../authn/service-account-tokens.js';
import { reconcilerMachine, terminateReconciler, type ReconcilerLogic } from '../reconciler.js';
import type { ControllerDescriptor, ControllerInput } from '../controller.js';
import { CONTROLLER_MANAGER_USER } from '../policy.js';
import { expectStatus } from '../http-errors.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');
const accountOf = (secret: KubeObject): string | undefined => secret.metadata.annotations?.[SERVICE_ACCOUNT_NAME_ANNOTATION];

async function deleteSecret(input: ControllerInput, secret: KubeObject): Promise<void> {
  const { namespace = '', name = '', uid } = secret.metadata;
  const reply = await input.client.request('delete', { apiGroup: '', namespace, resource: 'secrets', name }, { body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid } } });
  expectStatus(`deleting token secret ${namespace}/${name}`, reply, 200, 404, 409);
}

const logic: ReconcilerLogic = {
  id: 'serviceaccount-token-controller',
  watches: [
    { plural: 'secrets', group: '', keep: (o) => o.type === SERVICE_ACCOUNT_TOKEN_TYPE },
    { plural: 'serviceaccounts', group: '' },
  ],
  workers: 5,
  keysOf(resource, object, _deleted, view) {
    const namespace = object.metadata.namespace ?? '';
    if (resource === 'secrets') return [`${namespace}/${object.metadata.name ?? ''}`];
    return view.list('secrets').filter((s) => s.metadata.namespace === namespace && accountOf(s) === object.metadata.name).map((s) => `${namespace}/${s.metadata.name ?? ''}`);
  },
  async reconcile(key, view, input) {
    const [namespace = '', name = ''] = key.split('/');
    const secret = view.get('secrets', namespace, name);
    if (!secret || secret.metadata.deletionTimestamp) return;
    const accountName = accountOf(secret);
    if (!accountName) return;
    let account: KubeObject | undefined = view.get('serviceaccounts', namespace, accountName);
    if (account === undefined) {
      // This view may be behind a create: only a live read may condemn the token.
      const live = await input.client.request('get', { apiGroup: '', namespace, resource: 'serviceaccounts', name: accountName });
      if (live.status === 404) return deleteSecret(input, secret);
      account = jsonOf(expectStatus(`reading serviceaccount ${namespace}/${accountName}`, live, 200));
    }
    const uid = account?.metadata.uid ?? '';
    const annotated = secret.metadata.annotations?.[SERVICE_ACCOUNT_UID_ANNOTATION];
    if (annotated && annotated !== uid) return deleteSecret(input, secret);
    const data = { ...((secret.data ?? {}) as Record<string, string>) };
    const wanted = { 'ca.crt': b64(input.caPem), namespace: b64(namespace) };
    // A ca.crt already there stays: another server on the same etcd may have put its own CA there.
    if (annotated && data.token && data['ca.crt'] && data.namespace === wanted.namespace) return;
    if (data['ca.crt']) wanted['ca.crt'] = data['ca.crt'];
    if (!data.token) data.token = b64(issueLegacyToken(input.serviceAccountKey, namespace, name, { name: accountName, uid }));
    const updated: KubeObject = {
      ...secret,
      metadata: { ...secret.metadata, annotations: { ...secret.metadata.annotations, [SERVICE_ACCOUNT_UID_ANNOTATION]: uid } },
      data: { ...data, ...wanted },
    };
    const reply = await input.client.request('update', { apiGroup: '', namespace, resource: 'secrets', name }, { body: updated });
    // 409: this view was behind; the newer Secret comes back as a change.
    expectStatus(`populating token secret ${namespace}/${name}`, reply, 200, 404, 409);
  },
};

export const serviceAccountTokenController: ControllerDescriptor = {
  name: 'serviceaccount-token-controller',
  aliases: ['serviceaccount-token'],
  user: { username: CONTROLLER_MANAGER_USER, groups: ['system:authenticated'] },
  machine: reconcilerMachine(logic),
  terminate: terminateReconciler as (context: never) => void,
};

// serviceaccount-controller (kube-controller-manager's `serviceaccount`):
// every active namespace has a `default` ServiceAccount, put back if deleted.
//
// Watches: namespaces; serviceaccounts named `default`. Key: a namespace's name.
// Reconcile: creates `default` in an active namespace that lacks it.
// Acts as: system:serviceaccount:kube-system:service-account-controller.

import type { KubeObject } from '../../../protocol/kube/meta.js';
import { serviceAccountUser } from '../../../lib/loopback.js';
import { reconcilerMachine, terminateReconciler, type ReconcilerLogic } from '../reconciler.js';
import type { ControllerDescriptor } from '../controller.js';
import { expectStatus } from '../http-errors.js';

export const DEFAULT_SERVICE_ACCOUNT = 'default';

const logic: ReconcilerLogic = {
  id: 'serviceaccount-controller',
  watches: [
    { plural: 'namespaces', group: '' },
    { plural: 'serviceaccounts', group: '', keep: (o) => o.metadata.name === DEFAULT_SERVICE_ACCOUNT },
  ],
  workers: 1,
  keysOf: (resource, object, deleted) => {
    if (resource === 'namespaces') return deleted ? [] : [object.metadata.name ?? ''];
    return deleted ? [object.metadata.namespace ?? ''] : [];
  },
  async reconcile(namespace, view, input) {
    const ns = view.get('namespaces', '', namespace);
    if (!ns || ns.metadata.deletionTimestamp) return;
    if (view.get('serviceaccounts', namespace, DEFAULT_SERVICE_ACCOUNT)) return;
    const account: KubeObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace } };
    const reply = await input.client.request('create', { apiGroup: '', namespace, resource: 'serviceaccounts' }, { body: account });
    // 409: it exists already (this view is behind); 403: the namespace began terminating meanwhile.
    expectStatus(`creating serviceaccount ${namespace}/default`, reply, 201, 409, 403);
  },
};

export const serviceAccountController: ControllerDescriptor = {
  name: 'serviceaccount-controller',
  aliases: ['serviceaccount'],
  user: serviceAccountUser('service-account-controller'),
  machine: reconcilerMachine(logic),
  terminate: terminateReconciler as (context: never) => void,
};

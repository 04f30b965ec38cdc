// namespace-controller (kube-controller-manager's `namespace`): what happens
// after a namespace is deleted. It empties the namespace, then removes the
// `kubernetes` finalizer, which completes the delete.
//
// Watches: namespaces. Key: a terminating namespace's name.
// Reconcile: deletecollection, then list, in every namespaced resource of the
//   scheme; while anything is left (objects with finalizers go only when their
//   owners remove them), look again in a second; once nothing is left, an
//   update of the namespace without the finalizer.
// Acts as: system:serviceaccount:kube-system:namespace-controller.

import type { KubeObject } from '../../../protocol/kube/meta.js';
import { jsonOf, serviceAccountUser } from '../../../lib/loopback.js';
import { reconcilerMachine, terminateReconciler, type ReconcilerLogic } from '../reconciler.js';
import type { ControllerDescriptor, ControllerInput } from '../controller.js';
import { expectStatus } from '../http-errors.js';

export const NAMESPACE_FINALIZER = 'kubernetes';
const LOOK_AGAIN_MS = 1000;

function terminating(o: KubeObject): boolean {
  const spec = o.spec as { finalizers?: string[] } | undefined;
  return !!o.metadata.deletionTimestamp && (spec?.finalizers ?? []).includes(NAMESPACE_FINALIZER);
}

/** Deletes what is left in `namespace` and reports how many objects remain. */
async function empty(input: ControllerInput, namespace: string): Promise<number> {
  let remaining = 0;
  for (const kind of input.scheme.kinds) {
    if (!kind.namespaced || kind.servedBy !== 'store' || !kind.verbs.includes('deletecollection')) continue;
    const where = { apiGroup: kind.group, apiVersion: kind.version, namespace, resource: kind.plural };
    expectStatus(`deleting ${kind.plural} in ${namespace}`, await input.client.request('deletecollection', where), 200);
    const list = expectStatus(`listing ${kind.plural} in ${namespace}`, await input.client.request('list', where), 200);
    remaining += (jsonOf<{ items?: unknown[] }>(list).items ?? []).length;
  }
  return remaining;
}

const logic: ReconcilerLogic = {
  id: 'namespace-controller',
  watches: [{ plural: 'namespaces', group: '' }],
  workers: 10,
  keysOf: (_resource, object, deleted) => (!deleted && terminating(object) ? [object.metadata.name ?? ''] : []),
  async reconcile(name, view, input) {
    const namespace = view.get('namespaces', '', name);
    if (!namespace || !terminating(namespace)) return;
    if ((await empty(input, name)) > 0) return LOOK_AGAIN_MS;
    const spec = (namespace.spec ?? {}) as { finalizers?: string[] };
    // With its resourceVersion, so a finalizer another controller removed meanwhile (the garbage
    // collector's foregroundDeletion) is not written back; a 409 means the newer namespace is on its
    // way as a change, which queues it again.
    const finalized: KubeObject = { ...namespace, spec: { ...spec, finalizers: (spec.finalizers ?? []).filter((f) => f !== NAMESPACE_FINALIZER) } };
    const where = { apiGroup: '', namespace: '', resource: 'namespaces', name };
    expectStatus(`finalizing namespace ${name}`, await input.client.request('update', where, { body: finalized }), 200, 404, 409);
    return undefined;
  },
};

export const namespaceController: ControllerDescriptor = {
  name: 'namespace-controller',
  aliases: ['namespace'],
  user: serviceAccountUser('namespace-controller'),
  machine: reconcilerMachine(logic),
  terminate: terminateReconciler as (context: never) => void,
};

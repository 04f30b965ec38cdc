// pv-protection-controller (kube-controller-manager's `pv-protection`): a
// PersistentVolume being deleted loses its kubernetes.io/pv-protection
// finalizer once no claim is bound to it (its phase is not Bound), and goes.
//
// Watches: persistentvolumes. Key: a volume's name.
// Reconcile: removes the finalizer from a deleting volume that is not Bound.
// Acts as: system:serviceaccount:kube-system:pv-protection-controller.

import { serviceAccountUser } from '../../../lib/loopback.js';
import { reconcilerMachine, terminateReconciler, type ReconcilerLogic } from '../reconciler.js';
import type { ControllerDescriptor } from '../controller.js';
import { expectStatus } from '../http-errors.js';
import { PV_PROTECTION_FINALIZER } from '../../admission/storage-object-in-use-protection.js';

const logic: ReconcilerLogic = {
  id: 'pv-protection-controller',
  watches: [{ plural: 'persistentvolumes', group: '' }],
  workers: 1,
  keysOf: (_resource, object) => [object.metadata.name ?? ''],
  async reconcile(name, view, input) {
    const volume = view.get('persistentvolumes', '', name);
    if (!volume?.metadata.deletionTimestamp || !volume.metadata.finalizers?.includes(PV_PROTECTION_FINALIZER)) return;
    if ((volume.status as { phase?: string } | undefined)?.phase === 'Bound') return;
    const body = { ...volume, metadata: { ...volume.metadata, finalizers: volume.metadata.finalizers.filter((f) => f !== PV_PROTECTION_FINALIZER) } };
    const reply = await input.client.request('update', { apiGroup: '', namespace: '', resource: 'persistentvolumes', name }, { body });
    expectStatus(`removing ${PV_PROTECTION_FINALIZER} from persistentvolume ${name}`, reply, 200, 404);
  },
};

export const pvProtectionController: ControllerDescriptor = {
  name: 'persistentvolume-protection-controller',
  aliases: ['pv-protection'],
  user: serviceAccountUser('pv-protection-controller'),
  machine: reconcilerMachine(logic),
  terminate: terminateReconciler as (context: never) => void,
};

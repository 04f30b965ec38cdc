// pvc-protection-controller (kube-controller-manager's `pvc-protection`): a
// PersistentVolumeClaim being deleted loses its kubernetes.io/pvc-protection
// finalizer (StorageObjectInUseProtection admission put it there) once no pod
// that has not finished uses it, and goes.
//
// Watches: persistentvolumeclaims; pods. Key: a claim's `<namespace>/<name>`;
//   a pod's change touches the claims its volumes name.
// Reconcile: removes the finalizer from a deleting claim no running pod uses.
// Acts as: system:serviceaccount:kube-system:pvc-protection-controller.

import type { KubeObject } from '../../../protocol/kube/meta.js';
import { serviceAccountUser } from '../../../lib/loopback.js';
import { reconcilerMachine, terminateReconciler, type ReconcilerLogic } from '../reconciler.js';
import type { ControllerDescriptor } from '../controller.js';
import { expectStatus } from '../http-errors.js';
import { PVC_PROTECTION_FINALIZER } from '../../admission/storage-object-in-use-protection.js';

interface Volume { name?: string; persistentVolumeClaim?: { claimName?: string }; ephemeral?: unknown }

/** The claims a pod's volumes name (a generic ephemeral volume's claim is `<pod>-<volume>`). */
export function claimsOf(pod: KubeObject): string[] {
  const volumes = ((pod.spec as { volumes?: Volume[] } | undefined)?.volumes ?? []);
  return volumes.flatMap((v) => (v.persistentVolumeClaim?.claimName ? [v.persistentVolumeClaim.claimName] : v.ephemeral ? [`${pod.metadata.name ?? ''}-${v.name ?? ''}`] : []));
}

const finished = (pod: KubeObject): boolean => ['Succeeded', 'Failed'].includes((pod.status as { phase?: string } | undefined)?.phase ?? '');

const logic: ReconcilerLogic = {
  id: 'pvc-protection-controller',
  watches: [{ plural: 'persistentvolumeclaims', group: '' }, { plural: 'pods', group: '', keep: (pod) => claimsOf(pod).length > 0 }],
  workers: 1,
  keysOf: (resource, object) => {
    const namespace = object.metadata.namespace ?? '';
    if (resource === 'persistentvolumeclaims') return [`${namespace}/${object.metadata.name ?? ''}`];
    return claimsOf(object).map((claim) => `${namespace}/${claim}`);
  },
  async reconcile(key, view, input) {
    const [namespace = '', name = ''] = key.split('/');
    const claim = view.get('persistentvolumeclaims', namespace, name);
    if (!claim?.metadata.deletionTimestamp || !claim.metadata.finalizers?.includes(PVC_PROTECTION_FINALIZER)) return;
    const inUse = view.list('pods').some((pod) => pod.metadata.namespace === namespace && !finished(pod) && claimsOf(pod).includes(name));
    if (inUse) return;
    const body = { ...claim, metadata: { ...claim.metadata, finalizers: claim.metadata.finalizers.filter((f) => f !== PVC_PROTECTION_FINALIZER) } };
    const reply = await input.client.request('update', { apiGroup: '', namespace, resource: 'persistentvolumeclaims', name }, { body });
    // 404: gone already; a 409 fails this sync and it runs again on the newer claim.
    expectStatus(`removing ${PVC_PROTECTION_FINALIZER} from persistentvolumeclaim ${key}`, reply, 200, 404);
  },
};

export const pvcProtectionController: ControllerDescriptor = {
  name: 'persistentvolumeclaim-protection-controller',
  aliases: ['pvc-protection'],
  user: serviceAccountUser('pvc-protection-controller'),
  machine: reconcilerMachine(logic),
  terminate: terminateReconciler as (context: never) => void,
};

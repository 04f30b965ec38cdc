// kube's StorageObjectInUseProtection admission plugin
// (plugin/pkg/admission/storage/storageobjectinuseprotection): a new
// PersistentVolumeClaim carries the kubernetes.io/pvc-protection finalizer and
// a new PersistentVolume kubernetes.io/pv-protection, so that deleting one still
// in use only marks it; the pvc-protection and pv-protection controllers
// remove the finalizer once nothing uses it. Mutating, on creation.

import { ALLOW, type PluginRegistration } from './plugin.js';

export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';

const FINALIZERS: Record<string, string> = { persistentvolumeclaims: PVC_PROTECTION_FINALIZER, persistentvolumes: PV_PROTECTION_FINALIZER };

export const STORAGE_OBJECT_IN_USE_PROTECTION: PluginRegistration = {
  name: 'StorageObjectInUseProtection',
  defaultOn: true,
  create() {
    return {
      name: 'StorageObjectInUseProtection',
      wantsObject: (a) => a.operation === 'CREATE' && a.resource.group === '' && a.resource.resource in FINALIZERS && a.subresource === '',
      mutate(a, object) {
        const finalizer = FINALIZERS[a.resource.resource];
        if (!object || !finalizer) return ALLOW;
        const finalizers = (object.metadata.finalizers ??= []);
        if (!finalizers.includes(finalizer)) finalizers.push(finalizer);
        return ALLOW;
      },
    };
  },
};

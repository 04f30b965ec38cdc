// kube's DefaultStorageClass admission plugin (plugin/pkg/admission/storage/storageclass/setdefault):
// a PersistentVolumeClaim created without spec.storageClassName gets the
// default StorageClass (annotated storageclass.kubernetes.io/is-default-class),
// if there is one. An explicit "" asks for no class and is left alone.
// Mutating, on claim creation. Watches: storageclasses.

import { ALLOW, type PluginRegistration } from './plugin.js';
import { ClusterClasses } from './cluster-classes.js';

export const IS_DEFAULT_STORAGE_CLASS = 'storageclass.kubernetes.io/is-default-class';

export const DEFAULT_STORAGE_CLASS: PluginRegistration = {
  name: 'DefaultStorageClass',
  defaultOn: true,
  create() {
    const classes = new ClusterClasses();
    return {
      name: 'DefaultStorageClass',
      watches: [{ group: 'storage.k8s.io', plural: 'storageclasses' }],
      observe: classes.observe,
      wantsObject: (a) => a.operation === 'CREATE' && a.resource.group === '' && a.resource.resource === 'persistentvolumeclaims' && a.subresource === '',
      mutate(_a, claim) {
        if (!claim) return ALLOW;
        const spec = (claim.spec ??= {}) as { storageClassName?: string };
        if (spec.storageClassName !== undefined) return ALLOW;
        const chosen = classes.defaultBy(IS_DEFAULT_STORAGE_CLASS);
        if (chosen) spec.storageClassName = chosen.metadata.name ?? '';
        return ALLOW;
      },
    };
  },
};

// kube's PersistentVolumeClaimResize admission plugin (plugin/pkg/admission/storage/persistentvolume/resize):
// a claim may ask for more storage only if its StorageClass allows volume
// expansion. Validating, on claim updates. Watches: storageclasses.

import { forbidden } from '../../protocol/kube/status.js';
import type { KubeObject } from '../../protocol/kube/meta.js';
import { amountOf } from '../controllers/resourcequota/usage.js';
import { ALLOW, type PluginRegistration } from './plugin.js';
import { ClusterClasses } from './cluster-classes.js';

interface ClaimSpec { storageClassName?: string; resources?: { requests?: { storage?: string } } }

const requested = (claim: KubeObject | undefined): bigint => amountOf((claim?.spec as ClaimSpec | undefined)?.resources?.requests?.storage)?.nanos ?? 0n;

export const PERSISTENT_VOLUME_CLAIM_RESIZE: PluginRegistration = {
  name: 'PersistentVolumeClaimResize',
  defaultOn: true,
  create() {
    const classes = new ClusterClasses();
    return {
      name: 'PersistentVolumeClaimResize',
      watches: [{ group: 'storage.k8s.io', plural: 'storageclasses' }],
      observe: classes.observe,
      wantsObject: (a) => a.operation === 'UPDATE' && a.resource.group === '' && a.resource.resource === 'persistentvolumeclaims' && a.subresource === '',
      validate(a, claim, old) {
        if (!claim || !old || requested(claim) <= requested(old)) return ALLOW;
        const className = (claim.spec as ClaimSpec | undefined)?.storageClassName ?? '';
        const klass = className ? classes.get(className) : undefined;
        if ((klass as { allowVolumeExpansion?: boolean } | undefined)?.allowVolumeExpansion === true) return ALLOW;
        return {
          allowed: false,
          status: forbidden({ group: '', resource: 'persistentvolumeclaims' }, a.name, 'only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize'),
        };
      },
    };
  },
};

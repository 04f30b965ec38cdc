// Checks on a pod's volumes: baseline forbids hostPath; restricted allows
// only the inline sources that carry no node or network access (and replaces
// the hostPath check).

import { ALLOWED, forbid, joinQuote, pluralize, sortedSet, type Check } from './check.js';

export const hostPathVolumes: Check = {
  id: 'hostPathVolumes',
  level: 'baseline',
  versions: [{
    minimumVersion: 0,
    checkPod: (_m, spec) => {
      const bad = (spec.volumes ?? []).filter((v) => v.hostPath != null).map((v) => String(v.name ?? ''));
      return bad.length > 0 ? forbid('hostPath volumes', `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)}`) : ALLOWED;
    },
  }],
};

const ALLOWED_SOURCES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret'];
/** The sources restricted names, in the order kube looks for them. */
const RESTRICTED_SOURCES = [
  'hostPath', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'nfs', 'iscsi', 'glusterfs', 'rbd', 'flexVolume', 'cinder', 'cephfs',
  'flocker', 'fc', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'storageos',
];

export const restrictedVolumes: Check = {
  id: 'restrictedVolumes',
  level: 'restricted',
  versions: [{
    minimumVersion: 0,
    overrides: ['hostPathVolumes'],
    checkPod: (_m, spec) => {
      const bad: string[] = [];
      const types: string[] = [];
      for (const volume of spec.volumes ?? []) {
        if (ALLOWED_SOURCES.some((s) => volume[s] != null)) continue;
        bad.push(String(volume.name ?? ''));
        types.push(RESTRICTED_SOURCES.find((s) => volume[s] != null) ?? 'unknown');
      }
      if (bad.length === 0) return ALLOWED;
      const distinct = sortedSet(types);
      return forbid('restricted volume types', `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('restricted volume type', 'restricted volume types', distinct.length)} ${joinQuote(distinct)}`);
    },
  }],
};

// kube's DefaultTolerationSeconds admission plugin: a pod that does not
// tolerate the NoExecute taints of a node that is not ready or unreachable gets
// tolerations for 300 s of each (kube's --default-not-ready-toleration-seconds
// and --default-unreachable-toleration-seconds), so a flapping node does not
// evict it at once. Mutating, on pod creation.

import { ALLOW, type PluginRegistration } from './plugin.js';

const TOLERATION_SECONDS = 300;
const TAINTS = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'];

interface Toleration { key?: string; operator?: string; effect?: string; tolerationSeconds?: number }

export const DEFAULT_TOLERATION_SECONDS: PluginRegistration = {
  name: 'DefaultTolerationSeconds',
  defaultOn: true,
  create() {
    return {
      name: 'DefaultTolerationSeconds',
      wantsObject: (a) => a.operation === 'CREATE' && a.resource.group === '' && a.resource.resource === 'pods' && a.subresource === '',
      mutate(_a, pod) {
        if (!pod) return ALLOW;
        const spec = (pod.spec ??= {}) as { tolerations?: Toleration[] };
        const existing = spec.tolerations ?? [];
        for (const key of TAINTS) {
          const tolerated = existing.some((t) => (!t.key || t.key === key) && (!t.effect || t.effect === 'NoExecute'));
          if (!tolerated) (spec.tolerations ??= []).push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: TOLERATION_SECONDS });
        }
        return ALLOW;
      },
    };
  },
};

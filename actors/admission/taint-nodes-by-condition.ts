// kube's TaintNodesByCondition admission plugin (plugin/pkg/admission/nodetaint):
// a Node is created tainted `node.kubernetes.io/not-ready:NoSchedule`, so nothing
// is scheduled onto it before its kubelet reports Ready and the node lifecycle
// controller lifts the taint. Mutating, on node creation only.

import { ALLOW, type PluginRegistration } from './plugin.js';

const NOT_READY = { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' };

interface Taint { key?: string; effect?: string }

export const TAINT_NODES_BY_CONDITION: PluginRegistration = {
  name: 'TaintNodesByCondition',
  defaultOn: true,
  create() {
    return {
      name: 'TaintNodesByCondition',
      wantsObject: (a) => a.operation === 'CREATE' && a.resource.group === '' && a.resource.resource === 'nodes' && a.subresource === '',
      mutate(_a, node) {
        if (!node) return ALLOW;
        const spec = (node.spec ??= {}) as { taints?: Taint[] };
        if (!(spec.taints ?? []).some((t) => t.key === NOT_READY.key && t.effect === NOT_READY.effect)) (spec.taints ??= []).push({ ...NOT_READY });
        return ALLOW;
      },
    };
  },
};

// What serves pods besides their store: the pod terminator (graceful deletion's grace periods) and
// the eviction subresource (PodDisruptionBudgets). Neither starts when pods are not served.

import { evictionMachine } from '../../eviction/eviction-machine.js';
import { podTerminatorMachine, terminatePodTerminator } from '../../pod-terminator/pod-terminator-machine.js';
import type { ChildSpec } from '../child-spec.js';
import type { Terminate } from '../supervision.js';

export const podTerminator: ChildSpec = ({ store, clock, logger }) => {
  const pods = store('pods', '');
  return pods && { id: 'pod-terminator', machine: podTerminatorMachine, input: { pods, clock, logger: logger('pod-terminator') }, terminate: terminatePodTerminator as Terminate };
};

export const eviction: ChildSpec = ({ store, logger }) => {
  const pods = store('pods', '');
  return pods && { id: 'eviction', machine: evictionMachine, input: { pods, budgets: store('poddisruptionbudgets', 'policy'), logger: logger('eviction') } };
};

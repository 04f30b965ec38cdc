// API Priority and Fairness (actors/apf), unless --enable-priority-and-fairness=false: kube runs its
// filter after authentication and audit, before authorization.

import { apfMachine, FLOWCONTROL_GROUP, terminateApf } from '../../apf/apf-machine.js';
import { storeWorkload } from '../../apf/workload.js';
import type { ChildSpec } from '../child-spec.js';
import { frontendOf } from '../metrics.js';
import type { Terminate } from '../supervision.js';

export const apf: ChildSpec = ({ options, store, child, runtime, clock, logger }) => {
  const { raw } = options;
  if (!raw.enablePriorityAndFairness) return undefined;
  return {
    id: 'apf',
    machine: apfMachine,
    input: {
      serverConcurrencyLimit: raw.maxRequestsInflight + raw.maxMutatingRequestsInflight,
      queueWaitLimitMs: options.requestTimeoutMs / 4,
      next: child('authz')!,
      stores: { flowschemas: store('flowschemas', FLOWCONTROL_GROUP), prioritylevelconfigurations: store('prioritylevelconfigurations', FLOWCONTROL_GROUP) },
      workload: storeWorkload(store),
      // The exempt requests authn sends past apf (no audit between them) are their level's seat demand: the listener holds them.
      exemptInFlight: options.audit ? undefined : () => (runtime.listener ? frontendOf(runtime.listener)?.exemptInFlight() : undefined),
      clock,
      logger: logger('apf'),
    },
    terminate: terminateApf as Terminate,
  };
};

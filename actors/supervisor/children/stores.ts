// A store actor per stored kind (actors/store), each over its own key prefix of the one revision log;
// the compactor of that log. Custom resources' stores start later, one by one (customResourceStore).

import type { Definitions } from '../../../scheme/schema.js';
import type { KindDescription } from '../../../scheme/kind-description.js';
import { definitions } from '../../../scheme/definitions.js';
import { compactorMachine } from '../../compactor/compactor-machine.js';
import { storeMachine, terminateStore } from '../../store/store-machine.js';
import type { ChildDeclaration, ChildSpec, Wiring } from '../child-spec.js';
import { storeKey } from '../custom-resources.js';
import { withStorageMetrics } from '../metrics.js';
import { storedKindsOf } from '../storage.js';
import type { Terminate } from '../supervision.js';

/** The store of one kind, as `store/<plural>.<group>`. */
export function storeChild(wiring: Pick<Wiring, 'runtime' | 'clock' | 'logger'>, kind: KindDescription, definitions: Definitions, extra: object = {}): ChildDeclaration {
  const { runtime, clock } = wiring;
  const key = storeKey(kind.plural, kind.group);
  const id = `store/${key}`;
  return {
    id,
    machine: storeMachine,
    input: { kind, definitions, log: withStorageMetrics(runtime.log!, runtime.metrics, key, () => clock.now()), clock, logger: wiring.logger(id), ...extra },
    terminate: terminateStore as Terminate,
  };
}

/** Every built-in kind the scheme stores. */
export const stores: ChildSpec = (wiring) => {
  const { raw } = wiring.options;
  const allocation = { etcdPrefix: raw.etcdPrefix, serviceClusterIpRange: raw.serviceClusterIpRange, serviceNodePortRange: raw.serviceNodePortRange };
  return storedKindsOf(wiring.scheme).map((kind) => storeChild(wiring, kind, definitions, allocation));
};

/** kube's storage compaction, every --etcd-compaction-interval (0 turns it off). */
export const compactor: ChildSpec = ({ options, runtime, clock, logger }) =>
  options.compactionIntervalMs > 0
    ? { id: 'compactor', machine: compactorMachine, input: { log: runtime.log!, intervalMs: options.compactionIntervalMs, clock, logger: logger('compactor') } }
    : undefined;

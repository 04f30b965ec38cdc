// The controllers the server runs: kube-controller-manager's (--controllers, governed by
// --leader-elect), kube-aggregator's availability controller and apiextensions-apiserver's CRD
// controller (both always on). Each is a child like any other: supervised, restarted with backoff,
// in /debug/actors as controller/<name>.

import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { ClusterClient } from '../../lib/loopback.js';
import { CONTROLLER_RESTART_POLICY, type ControllerInput } from '../controllers/controller.js';
import { CONTROLLER_MANAGER_USER } from '../controllers/policy.js';
import { crdControllerMachine, terminateCrdController, type CrdControllerInput } from '../crd-controller/crd-controller.js';
import { leaderElectionMachine, type LeaderElectionInput } from '../leader-election/leader-election-machine.js';
import { availabilityController } from '../apiservice-availability/availability-controller.js';
import type { ChildDeclaration, ChildSpec, Wiring } from './child-spec.js';
import { dataDirCa } from './pki.js';
import { requestChainEntry } from './children/audit.js';
import type { Runtime } from './runtime.js';
import type { ChildSlot, Terminate } from './supervision.js';

const CONTROLLER_PREFIX = 'controller/';
const AGGREGATOR_CONTROLLER_PREFIX = `${CONTROLLER_PREFIX}apiservice-`;

/** kube-controller-manager's controllers (the ones the election governs), not kube-aggregator's. */
export const isController = (slot: ChildSlot): boolean => slot.id.startsWith(CONTROLLER_PREFIX) && !slot.id.startsWith(AGGREGATOR_CONTROLLER_PREFIX);

/** The user kube's apiextensions controllers act as (its loopback client's). */
const LOOPBACK_CONTROLLER_USER = { username: 'system:apiserver', groups: ['system:masters', 'system:authenticated'] };

/** What a controller is given (ControllerInput), for one named `name` acting as `client`'s user. */
function controllerInput(wiring: Wiring, name: string, client: ClusterClient): ControllerInput {
  const { runtime, options, files, scheme, clock, logger } = wiring;
  return {
    name,
    scheme: runtime.shared?.api.scheme ?? scheme,
    store: wiring.store,
    client,
    caPem: files.caPem,
    serviceAccountKey: files.serviceAccountKey,
    clusterSigning: {
      ...(options.raw.clusterSigningCertFile ? { certFile: options.raw.clusterSigningCertFile, keyFile: options.raw.clusterSigningKeyFile! } : dataDirCa(files.dataDir)),
      durationMs: options.clusterSigningDurationMs,
    },
    clock,
    logger: logger(name === 'crd-controller' ? name : `${CONTROLLER_PREFIX}${name}`),
  };
}

/** apiextensions-apiserver's controllers run inside the server, from its start: last of the server chain. */
export const crdController: ChildSpec = (wiring) => {
  const input: CrdControllerInput = {
    ...controllerInput(wiring, 'crd-controller', new ClusterClient(requestChainEntry(wiring), LOOPBACK_CONTROLLER_USER)),
    scheme: wiring.shared.api.scheme,
    supervisor: wiring.self,
  };
  return { id: 'crd-controller', machine: crdControllerMachine, input, policy: CONTROLLER_RESTART_POLICY, terminate: terminateCrdController as Terminate };
};

/** kube-aggregator's own controller runs in every API server, from Ready, whatever --controllers and the election say. */
export const apiServiceAvailability: ChildSpec = (wiring) => {
  const { runtime } = wiring;
  const controller = availabilityController(runtime.shared!.upstreams);
  return {
    id: `${CONTROLLER_PREFIX}${controller.name}`, machine: controller.machine, policy: CONTROLLER_RESTART_POLICY,
    input: controllerInput(wiring, controller.name, new ClusterClient(runtime.chain!, controller.user)),
    terminate: controller.terminate as Terminate | undefined,
  };
};

/**
 * kube-controller-manager's StartControllers: each controller --controllers enables, started once the
 * server is ready (so its first requests find the bootstrap policy in place), or once elected.
 */
export const controllers: ChildSpec = (wiring) => {
  const { options, runtime } = wiring;
  if (runtime.children.some(isController)) return undefined;
  return options.controllers.map((controller): ChildDeclaration => ({
    id: `${CONTROLLER_PREFIX}${controller.name}`, machine: controller.machine, policy: CONTROLLER_RESTART_POLICY,
    input: controllerInput(wiring, controller.name, new ClusterClient(runtime.chain!, controller.user)),
    terminate: controller.terminate as Terminate | undefined,
  }));
};

/**
 * kube-controller-manager's --leader-elect: the controllers start when this process is elected (now,
 * without it). The leader-election child reports `leader.elected` and `leader.lost` to the supervisor.
 */
export const leaderElectionOrControllers: ChildSpec = (wiring) => {
  const { options, runtime, self, clock, logger } = wiring;
  const election = options.leaderElection;
  if (!election || options.controllers.length === 0) return controllers(wiring);
  const input: LeaderElectionInput = {
    config: { ...election, identity: `${hostname()}_${randomUUID()}` },
    client: new ClusterClient(runtime.chain!, { username: CONTROLLER_MANAGER_USER, groups: ['system:authenticated'] }),
    parent: self,
    clock,
    logger: logger('leader-election'),
  };
  return { id: 'leader-election', machine: leaderElectionMachine, input };
};

/** A lost election: the controllers stop in reverse start order (kube exits the process; this one stays a candidate). */
export function stopControllers(runtime: Runtime, clock: Wiring['clock'], logger: ReturnType<Wiring['logger']>): void {
  const slots = runtime.children.filter(isController);
  runtime.children = runtime.children.filter((slot) => !isController(slot));
  const stopping = Promise.all([]).then(async () => {
    for (const slot of slots.reverse()) await slot.stop(clock, logger);
  });
  runtime.controllersStopping = stopping;
  void stopping.then(() => {
    // A later loss may have started another stop meanwhile: only this one's end clears it.
    if (runtime.controllersStopping === stopping) runtime.controllersStopping = undefined;
  });
}

/** The served kinds changed: controllers that watch every kind (the garbage collector) subscribe to the new ones. */
export function rewatchControllers(runtime: Runtime): void {
  for (const slot of runtime.children) if (isController(slot)) slot.send({ type: 'reconciler.rewatch' });
}

// How the supervisor starts its children: each child is declared once, as a ChildSpec in children/,
// and the supervisor starts the declarations of a phase from a list (children/index.ts), in order.
// A spec reads what it needs from the Wiring: the completed options, the children started before it,
// handles to those started after it (the chain is circular: authn → … → authz → router → authn), and
// the pieces the server chain shares.

import type { AnyActorRef, AnyStateMachine } from 'xstate';
import type { Clock } from '../../lib/clock.js';
import type { Log } from '../../lib/log.js';
import type { Scheme } from '../../scheme/scheme.js';
import type { WebhookClient } from '../../lib/webhook-client.js';
import type { RemoteRoutes } from '../aggregator/routes.js';
import type { Upstreams } from '../proxy/upstream.js';
import type { ApiExtensions } from './custom-resources.js';
import { senseTransitions } from './inspect.js';
import type { CompletedOptions } from './options.js';
import { storeOf, type Runtime, type SupervisorContext } from './runtime.js';
import type { RuntimeFiles } from './runtime-files.js';
import { ChildSlot, PERMANENT, supervised, type RestartPolicy, type Terminate } from './supervision.js';

/** One child to start: its machine and input, and how it is supervised and stopped. */
export interface ChildDeclaration {
  id: string;
  machine: AnyStateMachine;
  input: unknown;
  /** One-for-one restart with backoff unless said otherwise (supervision.ts). */
  policy?: RestartPolicy;
  /** What asks it to finish; `actor.stop` unless said otherwise. */
  stopMessage?: { type: string };
  /** Cleanup of what its context holds when it crashes or is stopped outright. */
  terminate?: Terminate;
}

/** What a phase's list of specs is built from; nothing here changes after BuildingServerChain. */
export interface Wiring {
  options: CompletedOptions;
  files: RuntimeFiles;
  scheme: Scheme;
  clock: Clock;
  runtime: Runtime;
  self: AnyActorRef;
  /** A child started earlier. */
  child(id: string): ChildSlot | undefined;
  /** A handle to a child that may start later in the list: a message goes to it when sent. */
  late(id: string): { send(message: never): void };
  store(plural: string, group: string): ChildSlot | undefined;
  /** The supervisor's log, and a child's (a sub-logger by name). */
  log: Log;
  logger(name: string): Log;
  /** What several children of the server chain share (built before the first of them). */
  shared: Shared;
}

export interface Shared {
  /** apiextensions-apiserver: the custom resources served and the merged scheme and discovery. */
  api: ApiExtensions;
  /** kube-aggregator's remote APIServices' routes: written by the aggregator, read by the router and the proxy. */
  routes: RemoteRoutes;
  /** The proxy's HTTPS client to extension servers. */
  upstreams: Upstreams;
  /** One pool of webhook connections: admission webhooks, CRD conversion, token and authorization webhooks. */
  webhookClient: WebhookClient;
}

/** A child, or several (a store per kind), or none (turned off by a flag). */
export type ChildSpec = (wiring: Wiring) => ChildDeclaration | readonly ChildDeclaration[] | undefined;

/** A store child's id: `store/` and its storeKey; the supervisor finds stores by that key. */
const STORE_PREFIX = 'store/';

type Spawn = (machine: never, options: never) => AnyActorRef;

/** A new incarnation of a slot's child, watched by /debug/actors. */
export function spawnIncarnation(slot: ChildSlot, spawn: Spawn, self: AnyActorRef, clock: Clock): AnyActorRef {
  const ref = spawn(supervised(slot.machine, slot.terminate) as never, { id: slot.id, systemId: slot.id, input: slot.input } as never);
  senseTransitions(slot.id, ref, clock, (message) => self.send(message));
  return ref;
}

/** Starts one declared child and records it, last in start order (so first to stop). */
export function startChild(context: Pick<SupervisorContext, 'runtime' | 'clock'>, self: AnyActorRef, spawn: Spawn, child: ChildDeclaration): ChildSlot {
  const slot = new ChildSlot(child.id, child.machine, child.input, child.policy ?? PERMANENT, child.stopMessage, child.terminate);
  slot.up(spawnIncarnation(slot, spawn, self, context.clock), false);
  context.runtime.children.push(slot);
  if (child.id.startsWith(STORE_PREFIX)) context.runtime.stores.set(child.id.slice(STORE_PREFIX.length), slot);
  return slot;
}

/** Starts a list of specs in order; each sees the children the ones before it started. */
export function startChildren(wiring: Wiring, spawn: Spawn, specs: readonly ChildSpec[]): ChildSlot[] {
  const started: ChildSlot[] = [];
  for (const spec of specs) {
    const declared = spec(wiring);
    const children = declared === undefined ? [] : Array.isArray(declared) ? declared : [declared as ChildDeclaration];
    for (const child of children) started.push(startChild(wiring, wiring.self, spawn, child));
  }
  return started;
}

/** The Wiring over the supervisor's context, once the server chain's shared pieces exist. */
export function wiringOf(context: SupervisorContext, self: AnyActorRef): Wiring {
  const { runtime, options, files, scheme, clock, logger } = context;
  const child = (id: string): ChildSlot | undefined => runtime.children.find((c) => c.id === id);
  return {
    options: options!, files: files!, scheme: scheme!, clock, runtime, self,
    child,
    late: (id) => {
      let slot: ChildSlot | undefined;
      return { send: (message: never) => (slot ??= child(id))!.send(message) };
    },
    store: storeOf(runtime),
    log: logger,
    logger: (name) => logger.getSubLogger({ name }),
    shared: runtime.shared!,
  };
}

// The supervisor: kube-apiserver's Run(), as states. It owns every other actor.
//
// Startup, in kube-apiserver's order:
//   RegisteringResources      the scheme: every kind described in scheme/kinds
//   CompletingOptions         Complete() + Validate(); credentials in --data-dir
//   BuildingServerChain       storage, then the children of children/index.ts's SERVER_CHAIN in
//                             order: a store per kind, compactor, pod terminator, admission,
//                             eviction, aggregator, proxy, autoregister, authz, apf, audit, authn,
//                             crd-controller (custom resources' stores start and stop later, as
//                             the CRD controller sends customresource.serve / unserve)
//                             (apiextensions → kube → aggregator, by delegation)
//   InstallingHealthChecks    PrepareRun(): healthz, livez, readyz
//   Listening                 the listener (LISTENING) binds --bind-address:--secure-port
//   RunningPostStartHooks     poststarthook/* (system namespaces, kubernetes Service, RBAC),
//                             then every established CRD in storage is served
//   Ready                     HasBeenReady, MuxAndDiscoveryComplete; READY's children: the
//                             APIService availability controller, and the built-in controllers
//                             --controllers enables start now, as kube-controller-manager
//                             starts once the server is healthy: with --leader-elect, once the
//                             leader-election child reports leader.elected (and they stop on
//                             leader.lost)
//
// Graceful termination, named after kube's lifecycle signals:
//   SIGTERM ─► ShutdownInitiated          /readyz fails at once; /livez stays ok
//              │ --shutdown-delay-duration (requests are still served)
//              ▼
//              NotAcceptingNewRequest     listener stops accepting (or answers 429 with
//              │                          --shutdown-send-retry-after); accepted requests finish
//              ▼ listener.drained
//              InFlightRequestsDrained    open watches get
//              │                          --shutdown-watch-termination-grace-period
//              ▼
//              HTTPServerStoppedListening children stop in reverse start order
//              ▼
//              Stopped                    exit 0
// A failure during startup ends in Failed, with the reason in context.error.
//
// Receives: requests for /healthz, /livez, /readyz and /debug/actors[/ui];
//   shutdown.signal; its children's crashes (xstate.error.actor.<id>) and
//   listener.* lifecycle messages; inspect.transition from each child's
//   snapshot observer; stream.cancelled for its transition watchers;
//   leader.elected / leader.lost from the leader-election child.
// Sends: actor.stop / listener.close / listener.stop-accepting /
//   stream.owner-down to children; replies and stream.* to the listener.

import { setup, fromPromise, assign, spawnChild, type AnyActorRef } from 'xstate';
import type { HandleRequest } from '../../protocol/messages/request.js';
import type { ListenerDrained, ListenerFailed, ListenerListening, ActorTransitioned } from '../../protocol/messages/lifecycle.js';
import type { StreamCancelled } from '../../protocol/messages/http.js';
import type { Clock } from '../../lib/clock.js';
import type { Log } from '../../lib/log.js';
import { buildScheme, type Scheme } from '../../scheme/scheme.js';
import type { KindDescription } from '../../scheme/kind-description.js';
import type { Definitions } from '../../scheme/schema.js';
import { CRD_GROUP, CRD_RESOURCE } from '../../scheme/custom/crd.js';
import type { ServedCustomResource } from '../../scheme/custom/custom-resource-kind.js';
import type { CustomResourceMessage, ServeCustomResource, UnserveCustomResource } from '../../protocol/messages/custom-resources.js';
import type { LeaderElected, LeaderLost } from '../leader-election/leader-election-machine.js';
import type { RevisionLog } from '../store/revision-log.js';
import { ServerMetrics } from '../../lib/metrics.js';
import { registerCollectors } from './metrics.js';
import { completeAndValidate, type CompletedOptions, type ServerRunOptions } from './options.js';
import { prepareRuntimeFiles, RuntimeFileError, type RuntimeFiles } from './runtime-files.js';
import { ensureCredentials } from './pki.js';
import { postStartHooks, preShutdownHooks } from './bootstrap.js';
import { aggregatorHooks } from './aggregator-hooks.js';
import { serveCustomResource, serveStoredCustomResources, unserveCustomResource } from './custom-resources.js';
import { TransitionJournal } from './inspect.js';
import { actorTree, serveOwnPaths } from './own-paths.js';
import { openLog, servedKinds } from './storage.js';
import { endpointIpOf, storeOf, type Runtime, type SupervisorContext } from './runtime.js';
import { spawnIncarnation, startChild, startChildren, wiringOf } from './child-spec.js';
import { LISTENING, READY, SERVER_CHAIN, sharedPieces } from './children/index.js';
import { storeChild } from './children/stores.js';
import { requestChainEntry } from './children/audit.js';
import { controllers, rewatchControllers, stopControllers } from './controllers.js';
import { decide, KILL, type ChildSlot } from './supervision.js';

export interface SupervisorInput {
  options: ServerRunOptions;
  clock: Clock;
  logger: Log;
  /** Whether to keep /metrics; on unless asked otherwise. */
  metrics?: boolean;
}

export interface ShutdownSignal {
  type: 'shutdown.signal';
  signal: string;
}

/** A child's crash, as xstate reports it to the parent. */
interface ChildCrashed {
  type: `xstate.error.actor.${string}`;
  error: unknown;
}

/** The restart a crash scheduled, after its backoff. */
interface RestartChild {
  type: 'supervision.restart';
  id: string;
}

/** Delivers Akka's Kill to a child (tests and fault drills; see supervision.ts). */
export interface KillChild {
  type: 'supervision.kill';
  id: string;
}

type ChildEvent = ListenerListening | ListenerFailed | ListenerDrained | ChildCrashed;

export type SupervisorEvent = HandleRequest | ShutdownSignal | ChildEvent | RestartChild | KillChild | ActorTransitioned | StreamCancelled | CustomResourceMessage | LeaderElected | LeaderLost;

const CRASH_PREFIX = 'xstate.error.actor.';

function crashOf(event: { type: string }): { id: string; error: unknown } {
  return { id: event.type.slice(CRASH_PREFIX.length), error: (event as ChildCrashed).error };
}

type Spawn = (machine: never, options: never) => AnyActorRef;

/** BuildingServerChain: the shared pieces, then SERVER_CHAIN's children in order. */
function buildServerChain(context: SupervisorContext, self: AnyActorRef, spawn: Spawn): void {
  const { runtime } = context;
  runtime.shared = sharedPieces(context);
  const wiring = wiringOf(context, self);
  startChildren(wiring, spawn, SERVER_CHAIN);
  runtime.chain = requestChainEntry(wiring);
}

/** kube's CRD registration controller: autoregister keeps a Local APIService for each custom resource group version served. */
function localApiServices(runtime: Runtime, before: readonly string[]): void {
  const autoregister = runtime.children.find((c) => c.id === 'autoregister');
  if (!autoregister || !runtime.shared) return;
  const after = runtime.shared.api.registry.groupVersions();
  const split = (gv: string): { group: string; version: string } => ({ group: gv.slice(0, gv.lastIndexOf('/')), version: gv.slice(gv.lastIndexOf('/') + 1) });
  for (const gv of after) if (!before.includes(gv)) autoregister.send({ type: 'apiservice.local.add', ...split(gv) });
  for (const gv of before) if (!after.includes(gv)) autoregister.send({ type: 'apiservice.local.remove', ...split(gv) });
}

/** A custom resource's store: like a built-in kind's, over `/registry/<group>/<plural>/`. */
function startCustomResourceStore(context: SupervisorContext, self: AnyActorRef, spawn: Spawn, id: string, kind: KindDescription, definitions: Definitions): ChildSlot {
  const store = storeChild(wiringOf(context, self), kind, definitions, { etcdPrefix: context.options!.raw.etcdPrefix });
  return startChild(context, self, spawn, { ...store, id });
}

/**
 * One-for-one supervision: a crashed child is restarted after its backoff. Past its
 * restart limit it escalates: from Ready, the server shuts down through the same
 * states as on SIGTERM; while starting or already shutting down, the sequence goes
 * on without it. The listener's crash escalates at once: with no socket there is
 * nothing to drain, so the server goes straight to HTTPServerStoppedListening.
 */
function onChildCrash(listenerTarget: string | undefined, loopTarget: string | undefined) {
  return [
    { guard: 'listenerCrashed', target: listenerTarget, actions: ['recordCrash', 'escalate'] },
    { guard: 'escalates', target: loopTarget, actions: ['recordCrash', 'escalate'] },
    { actions: ['recordCrash', 'scheduleRestart'] },
  ] as const;
}

export const supervisorMachine = setup({
  types: {
    context: {} as SupervisorContext,
    events: {} as SupervisorEvent,
    input: {} as SupervisorInput,
  },
  actors: {
    // Children stop one at a time, in reverse start order, each within its own timeout.
    stopChildren: fromPromise<void, { runtime: Runtime; clock: Clock; logger: Log }>(async ({ input }) => {
      const { runtime, clock, logger } = input;
      for (const slot of [...runtime.children].reverse()) await slot.stop(clock, logger);
      await runtime.log?.close();
      runtime.log = undefined;
    }),
    // Never rejects: like kube, a failed pre-shutdown hook is logged and shutdown goes on.
    runPreShutdownHooks: fromPromise<void, { runtime: Runtime; options: CompletedOptions; logger: Log }>(async ({ input }) => {
      const { runtime, options, logger } = input;
      const store = storeOf(runtime);
      for (const hook of preShutdownHooks(store, { port: runtime.port, endpointIp: endpointIpOf(options) })) {
        try {
          await hook.run();
          logger.debug(`pre-shutdown hook ${hook.name} done`);
        } catch (e) {
          logger.error(`pre-shutdown hook ${hook.name} failed`, e);
        }
      }
    }),
    completeOptions: fromPromise<{ options: CompletedOptions; files: RuntimeFiles; log: RevisionLog } | { errors: string[] }, { raw: ServerRunOptions; scheme: Scheme; logger: Log }>(async ({ input }) => {
      const result = completeAndValidate(input.raw);
      if ('errors' in result) return result;
      let files: RuntimeFiles;
      try {
        files = await prepareRuntimeFiles(result.options);
      } catch (e) {
        if (e instanceof RuntimeFileError) return { errors: [e.message] };
        throw e;
      }
      return { options: result.options, files, log: await openLog(result.options, files, input.scheme, input.logger) };
    }),
    runPostStartHooks: fromPromise<void, { runtime: Runtime; options: CompletedOptions; files: RuntimeFiles; logger: Log; serve(resource: ServedCustomResource): void }>(async ({ input }) => {
      const { runtime, options, logger } = input;
      // With --secure-port=0 the port is known only now: point the admin kubeconfig at it.
      if (options.raw.securePort === 0) await ensureCredentials(options.raw.dataDir, { bindAddress: options.raw.bindAddress, securePort: runtime.port });
      const store = storeOf(runtime);
      for (const hook of [...postStartHooks(store, { clusterIp: options.kubernetesServiceIp, port: runtime.port, endpointIp: endpointIpOf(options) }, options.raw.enablePriorityAndFairness), ...aggregatorHooks(runtime, input.files)]) {
        await hook.run();
        runtime.hooksDone.add(hook.name);
        logger.debug(`poststarthook/${hook.name} done`);
      }
      await serveStoredCustomResources(store(CRD_RESOURCE, CRD_GROUP), input.serve);
    }),
  },
  actions: {
    enterPhase: ({ context }, params: { phase: string }) => {
      const now = context.clock.now();
      const { phases, journal } = context.runtime;
      const final = params.phase === 'Stopped' || params.phase === 'Failed';
      journal.record({ actor: 'supervisor', from: phases.at(-1)?.phase ?? null, to: params.phase, status: final ? 'done' : 'active', cause: 'message', at: new Date(now).toISOString() });
      phases.push({ phase: params.phase, at: now });
      context.logger.info(`${params.phase} (+${now - context.runtime.startedAt} ms)`);
    },
    serveOwnPaths: ({ context, self, event }) => serveOwnPaths(context, self, event as HandleRequest),
    recordCrash: ({ context, event }) => {
      const { runtime, clock, logger } = context;
      const { id, error } = crashOf(event);
      const slot = runtime.children.find((c) => c.id === id);
      if (!slot) return;
      runtime.crashes++;
      slot.crashTimes.push(clock.now());
      const dead = slot.down();
      logger.error(`${id} crashed`, error);
      // Its open watches would otherwise hang: end them, and clients re-watch, as after any closed watch.
      if (dead && runtime.listener?.ref) runtime.listener.send({ type: 'stream.owner-down', owner: dead });
    },
    scheduleRestart: ({ context, event, self }) => {
      const { runtime, clock, logger } = context;
      const slot = runtime.children.find((c) => c.id === crashOf(event).id);
      if (!slot) return;
      const decision = decide(slot.id, slot.policy, slot.crashTimes, clock.now());
      if (decision.action !== 'restart') return logger.error(`${decision.reason}; not restarting it`);
      logger.warn(`restarting ${slot.id} in ${decision.delayMs} ms`);
      // Restart only once every write the dead incarnation appended is durable, so the new one loads them all.
      clock.setTimeout(() => (runtime.log ? runtime.log.whenDurable(() => self.send({ type: 'supervision.restart', id: slot.id })) : undefined), decision.delayMs);
    },
    escalate: assign(({ context, event }) => {
      const { id } = crashOf(event);
      const slot = context.runtime.children.find((c) => c.id === id);
      const decision = slot ? decide(id, slot.policy, slot.crashTimes, context.clock.now()) : undefined;
      const reason = decision?.action === 'escalate' ? decision.reason : `${id} crashed`;
      context.logger.error(`escalating: ${reason}`);
      return { error: context.error ?? reason };
    }),
    restartChild: assign(({ context, event, spawn, self }) => {
      const slot = context.runtime.children.find((c) => c.id === (event as RestartChild).id);
      if (slot && !slot.ref) {
        slot.up(spawnIncarnation(slot, spawn as never, self, context.clock), true);
        context.logger.info(`${slot.id} restarted (restart ${slot.restarts})`);
      }
      return {};
    }),
    serveCustomResource: assign(({ context, event, self, spawn }) => {
      const { runtime } = context;
      if (!runtime.shared || !runtime.log) return {};
      const before = runtime.shared.api.registry.groupVersions();
      serveCustomResource(runtime.shared.api, runtime.stores, (event as ServeCustomResource).resource, (id, kind, definitions) =>
        startCustomResourceStore(context, self, spawn as never, id, kind, definitions));
      localApiServices(runtime, before);
      rewatchControllers(runtime);
      return {};
    }),
    unserveCustomResource: ({ context, event }) => {
      const { runtime } = context;
      if (!runtime.shared) return;
      const before = runtime.shared.api.registry.groupVersions();
      unserveCustomResource(runtime.shared.api, runtime.stores, runtime.children, (event as UnserveCustomResource).name, context.clock, context.logger);
      localApiServices(runtime, before);
    },
    preShutdownHooksDone: ({ context }) => {
      context.runtime.preShutdownHooksDone = true;
    },
    killChild: ({ context, event }) => {
      context.runtime.children.find((c) => c.id === (event as KillChild).id)?.ref?.send(KILL);
    },
    secondSignal: assign(({ context, event }) => {
      const signal = (event as ShutdownSignal).signal;
      context.logger.warn(`[graceful-termination] received a second ${signal}: exiting without waiting`);
      return { error: context.error ?? `received a second ${signal} during shutdown` };
    }),
  },
  delays: {
    shutdownDelay: ({ context }) => context.options?.shutdownDelayMs ?? 0,
    watchTerminationGrace: ({ context }) => context.options?.shutdownWatchTerminationGraceMs ?? 0,
  },
  guards: {
    escalates: ({ context, event }) => {
      const { id } = crashOf(event);
      const slot = context.runtime.children.find((c) => c.id === id);
      return slot !== undefined && decide(id, slot.policy, [...slot.crashTimes, context.clock.now()], context.clock.now()).action === 'escalate';
    },
    listenerCrashed: ({ event }) => crashOf(event).id === 'listener',
    optionsValid: ({ event }) => !('errors' in (event as unknown as { output: object }).output),
  },
}).createMachine({
  id: 'supervisor',
  context: ({ input }) => ({
    raw: input.options,
    clock: input.clock,
    logger: input.logger,
    scheme: undefined,
    options: undefined,
    files: undefined,
    runtime: {
      log: undefined, children: [], stores: new Map(), listener: undefined, chain: undefined, crashes: 0, hooksDone: new Set(), hookNames: [], preShutdownHooksDone: false, port: 0,
      startedAt: input.clock.now(), phases: [], journal: new TransitionJournal(), metrics: input.metrics === false ? undefined : new ServerMetrics(), shared: undefined, controllersStopping: undefined,
    },
    counters: { handled: 0, errors: 0 },
    error: undefined,
    optionErrors: [],
  }),
  initial: 'RegisteringResources',
  on: {
    request: { actions: 'serveOwnPaths' },
    'xstate.error.actor.*': onChildCrash('.HTTPServerStoppedListening', undefined),
    'supervision.restart': { actions: 'restartChild' },
    'xstate.done.actor.pre-shutdown-hooks': { actions: 'preShutdownHooksDone' },
    'supervision.kill': { actions: 'killChild' },
    'inspect.transition': { actions: ({ context, event }) => context.runtime.journal.record(event.transition) },
    'stream.cancelled': { actions: ({ context, event }) => context.runtime.journal.forget(event.id) },
    'customresource.serve': { actions: 'serveCustomResource' },
    'customresource.unserve': { actions: 'unserveCustomResource' },
  },
  states: {
    RegisteringResources: {
      entry: [{ type: 'enterPhase', params: { phase: 'RegisteringResources' } }, assign({ scheme: ({ context }) => buildScheme(servedKinds(context.raw)) })],
      always: 'CompletingOptions',
    },
    CompletingOptions: {
      entry: { type: 'enterPhase', params: { phase: 'CompletingOptions' } },
      invoke: {
        src: 'completeOptions',
        input: ({ context }) => ({ raw: context.raw, scheme: context.scheme!, logger: context.logger }),
        onDone: [
          {
            guard: 'optionsValid',
            target: 'BuildingServerChain',
            actions: assign(({ context, event }) => {
              const output = event.output as { options: CompletedOptions; files: RuntimeFiles; log: RevisionLog };
              context.runtime.log = output.log;
              return { options: output.options, files: output.files };
            }),
          },
          {
            target: 'Failed',
            actions: assign(({ event }) => {
              const errors = (event.output as { errors: string[] }).errors;
              return { optionErrors: errors, error: errors.join('; ') };
            }),
          },
        ],
        onError: { target: 'Failed', actions: assign({ error: ({ event }) => String((event.error as Error)?.message ?? event.error) }) },
      },
      on: { 'shutdown.signal': 'Stopped' },
    },
    BuildingServerChain: {
      entry: [
        { type: 'enterPhase', params: { phase: 'BuildingServerChain' } },
        assign(({ context, self, spawn }) => {
          buildServerChain(context, self, spawn as never);
          return {};
        }),
      ],
      always: 'InstallingHealthChecks',
    },
    InstallingHealthChecks: {
      entry: [
        { type: 'enterPhase', params: { phase: 'InstallingHealthChecks' } },
        ({ context }) => {
          context.runtime.hookNames = [...postStartHooks(() => undefined, { clusterIp: '', port: 0, endpointIp: '' }, context.raw.enablePriorityAndFairness), ...aggregatorHooks(context.runtime, undefined)].map((h) => h.name);
        },
      ],
      always: 'Listening',
    },
    Listening: {
      entry: [
        { type: 'enterPhase', params: { phase: 'Listening' } },
        assign(({ context, self, spawn }) => {
          const { runtime, clock } = context;
          const [listener] = startChildren(wiringOf(context, self), spawn as never, LISTENING);
          runtime.listener = listener;
          if (runtime.metrics) registerCollectors(runtime.metrics, {
            stores: runtime.stores,
            listener: listener!,
            apf: runtime.children.find((c) => c.id === 'apf'),
            authn: runtime.children.find((c) => c.id === 'authn')!,
            audit: runtime.children.find((c) => c.id === 'audit'),
            actors: () => actorTree(context, self),
            now: () => clock.now(),
          });
          return {};
        }),
      ],
      on: {
        'listener.listening': {
          target: 'RunningPostStartHooks',
          actions: ({ context, event }) => {
            context.runtime.port = event.port;
          },
        },
        'listener.failed': {
          target: 'HTTPServerStoppedListening',
          actions: assign({ error: ({ event, context }) => `${event.error} (${context.raw.bindAddress}:${context.raw.securePort})` }),
        },
        'shutdown.signal': 'HTTPServerStoppedListening',
      },
    },
    RunningPostStartHooks: {
      entry: { type: 'enterPhase', params: { phase: 'RunningPostStartHooks' } },
      invoke: {
        src: 'runPostStartHooks',
        input: ({ context, self }) => ({
          runtime: context.runtime, options: context.options!, files: context.files!, logger: context.logger,
          serve: (resource: ServedCustomResource) => self.send({ type: 'customresource.serve', resource }),
        }),
        onDone: 'Ready',
        onError: {
          target: 'HTTPServerStoppedListening',
          actions: assign({ error: ({ event }) => `post-start hook failed: ${String((event.error as Error)?.message ?? event.error)}` }),
        },
      },
      on: {
        'shutdown.signal': 'HTTPServerStoppedListening',
        // A child past its restart limit before the server is ready: the hooks waiting on it never finish.
        'xstate.error.actor.*': onChildCrash('HTTPServerStoppedListening', 'HTTPServerStoppedListening'),
      },
    },
    Ready: {
      tags: ['HasBeenReady', 'MuxAndDiscoveryComplete'],
      entry: [
        { type: 'enterPhase', params: { phase: 'Ready' } },
        assign(({ context, self, spawn }) => {
          startChildren(wiringOf(context, self), spawn as never, READY);
          return {};
        }),
      ],
      on: {
        'leader.elected': {
          actions: assign(({ context, self, spawn }) => {
            const stopping = context.runtime.controllersStopping;
            // The last term's controllers are still stopping: start this term's once they are gone.
            if (stopping) void stopping.then(() => self.send({ type: 'leader.elected', identity: '' }));
            else startChildren(wiringOf(context, self), spawn as never, [controllers]);
            return {};
          }),
        },
        'leader.lost': { actions: ({ context }) => stopControllers(context.runtime, context.clock, context.logger) },
        'shutdown.signal': 'ShutdownInitiated',
        'xstate.error.actor.*': onChildCrash('HTTPServerStoppedListening', 'ShutdownInitiated'),
      },
    },
    ShutdownInitiated: {
      tags: ['HasBeenReady', 'shutting-down'],
      entry: [
        { type: 'enterPhase', params: { phase: 'ShutdownInitiated' } },
        ({ context }) => context.logger.info(`[graceful-termination] shutdown initiated; serving for --shutdown-delay-duration=${context.raw.shutdownDelayDuration}`),
        spawnChild('runPreShutdownHooks', {
          id: 'pre-shutdown-hooks',
          input: ({ context }: { context: SupervisorContext }) => ({ runtime: context.runtime, options: context.options!, logger: context.logger }),
        }),
      ],
      after: { shutdownDelay: 'AfterShutdownDelayDuration' },
      on: { 'shutdown.signal': { target: 'HTTPServerStoppedListening', actions: 'secondSignal' } },
    },
    // Still serving: the listener stops accepting only once the pre-shutdown hooks are done too.
    AfterShutdownDelayDuration: {
      tags: ['HasBeenReady', 'shutting-down'],
      entry: { type: 'enterPhase', params: { phase: 'AfterShutdownDelayDuration' } },
      always: { guard: ({ context }) => context.runtime.preShutdownHooksDone, target: 'NotAcceptingNewRequest' },
      on: { 'shutdown.signal': { target: 'HTTPServerStoppedListening', actions: 'secondSignal' } },
    },
    NotAcceptingNewRequest: {
      tags: ['HasBeenReady', 'shutting-down'],
      entry: [
        { type: 'enterPhase', params: { phase: 'NotAcceptingNewRequest' } },
        ({ context }) => context.runtime.listener?.send({ type: 'listener.stop-accepting', sendRetryAfter: context.raw.shutdownSendRetryAfter }),
      ],
      on: {
        'listener.drained': 'InFlightRequestsDrained',
        'shutdown.signal': { target: 'HTTPServerStoppedListening', actions: 'secondSignal' },
      },
    },
    InFlightRequestsDrained: {
      tags: ['HasBeenReady', 'shutting-down'],
      entry: [
        { type: 'enterPhase', params: { phase: 'InFlightRequestsDrained' } },
        // Every audited request has been answered: its events reach the log now.
        ({ context }) => context.runtime.children.find((c) => c.id === 'audit')?.send({ type: 'audit.flush' }),
      ],
      // Open watches keep streaming through --shutdown-watch-termination-grace-period.
      after: { watchTerminationGrace: 'HTTPServerStoppedListening' },
      on: { 'shutdown.signal': { target: 'HTTPServerStoppedListening', actions: 'secondSignal' } },
    },
    HTTPServerStoppedListening: {
      tags: ['shutting-down'],
      entry: { type: 'enterPhase', params: { phase: 'HTTPServerStoppedListening' } },
      invoke: {
        src: 'stopChildren',
        input: ({ context }) => ({ runtime: context.runtime, clock: context.clock, logger: context.logger }),
        onDone: [{ guard: ({ context }) => context.error !== undefined, target: 'Failed' }, { target: 'Stopped' }],
        onError: { target: 'Failed', actions: assign({ error: ({ event }) => `stopping children failed: ${String(event.error)}` }) },
      },
      on: {
        // Children are already being stopped; a crash now changes nothing but the record.
        'xstate.error.actor.*': { actions: 'recordCrash' },
        'customresource.serve': {},
        'customresource.unserve': {},
        'shutdown.signal': { actions: ({ context }) => context.logger.warn('[graceful-termination] already stopping') },
      },
    },
    Stopped: {
      type: 'final',
      entry: { type: 'enterPhase', params: { phase: 'Stopped' } },
    },
    Failed: {
      type: 'final',
      entry: [{ type: 'enterPhase', params: { phase: 'Failed' } }, ({ context }) => context.logger.error(`kubeactor failed: ${context.error}`)],
    },
  },
});

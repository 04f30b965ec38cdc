// The supervisor: kube-apiserver's Run(), as states. It owns every other actor.
//
// Startup, in kube-apiserver's order:
//   RegisteringResources      the scheme: every kind described in scheme/kinds
//   CompletingOptions         Complete() + Validate(); credentials in --data-dir
//   BuildingServerChain       storage, stores, compactor, pod terminator, admission, eviction,
//                             aggregator, authz, audit, authn, crd-controller
//                             (custom resources' stores start and stop later, as the CRD
//                             controller sends customresource.serve / unserve)
//                             (apiextensions → kube → aggregator, by delegation)
//   InstallingHealthChecks    PrepareRun(): healthz, livez, readyz
//   Listening                 the listener binds --bind-address:--secure-port
//   RunningPostStartHooks     poststarthook/* (system namespaces, kubernetes Service, RBAC),
//                             then every established CRD in storage is served
//   Ready                     HasBeenReady, MuxAndDiscoveryComplete; the built-in controllers
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

import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { setup, fromPromise, assign, spawnChild, type AnyActorRef, type AnyStateMachine } from 'xstate';
import type { HandleRequest, RequestHandler } from '../../protocol/messages/request.js';
import type { ActorCounters, ActorRecord, ActorTransitioned, ListenerDrained, ListenerFailed, ListenerListening } from '../../protocol/messages/lifecycle.js';
import type { StreamCancelled } from '../../protocol/messages/http.js';
import { jsonResponse, statusResponse, textResponse } from '../../protocol/messages/http.js';
import { internalError, resourceNotFound } from '../../protocol/kube/status.js';
import type { Clock } from '../../lib/clock.js';
import { DEBUG_LEVEL, type Log } from '../../lib/log.js';
import { serveSafely } from '../../lib/serve-safely.js';
import { buildScheme, type Scheme } from '../../scheme/scheme.js';
import { allKinds, builtinKinds, isGeneralAvailability } from '../../scheme/kinds/index.js';
import { selectKinds } from '../../scheme/runtime-config.js';
import { definitions } from '../../scheme/definitions.js';
import { storeMachine, terminateStore } from '../store/store-machine.js';
import { serveComponentStatuses, type Components } from './component-status.js';
import { apfMachine, FLOWCONTROL_GROUP, terminateApf } from '../apf/apf-machine.js';
import { storeWorkload } from '../apf/workload.js';
import { openSqliteLog } from '../store/sqlite-log.js';
import { openEtcdLogWhenReachable } from '../store/etcd-log.js';
import { storageKeyPrefix, type KindDescription } from '../../scheme/kind-description.js';
import type { RevisionLog } from '../store/revision-log.js';
import { admissionMachine, terminateAdmission } from '../admission/admission-machine.js';
import { subjectAccessReview } from '../admission/authorize.js';
import type { AuthorizationAttributes } from '../admission/plugin.js';
import type { UserInfo } from '../../protocol/kube/meta.js';
import { compactorMachine } from '../compactor/compactor-machine.js';
import { CONTROLLER_RESTART_POLICY, type ControllerInput } from '../controllers/controller.js';
import { CONTROLLER_MANAGER_USER } from '../controllers/policy.js';
import { leaderElectionMachine, type LeaderElected, type LeaderElectionInput, type LeaderLost } from '../leader-election/leader-election-machine.js';
import { ClusterClient } from '../../lib/loopback.js';
import { podTerminatorMachine, terminatePodTerminator } from '../pod-terminator/pod-terminator-machine.js';
import { authzMachine } from '../authz/authz-machine.js';
import { evictionMachine } from '../eviction/eviction-machine.js';
import { authnMachine } from '../authn/authn-machine.js';
import { authenticatorsOf } from './authenticators.js';
import { authorizersOf } from './authorizers.js';
import { auditMachine, terminateAudit } from '../audit/audit-machine.js';
import { apiExtensions, serveCustomResource, serveStoredCustomResources, storeKey, unserveCustomResource, type ApiExtensions } from './custom-resources.js';
import { webhookClientFor } from '../admission/webhook/shared.js';
import { serviceEndpointsView } from '../apiextensions/service-endpoints.js';
import { crdControllerMachine, terminateCrdController, type CrdControllerInput } from '../crd-controller/crd-controller.js';
import type { CustomResourceMessage, ServeCustomResource, UnserveCustomResource } from '../../protocol/messages/custom-resources.js';
import type { ServedCustomResource } from '../../scheme/custom/custom-resource-kind.js';
import { CRD_GROUP, CRD_RESOURCE } from '../../scheme/custom/crd.js';
import type { Definitions } from '../../scheme/schema.js';
import { aggregatorMachine, servesPath, terminateAggregator, type Subscribable } from '../aggregator/aggregator-machine.js';
import { RemoteRoutes } from '../aggregator/routes.js';
import { APIREGISTRATION } from '../aggregator/apiservices.js';
import { publishAuthenticationInfo } from '../aggregator/authentication-info.js';
import { proxyMachine, terminateProxy } from '../proxy/proxy-machine.js';
import { Upstreams } from '../proxy/upstream.js';
import { autoregisterMachine, terminateAutoregister } from '../autoregister/autoregister-machine.js';
import { availabilityController } from '../apiservice-availability/availability-controller.js';
import { ServerMetrics } from '../../lib/metrics.js';
import { frontendOf, registerCollectors, renderSlis, withStorageMetrics } from './metrics.js';
import { cpuProfile, heapSnapshot, PPROF_PATHS, profileSeconds } from './profiling.js';
import { listenerMachine, terminateListener } from '../listener/listener-machine.js';
import type { TransportChoice } from '../listener/transport.js';
import { watchRequested } from '../listener/request-info.js';
import { completeAndValidate, type CompletedOptions, type ServerRunOptions } from './options.js';
import { prepareRuntimeFiles, RuntimeFileError, type RuntimeFiles } from './runtime-files.js';
import { dataDirCa, ensureCredentials } from './pki.js';
import { aggregatorServer, apiExtensionsServer, chainRouter, describeServerChain, kubeServer } from './server-chain.js';
import { renderHealth, type HealthCheck } from './health.js';
import { postStartHooks, preShutdownHooks, type PostStartHook } from './bootstrap.js';
import { recordOf, senseTransitions, TransitionJournal } from './inspect.js';
import { ACTORS_UI } from './inspect-ui.js';
import { ChildSlot, decide, ESCALATE, KILL, supervised, PERMANENT, type Terminate } from './supervision.js';

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

/** The supervisor's own mutable record of what it started, in start order. */
interface Runtime {
  log: RevisionLog | undefined;
  /** Every long-lived child, in start order. */
  children: ChildSlot[];
  stores: Map<string, ChildSlot>;
  listener: ChildSlot | undefined;
  /** Where authn hands an authenticated request: audit when on, else authz. Controllers' requests enter here. */
  chain: ChildSlot | undefined;
  crashes: number;
  hooksDone: Set<string>;
  hookNames: string[];
  preShutdownHooksDone: boolean;
  port: number;
  startedAt: number;
  phases: { phase: string; at: number }[];
  journal: TransitionJournal;
  /** /metrics: the listener counts requests into it; the rest is read from the actors at scrape time. Absent when turned off. */
  metrics: ServerMetrics | undefined;
  /** The custom resources served now, and what serving one takes (custom-resources.ts). */
  apiextensions: ApiExtensions | undefined;
  /** The proxy's HTTPS client, shared by the aggregator's discovery fetches and the availability checks. */
  upstreams: Upstreams | undefined;
  /** The controllers being stopped after a lost election: a new term starts them once they are gone. */
  controllersStopping: Promise<void> | undefined;
}

interface SupervisorContext {
  raw: ServerRunOptions;
  clock: Clock;
  logger: Log;
  scheme: Scheme | undefined;
  options: CompletedOptions | undefined;
  files: RuntimeFiles | undefined;
  runtime: Runtime;
  counters: ActorCounters;
  error: string | undefined;
  optionErrors: string[];
}

const endpointIpOf = (options: CompletedOptions): string =>
  options.raw.bindAddress === '0.0.0.0' || options.raw.bindAddress === '' ? '127.0.0.1' : options.raw.bindAddress;


type Spawn = (machine: never, options: never) => AnyActorRef;

function spawnIncarnation(slot: ChildSlot, spawn: Spawn, self: AnyActorRef, clock: Clock): AnyActorRef {
  const ref = spawn(supervised(slot.machine, slot.terminate) as never, { id: slot.id, systemId: slot.id, input: slot.input } as never);
  senseTransitions(slot.id, ref, clock, (message) => self.send(message));
  return ref;
}

/**
 * The kinds a store actor serves, each over its own key prefix of the revision log. A resource served
 * in several versions (autoscaling/v1 and v2 horizontalpodautoscalers) has one store, at the version
 * discovery prefers, as kube keeps one storage version.
 */
function storedKindsOf(scheme: Scheme): KindDescription[] {
  const seen = new Set<string>();
  const kept = builtinKinds.filter((k) => KEPT_BY_THE_SERVER.has(storeKey(k.plural, k.group)));
  return [...scheme.kinds, ...kept].filter((k) => {
    if (k.servedBy !== 'store' || k.answeredByStoreOf || seen.has(storeKey(k.plural, k.group))) return false;
    seen.add(storeKey(k.plural, k.group));
    return true;
  });
}

/**
 * What the server keeps for itself, served or not: its system namespaces, the kubernetes Service and
 * Endpoints, and the RBAC objects its authorizer reads (--runtime-config may turn their APIs off).
 */
const KEPT_BY_THE_SERVER = new Set(['namespaces', 'services', 'endpoints', ...['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'].map((p) => `${p}.rbac.authorization.k8s.io`)]);

/** The kinds --runtime-config serves; an invalid value leaves the defaults here and fails in CompletingOptions. */
function servedKinds(raw: ServerRunOptions): readonly KindDescription[] {
  const served = selectKinds(raw.runtimeConfig, allKinds, isGeneralAvailability);
  return 'kinds' in served ? served.kinds : builtinKinds;
}

/** Where kubeactor kept a kind's objects before it used kube-apiserver's key layout. */
const firstLayoutPrefix = (kind: KindDescription): string => `/registry/${kind.group ? `${kind.group}/` : ''}${kind.plural}/`;

/** kube-apiserver's storage factory, in Complete(): the revision log of --storage-backend, reachable. */
async function openLog(options: CompletedOptions, files: RuntimeFiles, scheme: Scheme, logger: Log): Promise<RevisionLog> {
  const { raw } = options;
  if (raw.storageBackend === 'etcd3') return openEtcdLogWhenReachable({ servers: raw.etcdServers, tls: options.etcdTls, logger: logger.getSubLogger({ name: 'etcd' }) });
  return openSqliteLog(files.databasePath, storedKindsOf(scheme).map((kind) => ({ from: firstLayoutPrefix(kind), to: storageKeyPrefix(kind, raw.etcdPrefix) })));
}

function spawnChildren(context: SupervisorContext, self: AnyActorRef, spawn: Spawn): void {
  const { runtime, options, files, scheme, clock, logger } = context;
  const storedKinds = storedKindsOf(scheme!);
  const log = runtime.log!;
  const start = (id: string, machine: AnyStateMachine, input: unknown, terminate?: Terminate): ChildSlot => {
    const slot = new ChildSlot(id, machine, input, PERMANENT, undefined, terminate);
    slot.up(spawnIncarnation(slot, spawn, self, clock), false);
    runtime.children.push(slot);
    return slot;
  };
  for (const kind of storedKinds) {
    const id = `store/${storeKey(kind.plural, kind.group)}`;
    runtime.stores.set(storeKey(kind.plural, kind.group), start(id, storeMachine, { kind, definitions, log: withStorageMetrics(log, runtime.metrics, storeKey(kind.plural, kind.group), () => clock.now()), etcdPrefix: options!.raw.etcdPrefix, serviceClusterIpRange: options!.raw.serviceClusterIpRange, serviceNodePortRange: options!.raw.serviceNodePortRange, clock, logger: logger.getSubLogger({ name: id }) }, terminateStore as Terminate));
  }
  if (options!.compactionIntervalMs > 0) {
    start('compactor', compactorMachine, { log, intervalMs: options!.compactionIntervalMs, clock, logger: logger.getSubLogger({ name: 'compactor' }) });
  }
  const store = (plural: string, group: string): RequestHandler | undefined => runtime.stores.get(storeKey(plural, group));
  const pods = store('pods', '');
  if (pods) start('pod-terminator', podTerminatorMachine, { pods, clock, logger: logger.getSubLogger({ name: 'pod-terminator' }) }, terminatePodTerminator as Terminate);
  // The chain needs authn and authz, which need the chain (and admission asks authz): route through late-bound handles.
  const late: { authn?: ChildSlot; authz?: ChildSlot; apf?: ChildSlot } = {};
  const admission = start('admission', admissionMachine, {
    plugins: options!.admissionPlugins,
    configs: options!.admissionConfigs,
    store,
    kindOf: (group: string, version: string, plural: string) => {
      const kind = scheme!.byResource(group, version, plural);
      return kind && { group: kind.group, version: kind.version, kind: kind.kind };
    },
    authorize: (user: UserInfo, attributes: AuthorizationAttributes) => subjectAccessReview(late.authz!, user, attributes),
    resourceFor: (group: string, version: string, kind: string) => scheme!.byKind(group, version, kind)?.plural,
    metrics: runtime.metrics?.admission,
    clock,
    logger: logger.getSubLogger({ name: 'admission' }),
  }, terminateAdmission as Terminate);
  const eviction = pods ? start('eviction', evictionMachine, { pods, budgets: store('poddisruptionbudgets', 'policy'), logger: logger.getSubLogger({ name: 'eviction' }) }) : undefined;
  const api = apiExtensions(scheme!, definitions, `${options!.raw.bindAddress}:${options!.raw.securePort}`, () => aggregator);
  runtime.apiextensions = api;
  // kube-aggregator: the remote APIServices' routes (written by the aggregator, read by the router and the proxy).
  const routes = new RemoteRoutes();
  const upstreams = (runtime.upstreams = new Upstreams(files!.frontProxy));
  const watched = ['apiservices', 'services', 'endpoints', 'endpointslices'].map((plural, i) => runtime.stores.get(storeKey(plural, i === 0 ? APIREGISTRATION : i === 3 ? 'discovery.k8s.io' : ''))).filter((s): s is ChildSlot => !!s);
  const aggregator = start('aggregator', aggregatorMachine, { documents: api.documents, scheme: api.scheme, routes, upstreams, stores: watched as Subscribable[], discoveryRefreshMs: options!.raw.aggregatorDiscoveryRefreshMs, clock, logger: logger.getSubLogger({ name: 'aggregator' }) }, terminateAggregator as Terminate);
  const proxy = start('proxy', proxyMachine, { routes, upstreams, requestTimeoutMs: options!.requestTimeoutMs, clock, logger: logger.getSubLogger({ name: 'proxy' }) }, terminateProxy as Terminate);
  const apiServices = store('apiservices', APIREGISTRATION);
  if (apiServices) {
    const groupVersions = scheme!.groups.flatMap((group) => scheme!.versionsOf(group).map((version) => ({ group, version })));
    start('autoregister', autoregisterMachine, { store: apiServices, groupVersions, clock, logger: logger.getSubLogger({ name: 'autoregister' }) }, terminateAutoregister as Terminate);
  }
  // One pool of webhook connections for the server: admission webhooks, CRD conversion, token and authorization webhooks.
  const webhookClient = webhookClientFor(clock);
  const router = chainRouter([
    aggregatorServer(aggregator, proxy, (path) => servesPath(api.documents, path), routes),
    kubeServer(scheme!, {
      store,
      authn: { send: (m) => late.authn!.send(m) },
      authz: { send: (m) => late.authz!.send(m) },
      supervisor: self,
      ...(eviction ? { eviction } : {}),
      ...(options!.raw.enablePriorityAndFairness ? { apf: { send: (m) => late.apf!.send(m) } } : {}),
    }),
    apiExtensionsServer(api.registry, store, webhookClient, serviceEndpointsView((plural, group) => runtime.stores.get(storeKey(plural, group)) as Subscribable | undefined)),
  ]);
  const rbac = 'rbac.authorization.k8s.io';
  late.authz = start('authz', authzMachine, {
    ...authorizersOf(options!, files!, (plural, group) => runtime.stores.get(storeKey(plural, group)), clock, logger.getSubLogger({ name: 'authz' }), webhookClient),
    router,
    admission,
    rbacStores: {
      roles: store('roles', rbac), clusterroles: store('clusterroles', rbac),
      rolebindings: store('rolebindings', rbac), clusterrolebindings: store('clusterrolebindings', rbac),
    },
    logger: logger.getSubLogger({ name: 'authz' }),
  });
  // kube's priority and fairness filter runs after authentication and audit, before authorization.
  const flowcontrol = FLOWCONTROL_GROUP;
  const apf = options!.raw.enablePriorityAndFairness
    ? start('apf', apfMachine, {
      serverConcurrencyLimit: options!.raw.maxRequestsInflight + options!.raw.maxMutatingRequestsInflight,
      queueWaitLimitMs: options!.requestTimeoutMs / 4,
      next: late.authz,
      stores: { flowschemas: store('flowschemas', flowcontrol), prioritylevelconfigurations: store('prioritylevelconfigurations', flowcontrol) },
      workload: storeWorkload((plural, group) => runtime.stores.get(storeKey(plural, group))),
      // The exempt requests authn sends past apf (no audit between them) are their level's seat demand: the listener holds them.
      exemptInFlight: options!.audit ? undefined : () => (runtime.listener ? frontendOf(runtime.listener)?.exemptInFlight() : undefined),
      clock,
      logger: logger.getSubLogger({ name: 'apf' }),
    }, terminateApf as Terminate)
    : undefined;
  late.apf = apf;
  const afterAuthentication = apf ?? late.authz;
  // kube's audit filter runs right after authentication: with a policy, authn hands requests to it.
  const audit = options!.audit
    ? start('audit', auditMachine, { ...options!.audit, next: afterAuthentication, clock, logger: logger.getSubLogger({ name: 'audit' }) }, terminateAudit as Terminate)
    : undefined;
  runtime.chain = audit ?? afterAuthentication;
  late.authn = start('authn', authnMachine, {
    tokens: files!.tokens, clock, x509: files!.clientCa?.authenticator, next: audit ?? afterAuthentication,
    // With no audit between them, exempt requests skip the hop through apf (kube's filter passes them at once).
    flowControl: apf && !audit ? { apf, authorize: late.authz } : undefined,
    ...authenticatorsOf(options!, files!, (plural, group) => runtime.stores.get(storeKey(plural, group)), clock, () => `https://${options!.raw.bindAddress}:${runtime.port}`, logger.getSubLogger({ name: 'authn' }), webhookClient),
    logger: logger.getSubLogger({ name: 'authn' }),
  });
  // apiextensions-apiserver's controllers run inside the server, from its start.
  const crdInput: CrdControllerInput = {
    ...controllerInput(context, 'crd-controller', new ClusterClient(runtime.chain, LOOPBACK_CONTROLLER_USER)),
    scheme: api.scheme,
    supervisor: self,
  };
  const crdController = new ChildSlot('crd-controller', crdControllerMachine, crdInput, CONTROLLER_RESTART_POLICY, undefined, terminateCrdController as Terminate);
  crdController.up(spawnIncarnation(crdController, spawn, self, clock), false);
  runtime.children.push(crdController);
}

/** kube's CRD registration controller: autoregister keeps a Local APIService for each custom resource group version served. */
function localApiServices(runtime: Runtime, before: readonly string[]): void {
  const autoregister = runtime.children.find((c) => c.id === 'autoregister');
  if (!autoregister || !runtime.apiextensions) return;
  const after = runtime.apiextensions.registry.groupVersions();
  const split = (gv: string): { group: string; version: string } => ({ group: gv.slice(0, gv.lastIndexOf('/')), version: gv.slice(gv.lastIndexOf('/') + 1) });
  for (const gv of after) if (!before.includes(gv)) autoregister.send({ type: 'apiservice.local.add', ...split(gv) });
  for (const gv of before) if (!after.includes(gv)) autoregister.send({ type: 'apiservice.local.remove', ...split(gv) });
}

/** The served kinds changed: controllers that watch every kind (the garbage collector) subscribe to the new ones. */
function rewatchControllers(runtime: Runtime): void {
  for (const slot of runtime.children) if (isController(slot)) slot.send({ type: 'reconciler.rewatch' });
}

/** The user kube's apiextensions controllers act as (its loopback client's). */
const LOOPBACK_CONTROLLER_USER = { username: 'system:apiserver', groups: ['system:masters', 'system:authenticated'] };

/** What a controller is given (ControllerInput), for one named `name` acting as `client`'s user. */
function controllerInput(context: SupervisorContext, name: string, client: ClusterClient): ControllerInput {
  const { runtime, options, files, scheme, clock, logger } = context;
  return {
    name,
    scheme: runtime.apiextensions?.scheme ?? scheme!,
    store: (plural, group) => runtime.stores.get(storeKey(plural, group)),
    client,
    caPem: files!.caPem,
    serviceAccountKey: files!.serviceAccountKey,
    clusterSigning: {
      ...(options!.raw.clusterSigningCertFile ? { certFile: options!.raw.clusterSigningCertFile, keyFile: options!.raw.clusterSigningKeyFile! } : dataDirCa(files!.dataDir)),
      durationMs: options!.clusterSigningDurationMs,
    },
    clock,
    logger: logger.getSubLogger({ name: name === 'crd-controller' ? name : `controller/${name}` }),
  };
}

/** kube-aggregator's own controller runs in every API server, from Ready, whatever --controllers and the election say. */
function startAggregatorControllers(context: SupervisorContext, self: AnyActorRef, spawn: Spawn): void {
  const { runtime, clock } = context;
  if (!runtime.upstreams) return;
  const controller = availabilityController(runtime.upstreams);
  const slot = new ChildSlot(`${CONTROLLER_PREFIX}${controller.name}`, controller.machine, controllerInput(context, controller.name, new ClusterClient(runtime.chain!, controller.user)), CONTROLLER_RESTART_POLICY, undefined, controller.terminate as Terminate | undefined);
  slot.up(spawnIncarnation(slot, spawn, self, clock), false);
  runtime.children.push(slot);
}

/** A custom resource's store: like a built-in kind's, over `/registry/<group>/<plural>/`. */
function startCustomResourceStore(context: SupervisorContext, self: AnyActorRef, spawn: Spawn, id: string, kind: KindDescription, definitions: Definitions): ChildSlot {
  const { runtime, options, clock, logger } = context;
  const input = { kind, definitions, log: withStorageMetrics(runtime.log!, runtime.metrics, storeKey(kind.plural, kind.group), () => clock.now()), etcdPrefix: options!.raw.etcdPrefix, clock, logger: logger.getSubLogger({ name: id }) };
  const slot = new ChildSlot(id, storeMachine, input, PERMANENT, undefined, terminateStore as Terminate);
  slot.up(spawnIncarnation(slot, spawn, self, clock), false);
  runtime.children.push(slot);
  return slot;
}

/**
 * kube-controller-manager's StartControllers: each enabled controller is a child like any other
 * (supervised, restarted with backoff, in /debug/actors as controller/<name>), started once the
 * server is ready, so its first requests find the bootstrap policy in place.
 */
function startControllers(context: SupervisorContext, self: AnyActorRef, spawn: Spawn): void {
  const { runtime, options, files, scheme, clock, logger } = context;
  if (options!.controllers.length === 0 || runtime.children.some(isController)) return;
  for (const controller of options!.controllers) {
    const id = `controller/${controller.name}`;
    const input = controllerInput(context, controller.name, new ClusterClient(runtime.chain!, controller.user));
    const slot = new ChildSlot(id, controller.machine, input, CONTROLLER_RESTART_POLICY, undefined, controller.terminate as Terminate | undefined);
    slot.up(spawnIncarnation(slot, spawn, self, clock), false);
    runtime.children.push(slot);
  }
}

/**
 * kube-aggregator's post-start hooks: the extension-apiserver-authentication ConfigMap
 * (start-cluster-authentication-info-controller), and every Local APIService in place
 * (apiservice-registration-controller, which kube's readyz calls autoregister-completion).
 */
function aggregatorHooks(runtime: Runtime, files: RuntimeFiles | undefined): PostStartHook[] {
  return [
    {
      name: 'start-cluster-authentication-info-controller',
      run: () => publishAuthenticationInfo(runtime.stores.get('configmaps'), { clientCaPem: files?.clientCa?.pem, requestHeaderCaPem: files?.frontProxy.requestHeaderCaPem }),
    },
    {
      name: 'apiservice-registration-controller',
      run: () => new Promise<void>((resolve) => {
        const autoregister = runtime.children.find((c) => c.id === 'autoregister');
        if (!autoregister) return resolve();
        autoregister.send({ type: 'autoregister.await-synced', replyTo: { send: () => resolve() } });
      }),
    },
  ];
}

const CONTROLLER_PREFIX = 'controller/';
const AGGREGATOR_CONTROLLER_PREFIX = `${CONTROLLER_PREFIX}apiservice-`;
/** kube-controller-manager's controllers (the ones the election governs), not kube-aggregator's. */
const isController = (slot: ChildSlot): boolean => slot.id.startsWith(CONTROLLER_PREFIX) && !slot.id.startsWith(AGGREGATOR_CONTROLLER_PREFIX);

/**
 * kube-controller-manager's --leader-elect: the controllers start when this process is elected (now,
 * without it). The leader-election child reports `leader.elected` and `leader.lost` to the supervisor.
 */
function startLeaderElectionOrControllers(context: SupervisorContext, self: AnyActorRef, spawn: Spawn): void {
  const { runtime, options, clock, logger } = context;
  const election = options!.leaderElection;
  if (!election || options!.controllers.length === 0) return startControllers(context, self, spawn);
  const input: LeaderElectionInput = {
    config: { ...election, identity: `${hostname()}_${randomUUID()}` },
    client: new ClusterClient(runtime.chain!, { username: CONTROLLER_MANAGER_USER, groups: ['system:authenticated'] }),
    parent: self,
    clock,
    logger: logger.getSubLogger({ name: 'leader-election' }),
  };
  const slot = new ChildSlot('leader-election', leaderElectionMachine, input, PERMANENT);
  slot.up(spawnIncarnation(slot, spawn, self, clock), false);
  runtime.children.push(slot);
}

/** A lost election: the controllers stop (kube exits the process; this one stays a candidate). */
function stopControllers(context: SupervisorContext): void {
  const { runtime, clock, logger } = context;
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

/** kube's informer-sync, for stores: those not serving from a loaded cache (down, or still Loading after a (re)start). */
function unsyncedStores(runtime: Runtime): string | undefined {
  const unsynced = [...runtime.stores.values()].filter((slot) => !slot.ref || (slot.ref.getSnapshot() as { value: unknown }).value === 'Loading').map((slot) => slot.id);
  return unsynced.length > 0 ? `not synced: ${unsynced.join(', ')}` : undefined;
}

function healthChecks(context: SupervisorContext, shuttingDown: () => boolean): Record<'livez' | 'readyz', HealthCheck[]> {
  const { runtime } = context;
  const hooks = runtime.hookNames.map((name) => ({
    name: `poststarthook/${name}`,
    check: () => (runtime.hooksDone.has(name) ? undefined : 'not finished'),
  }));
  const base: HealthCheck[] = [
    { name: 'ping', check: () => undefined },
    { name: 'log', check: () => undefined },
    { name: 'etcd', check: () => runtime.log?.check() },
  ];
  return {
    livez: [...base, ...hooks],
    readyz: [...base, { name: 'etcd-readiness', check: () => runtime.log?.check() }, { name: 'informer-sync', check: () => unsyncedStores(runtime) }, ...hooks, { name: 'shutdown', check: () => (shuttingDown() ? 'process is shutting down' : undefined) }],
  };
}

/** What componentstatuses reports on: the storage servers and whether the controllers run here. */
function componentsOf(context: SupervisorContext): Components {
  const { raw, controllers } = context.options!;
  const check = (): string | undefined => context.runtime.log?.check();
  const servers = raw.storageBackend === 'etcd3' ? raw.etcdServers.length : 1;
  return { storage: Array.from({ length: servers }, () => check), controllersRunning: controllers.length > 0 };
}

function serveOwnPaths(context: SupervisorContext, self: AnyActorRef, event: HandleRequest): void {
  const { request } = event;
  serveSafely(request, context.counters, context.logger, () => {
    if (request.info.isResourceRequest) return serveComponentStatuses(request, context.scheme!.byResource('', 'v1', 'componentstatuses')!, componentsOf(context));
    const path = request.info.path;
    if (path === '/debug/actors') {
      if (watchRequested(request.query)) return context.runtime.journal.watch(request, self, actorTree(context, self));
      const actors = actorTree(context, self);
      request.replyTo.send(jsonResponse(request.id, 200, { kind: 'ActorTree', apiVersion: 'kubeactor.dev/v1alpha1', actors, serverChain: describeServerChain(actors.map((a) => a.id)) }));
      return;
    }
    const metrics = context.runtime.metrics;
    if (path === '/metrics' && metrics) {
      void metrics.render().then(
        (text) => request.replyTo.send(textResponse(request.id, 200, text, { 'content-type': metrics.contentType })),
        (e: unknown) => request.replyTo.send(statusResponse(request.id, internalError(e instanceof Error ? e.message : String(e)))),
      );
      return;
    }
    if (path === '/metrics/slis' && metrics) {
      const snapshot = self.getSnapshot() as { hasTag(tag: string): boolean };
      const checks = healthChecks(context, () => snapshot.hasTag('shutting-down'));
      request.replyTo.send(textResponse(request.id, 200, renderSlis(metrics, checks), { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }));
      return;
    }
    if (path === '/metrics' || path === '/metrics/slis') return request.replyTo.send(statusResponse(request.id, resourceNotFound()));
    if (PPROF_PATHS.test(path)) return serveProfile(context, request);
    if (path === '/debug/actors/ui') {
      request.replyTo.send(textResponse(request.id, 200, ACTORS_UI, { 'content-type': 'text/html; charset=utf-8' }));
      return;
    }
    const endpoint = (path.split('/')[1] ?? '') as 'healthz' | 'livez' | 'readyz';
    const snapshot = self.getSnapshot() as { hasTag(tag: string): boolean };
    const checks = healthChecks(context, () => snapshot.hasTag('shutting-down'));
    const excludes = new URLSearchParams(Object.entries(request.query)).getAll('exclude');
    const rawExcludes = request.query.exclude !== undefined ? (excludes.length ? excludes : [request.query.exclude]) : [];
    const result = renderHealth(endpoint, path, request.query, rawExcludes, endpoint === 'readyz' ? checks.readyz : checks.livez);
    if (!result) return request.replyTo.send(statusResponse(request.id, resourceNotFound()));
    request.replyTo.send(textResponse(request.id, result.status, result.body));
  });
}

/** /debug/pprof/profile and /heap, unless --profiling=false. */
function serveProfile(context: SupervisorContext, request: HandleRequest['request']): void {
  if (!context.raw.profiling) return request.replyTo.send(statusResponse(request.id, resourceNotFound()));
  const file = (body: string, name: string): void =>
    request.replyTo.send(textResponse(request.id, 200, body, { 'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename="${name}"` }));
  const failed = (e: unknown): void => request.replyTo.send(statusResponse(request.id, internalError(e instanceof Error ? e.message : String(e))));
  if (request.info.path.endsWith('/heap')) {
    void heapSnapshot().then((snapshot) => file(snapshot, 'heap.heapsnapshot'), failed);
    return;
  }
  const asked = profileSeconds(request.query, context.options!.requestTimeoutMs);
  if ('error' in asked) return request.replyTo.send(textResponse(request.id, 400, `${asked.error}\n`));
  void cpuProfile(asked.seconds, context.clock).then((profile) => file(profile, 'profile.cpuprofile'), failed);
}

function actorTree(context: SupervisorContext, self: AnyActorRef): ActorRecord[] {
  const { journal, children: slots } = context.runtime;
  const children = slots.filter((slot) => slot.ref).map((slot) => recordOf(slot.id, 'supervisor', slot.ref!, journal.of(slot.id), [], slot.restarts));
  return [recordOf('supervisor', null, self, journal.of('supervisor'), children.map((c) => c.id)), ...children];
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
      const store = (plural: string, group: string): RequestHandler | undefined => runtime.stores.get(storeKey(plural, group));
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
      const store = (plural: string, group: string): RequestHandler | undefined => runtime.stores.get(storeKey(plural, group));
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
      if (!runtime.apiextensions || !runtime.log) return {};
      const before = runtime.apiextensions.registry.groupVersions();
      serveCustomResource(runtime.apiextensions, runtime.stores, (event as ServeCustomResource).resource, (id, kind, definitions) =>
        startCustomResourceStore(context, self, spawn as never, id, kind, definitions));
      localApiServices(runtime, before);
      rewatchControllers(runtime);
      return {};
    }),
    unserveCustomResource: ({ context, event }) => {
      const { runtime } = context;
      if (!runtime.apiextensions) return;
      const before = runtime.apiextensions.registry.groupVersions();
      unserveCustomResource(runtime.apiextensions, runtime.stores, runtime.children, (event as UnserveCustomResource).name, context.clock, context.logger);
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
      startedAt: input.clock.now(), phases: [], journal: new TransitionJournal(), metrics: input.metrics === false ? undefined : new ServerMetrics(), apiextensions: undefined, upstreams: undefined, controllersStopping: undefined,
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
          spawnChildren(context, self, spawn as never);
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
          const { options, files, runtime, clock, logger } = context;
          const authn = runtime.children.find((c) => c.id === 'authn')!;
          const input = {
            options: {
              host: options!.raw.bindAddress,
              port: options!.raw.securePort,
              certFile: files!.certFile,
              keyFile: files!.keyFile,
              maxBodyBytes: options!.raw.maxRequestBodyBytes,
              // With priority and fairness, the flags size its seats instead (kube installs one filter or the other).
              maxRequestsInFlight: options!.raw.enablePriorityAndFairness ? 0 : options!.raw.maxRequestsInflight,
              maxMutatingRequestsInFlight: options!.raw.enablePriorityAndFairness ? 0 : options!.raw.maxMutatingRequestsInflight,
              requestTimeoutMs: options!.requestTimeoutMs,
              maxStreamBacklogBytes: 16 * 1024 * 1024,
              // The handshake asks for a certificate any of the client CAs signed: x509 users' and the front proxy's.
              clientCaPem: files!.clientCa || files!.requestHeader ? [files!.clientCa?.pem, files!.requestHeader?.caPem].filter(Boolean).join('\n') : undefined,
              keptHeaders: files!.requestHeader?.keptHeaders(),
            },
            transport: options!.raw.transport as TransportChoice,
            clock,
            logger: logger.getSubLogger({ name: 'listener' }),
            next: authn,
            supervisor: self,
            metrics: runtime.metrics,
            ...(logger.settings.minLevel <= DEBUG_LEVEL ? { requestLog: logger.getSubLogger({ name: 'httplog' }) } : {}),
          };
          const listener = new ChildSlot('listener', listenerMachine, input, ESCALATE, { type: 'listener.close' }, terminateListener as Terminate);
          listener.up(spawnIncarnation(listener, spawn as never, self, clock), false);
          runtime.listener = listener;
          runtime.children.push(listener);
          if (runtime.metrics) registerCollectors(runtime.metrics, {
            stores: runtime.stores,
            listener,
            apf: runtime.children.find((c) => c.id === 'apf'),
            authn,
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
          startAggregatorControllers(context, self, spawn as never);
          startLeaderElectionOrControllers(context, self, spawn as never);
          return {};
        }),
      ],
      on: {
        'leader.elected': {
          actions: assign(({ context, self, spawn }) => {
            const stopping = context.runtime.controllersStopping;
            // The last term's controllers are still stopping: start this term's once they are gone.
            if (stopping) void stopping.then(() => self.send({ type: 'leader.elected', identity: '' }));
            else startControllers(context, self, spawn as never);
            return {};
          }),
        },
        'leader.lost': { actions: ({ context }) => stopControllers(context) },
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

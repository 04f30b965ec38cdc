// The admission actor: kube's admission chain for writes. It runs the enabled
// plugins (./plugins.ts, kube's order) in two places:
//   on `admit`, before the store: each plugin's attribute-only check
//     (admitRequest; NamespaceLifecycle). If some plugin wants the write's
//     object (wantsObject), the request goes on with `objectAdmission` set, and
//     the store will ask again with the object; otherwise it goes on untouched
//     and no hop is added.
//   on `admission.review`, from the store, once it has computed the object:
//     the mutating phase (every plugin's mutate, in order), or later the
//     validating phase (every plugin's validate). A phase answers by the
//     request's deadline, whatever its plugins do.
//
// Owns: the plugins, each with the view of the stores it watches.
// Receives: `admit` from authz; `admission.review` from stores;
//   `admission.observed` (a watched store's snapshot or change, through the
//   subscriber it was given); `admission.watch` (a plugin's new watch);
//   `actor.stop`.
// Sends: `request` to the server named in `admit`; rejections to the client;
//   `admission.reviewed` to a review's replyTo; `store.subscribe` and
//   `store.unsubscribe` to watched stores.
// States: Serving → Stopped.

import { setup, type AnyActorRef } from 'xstate';
import type { AdmitRequest, ApiRequest } from '../../protocol/messages/request.js';
import type { StoreChanged, StoreSnapshot, StoreSubscribe, StoreUnsubscribe, Subscriber } from '../../protocol/messages/store.js';
import type { ActorCounters, ActorStop } from '../../protocol/messages/lifecycle.js';
import type { AdmissionAttributes, AdmissionOperation, AdmissionReview, AdmissionReviewed, GroupVersionKind, ObjectAdmission } from '../../protocol/messages/admission.js';
import { statusResponse } from '../../protocol/messages/http.js';
import { internalError, timeout, type Status } from '../../protocol/kube/status.js';
import type { Clock } from '../../lib/clock.js';
import type { Log } from '../../lib/log.js';
import { serveSafely } from '../../lib/serve-safely.js';
import type { AdmissionPlugin, PluginContext, PluginRegistration, PluginVerdict, Reinvocation, WatchedResource } from './plugin.js';
import type { AdmissionMetrics } from '../../lib/metrics.js';

export type StoreHandle = { send(message: StoreSubscribe | StoreUnsubscribe): void };

export interface AdmissionInput {
  /** The enabled plugins, in kube's order (enabledPlugins in ./plugins.ts). */
  plugins: readonly PluginRegistration[];
  /** Each plugin's configuration from --admission-control-config-file, by name. */
  configs?: ReadonlyMap<string, unknown>;
  /** The store serving a resource, if this server has it. */
  store(plural: string, group: string): StoreHandle | undefined;
  /** The kind a resource is served as at a version. */
  kindOf(group: string, version: string, resource: string): GroupVersionKind | undefined;
  /** The server's authorizer, for plugins that check a user's rights (certificates, owner references). Absent: nothing is allowed. */
  authorize?: PluginContext['authorize'];
  /** The resource a kind is served as (kube's RESTMapper). */
  resourceFor?: PluginContext['resourceFor'];
  /** apiserver_admission_*: each phase (kube's step), each plugin, each webhook call. */
  metrics?: AdmissionMetrics | undefined;
  clock: Clock;
  logger: Log;
}

interface Observed {
  type: 'admission.observed';
  resource: WatchedResource;
  message: StoreSnapshot | StoreChanged;
}

/** A plugin starts watching a store it learned it needs (a policy's paramKind). */
interface Watch {
  type: 'admission.watch';
  resource: WatchedResource;
}

interface AdmissionContext {
  plugins: readonly AdmissionPlugin[];
  input: AdmissionInput;
  port: ObjectAdmission;
  subscriptions: { key: string; store: StoreHandle; subscriber: Subscriber }[];
  counters: ActorCounters;
}

const OPERATIONS: Record<string, AdmissionOperation> = { create: 'CREATE', update: 'UPDATE', patch: 'UPDATE', delete: 'DELETE', deletecollection: 'DELETE' };
const CONNECT_SUBRESOURCES = new Set(['exec', 'attach', 'portforward', 'proxy']);

/** The attributes a write has before the store computes its object (the name of a create may still be unknown). */
export function requestAttributes(request: ApiRequest, kindOf: AdmissionInput['kindOf']): AdmissionAttributes | undefined {
  const info = request.info;
  if (!info.isResourceRequest) return undefined;
  const operation = CONNECT_SUBRESOURCES.has(info.subresource) ? 'CONNECT' : OPERATIONS[info.verb];
  if (!operation) return undefined;
  const kind = kindOf(info.apiGroup, info.apiVersion, info.resource) ?? { group: info.apiGroup, version: info.apiVersion, kind: '' };
  return {
    operation,
    resource: { group: info.apiGroup, version: info.apiVersion, resource: info.resource },
    subresource: info.subresource,
    kind,
    namespace: info.namespace,
    name: info.name,
    userInfo: request.user ?? { username: '', groups: [] },
    dryRun: request.query.dryRun === 'All',
  };
}

const wants = (plugin: AdmissionPlugin, attributes: AdmissionAttributes): boolean => plugin.wantsObject?.(attributes) ?? true;

function refuse(request: ApiRequest, status: Status, warnings: readonly string[]): void {
  const headers = warnings.length > 0 ? { warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ') } : undefined;
  request.replyTo.send(statusResponse(request.id, status, headers));
}

function admit(context: AdmissionContext, { request, next }: AdmitRequest): void {
  const attributes = requestAttributes(request, context.input.kindOf);
  if (attributes) {
    const warnings: string[] = [];
    let object = false;
    for (const plugin of context.plugins) {
      if (plugin.admitRequest) {
        const verdict = plugin.admitRequest(request, attributes);
        if (verdict.warnings) warnings.push(...verdict.warnings);
        if (verdict.auditAnnotations && request.auditAnnotations) Object.assign(request.auditAnnotations, verdict.auditAnnotations);
        if (!verdict.allowed) {
          // A refusal before the object is known is the plugin's admit step refusing.
          const metrics = context.input.metrics;
          metrics?.controller.observe(`${plugin.name}\0admit\0${attributes.operation}\0true`, 0);
          metrics?.step.observe(`admit\0${attributes.operation}\0true`, 0);
          return refuse(request, verdict.status, warnings);
        }
      }
      if (!object && (plugin.mutate || plugin.validate) && wants(plugin, attributes)) object = true;
    }
    // An audited request's reviews carry its annotations map, so each phase records there too.
    const sink = request.auditAnnotations;
    if (object) request.objectAdmission = sink ? { send: (message) => context.port.send({ ...message, auditAnnotations: sink }) } : context.port;
    // No plugin needs the object: both of kube's steps have passed (with the object, the review times them).
    else if (context.input.metrics) {
      context.input.metrics.step.observe(`admit\0${attributes.operation}\0false`, 0);
      context.input.metrics.step.observe(`validate\0${attributes.operation}\0false`, 0);
    }
  }
  next.send({ type: 'request', request });
}

/** A request deadline far away (loopback requests have none) sets no timer. */
const DEADLINE_HORIZON_MS = 24 * 60 * 60 * 1000;

/** Runs one phase's plugins in order; synchronous plugins answer in this turn, a promise pauses the walk. */
function review(context: AdmissionContext, message: AdmissionReview): void {
  const { clock, logger, metrics } = context.input;
  const mutating = message.phase === 'mutating';
  // kube's step and controller metrics: the phase, and each plugin, timed and labelled with its verdict.
  const step = mutating ? 'admit' : 'validate';
  const operation = message.attributes.operation;
  const phaseStarted = clock.now();
  let pluginStarted = phaseStarted;
  const timed = (plugin: AdmissionPlugin, rejected: boolean): void => {
    if (!metrics) return;
    const now = clock.now();
    metrics.controller.observe(`${plugin.name}\0${step}\0${operation}\0${rejected}`, (now - pluginStarted) / 1000);
    pluginStarted = now;
  };
  const plugins = context.plugins.filter((p) => (mutating ? p.mutate : p.validate) && wants(p, message.attributes));
  const warnings: string[] = [];
  const auditAnnotations: Record<string, string> = {};
  let answered = false;
  let timer: unknown;
  const answer = (reply: AdmissionReviewed): void => {
    if (answered) return;
    answered = true;
    if (timer !== undefined) clock.clearTimeout(timer);
    metrics?.step.observe(`${step}\0${operation}\0${!reply.allowed}`, (clock.now() - phaseStarted) / 1000);
    message.replyTo.send(reply);
  };
  const fail = (status: Status): void => answer({ type: 'admission.reviewed', id: message.id, phase: message.phase, allowed: false, status, warnings });
  /** Takes one plugin's verdict; false when it ends the phase. */
  const take = (plugin: AdmissionPlugin, verdict: PluginVerdict): boolean => {
    timed(plugin, !verdict.allowed);
    if (verdict.warnings) warnings.push(...verdict.warnings);
    if (verdict.auditAnnotations && message.auditAnnotations) Object.assign(message.auditAnnotations, verdict.auditAnnotations);
    if (!verdict.allowed) {
      fail(verdict.status);
      return false;
    }
    if (verdict.auditAnnotations) Object.assign(auditAnnotations, verdict.auditAnnotations);
    return true;
  };
  const crashed = (plugin: AdmissionPlugin, e: unknown): void => {
    timed(plugin, true);
    logger.error(`admission plugin ${plugin.name} failed`, e);
    fail(internalError(e instanceof Error ? e.message : String(e)));
  };
  // kube's reinvoker: when a plugin asks (a webhook changed the object), every mutating plugin runs once more.
  // Only a plugin whose changes come from outside asks: without one, no context is made.
  const external = mutating && plugins.some((p) => p.external);
  let reinvokeAsked = false;
  const reinvocation: Reinvocation | undefined = external
    ? { isReinvoke: false, values: new Map(), requestReinvoke: () => void (reinvokeAsked = true) }
    : undefined;
  let next = 0;
  const walk = (): void => {
    while (next < plugins.length) {
      const plugin = plugins[next++]!;
      let verdict: PluginVerdict | Promise<PluginVerdict>;
      try {
        verdict = mutating
          ? plugin.mutate!(message.attributes, message.object, message.oldObject, reinvocation)
          : plugin.validate!(message.attributes, message.object, message.oldObject);
      } catch (e) {
        return crashed(plugin, e);
      }
      if (verdict instanceof Promise) {
        const deadline = message.deadline;
        if (timer === undefined && deadline !== undefined && deadline - clock.now() < DEADLINE_HORIZON_MS) {
          timer = clock.setTimeout(() => fail(timeout('request did not complete within requested timeout - context deadline exceeded')), Math.max(0, deadline - clock.now()));
        }
        verdict.then((v) => !answered && take(plugin, v) && walk(), (e: unknown) => !answered && crashed(plugin, e));
        return;
      }
      if (!take(plugin, verdict)) return;
    }
    if (reinvokeAsked && reinvocation && !reinvocation.isReinvoke) {
      reinvocation.isReinvoke = true;
      next = 0;
      return walk();
    }
    answer({ type: 'admission.reviewed', id: message.id, phase: message.phase, allowed: true, object: message.object, warnings, auditAnnotations, ...(external ? { revalidate: true } : {}) });
  };
  walk();
}

function observe(context: AdmissionContext, { resource, message }: Observed): void {
  for (const plugin of context.plugins) {
    if (!plugin.observe || !plugin.watches?.some((w) => w.group === resource.group && w.plural === resource.plural)) continue;
    if (message.type === 'store.snapshot') plugin.observe(resource, { type: 'SYNC', objects: message.objects });
    else for (const change of message.changes) plugin.observe(resource, { type: change.type, object: change.object });
  }
}

function subscribe(context: AdmissionContext, self: AnyActorRef): void {
  for (const plugin of context.plugins) for (const resource of plugin.watches ?? []) subscribeTo(context, self, resource);
}

/** Subscribes to one resource's store, once however many plugins watch it. */
function subscribeTo(context: AdmissionContext, self: AnyActorRef, resource: WatchedResource): void {
  const key = `${resource.plural}.${resource.group}`;
  if (context.subscriptions.some((s) => s.key === key)) return;
  const store = context.input.store(resource.plural, resource.group);
  if (!store) return;
  const subscriber: Subscriber = { send: (message) => self.send({ type: 'admission.observed', resource, message }) };
  context.subscriptions.push({ key, store, subscriber });
  store.send({ type: 'store.subscribe', subscriber });
}

export const admissionMachine = setup({
  types: {
    context: {} as AdmissionContext,
    events: {} as AdmitRequest | AdmissionReview | Observed | Watch | ActorStop,
    input: {} as AdmissionInput,
  },
  actions: {
    subscribe: ({ context, self }) => subscribe(context, self),
    unsubscribe: ({ context }) => {
      for (const { store, subscriber } of context.subscriptions.splice(0)) store.send({ type: 'store.unsubscribe', subscriber });
    },
    admit: ({ context, event }) => {
      const message = event as AdmitRequest;
      serveSafely(message.request, context.counters, context.input.logger, () => admit(context, message));
    },
    review: ({ context, event }) => {
      context.counters.handled++;
      review(context, event as AdmissionReview);
    },
    observe: ({ context, event }) => observe(context, event as Observed),
    watch: ({ context, event, self }) => subscribeTo(context, self, (event as Watch).resource),
  },
}).createMachine({
  id: 'admission',
  context: ({ input, self }) => ({
    plugins: input.plugins.map((p) => p.create({
      config: input.configs?.get(p.name),
      authorize: input.authorize ?? (() => Promise.resolve(false)),
      resourceFor: input.resourceFor ?? (() => undefined),
      clock: input.clock,
      metrics: input.metrics,
      logger: input.logger.getSubLogger({ name: p.name }),
      watch: (resource) => self.send({ type: 'admission.watch', resource }),
    })),
    input,
    port: { send: (message: AdmissionReview) => self.send(message) },
    subscriptions: [],
    counters: { handled: 0, errors: 0 },
  }),
  entry: 'subscribe',
  initial: 'Serving',
  states: {
    Serving: {
      on: {
        admit: { actions: 'admit' },
        'admission.review': { actions: 'review' },
        'admission.observed': { actions: 'observe' },
        'admission.watch': { actions: 'watch' },
        'actor.stop': { target: 'Stopped', actions: 'unsubscribe' },
      },
    },
    Stopped: { type: 'final' },
  },
});

/** On a crash: the stores stop sending to this incarnation. */
export function terminateAdmission(context: AdmissionContext): void {
  for (const { store, subscriber } of context.subscriptions.splice(0)) store.send({ type: 'store.unsubscribe', subscriber });
}

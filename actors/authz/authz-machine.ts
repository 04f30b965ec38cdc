// The authz actor: kube's impersonation and authorization filters, and the
// access reviews that ask the same question on a client's behalf.
//
// Owns: the authorizer chain (decide.ts: kube's union, tried in order; RBAC,
//   AlwaysAllow and AlwaysDeny its own, ABAC, Node and Webhook handed in as
//   built, from --authorization-mode or --authorization-config), an RBAC index
//   kept current from the four RBAC stores, and the indexes of the chain's
//   authorizers (the Node authorizer's pods) kept from theirs.
// Receives: `authorize` from authn (user set); `request` for the
//   SelfSubjectAccessReview, SelfSubjectRulesReview and SubjectAccessReview
//   creates the server chain routes to it; `store.snapshot` and
//   `store.changed` from the RBAC stores.
// A request is handled synchronously unless an authorizer answers later (a
// webhook); then it goes on when that answer comes.
// Sends: an allowed request to its route (admission first for writes), a
//   Role or ClusterRole write by a user who may not `escalate` it carrying the
//   user's rights (grantLimit) for the store to check the final rules against;
//   403 (escalation prevention decides bindings here) and 404 replies to the client.
//
// States: Syncing (until every RBAC store has sent its snapshot) → Serving → Stopped.

import { setup } from 'xstate';
import type { KubeObject, UserInfo } from '../../protocol/kube/meta.js';
import type { AdmitRequest, ApiRequest, AuthorizeRequest, HandleRequest, Router } from '../../protocol/messages/request.js';
import type { Observer, StoreChanged, StoreSnapshot, Subscriber } from '../../protocol/messages/store.js';
import type { ActorCounters, ActorStop } from '../../protocol/messages/lifecycle.js';
import { statusResponse } from '../../protocol/messages/http.js';
import { forbidden, internalError, resourceNotFound, serviceUnavailable, type Status } from '../../protocol/kube/status.js';
import type { Log } from '../../lib/log.js';
import { serveSafely } from '../../lib/serve-safely.js';
import { type ResourceAttributes, buildRbacIndex, forbiddenStatus, isResourceAttributes, roleRefRules, rulesHeld, type Attributes, type RbacIndex } from './rbac.js';
import { attributesOf, isPrivileged } from './attributes.js';
import { escalationReason } from './escalation.js';
import { decodeBody, isPlainObject } from '../../lib/decode-body.js';
import { alwaysAllow, alwaysDeny, decide, rulesOfChain, type AuthorizationMode, type ModeAuthorizer } from './decide.js';
import { authorize as rbacAuthorize, rulesFor, type Decision } from './rbac.js';
import { isPromise, type MaybePromise } from '../../lib/maybe-promise.js';
import { impersonate } from './impersonate.js';
import { serveReview } from './reviews.js';

export const RBAC_RESOURCES = ['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'] as const;
type RbacResource = (typeof RBAC_RESOURCES)[number];

/** One link of the chain: RBAC, AlwaysAllow and AlwaysDeny are authz's own; the others come built (abac.ts, node.ts, webhook.ts). */
export interface ChainEntry {
  mode: AuthorizationMode;
  authorizer?: ModeAuthorizer;
}

export interface AuthzInput {
  chain: readonly ChainEntry[];
  /** What the chain's authorizers index (the Node authorizer's pods), from which stores. */
  observers?: readonly Observer[];
  router: Router;
  admission: { send(message: AdmitRequest): void };
  /** The RBAC stores, to subscribe to (only when RBAC is a mode). */
  rbacStores: Partial<Record<RbacResource, { send(message: { type: 'store.subscribe'; subscriber: Subscriber }): void }>>;
  logger: Log;
}

interface AuthzContext {
  modes: readonly AuthorizationMode[];
  chain: readonly ChainEntry[];
  authorizers: readonly ModeAuthorizer[] | undefined;
  observers: readonly Observer[];
  router: Router;
  admission: AuthzInput['admission'];
  rbacStores: AuthzInput['rbacStores'];
  logger: Log;
  counters: ActorCounters;
  policy: Record<RbacResource, Map<string, KubeObject>>;
  synced: Set<string>;
  /** Rebuilt lazily after a policy change: changes come in bursts, requests in floods. */
  index: RbacIndex | undefined;
}

const objectKey = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

function rbacIndexOf(context: AuthzContext): RbacIndex {
  context.index ??= buildRbacIndex({
    roles: [...context.policy.roles.values()],
    clusterRoles: [...context.policy.clusterroles.values()],
    roleBindings: [...context.policy.rolebindings.values()],
    clusterRoleBindings: [...context.policy.clusterrolebindings.values()],
  });
  return context.index;
}

export type Authorizer = (user: UserInfo, attributes: Attributes) => MaybePromise<Decision>;

export function authorizerOf(context: AuthzContext): Authorizer {
  // Built from the context the actions see (xstate's snapshot), so RBAC reads the index they keep.
  const authorizers = (context.authorizers ??= chainOf(context.chain, () => context));
  return (user, attributes) => decide(authorizers, user, attributes);
}

function chainOf(entries: readonly ChainEntry[], context: () => AuthzContext): ModeAuthorizer[] {
  const rbac: ModeAuthorizer = {
    authorize: (user, attributes) => {
      const decision = rbacAuthorize(rbacIndexOf(context()), user, attributes);
      return { decision: decision.allowed ? 'Allow' : 'NoOpinion', reason: decision.reason };
    },
    rulesFor: (user, namespace) => {
      const { evaluationError, ...rules } = rulesFor(rbacIndexOf(context()), user, namespace);
      return evaluationError ? { ...rules, error: evaluationError } : rules;
    },
  };
  return entries.map((e) => e.authorizer ?? (e.mode === 'RBAC' ? rbac : e.mode === 'AlwaysAllow' ? alwaysAllow : alwaysDeny));
}

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const ROLE_RESOURCES = new Set(['roles', 'clusterroles']);
const BINDING_RESOURCES = new Set(['rolebindings', 'clusterrolebindings']);
const GRANTING_VERBS = new Set(['create', 'update', 'patch']);

/** Only a write that grants (an RBAC object) is guarded. */
function needsGuard(a: Attributes, user: UserInfo): a is ResourceAttributes {
  return isResourceAttributes(a) && a.apiGroup === RBAC_GROUP && a.subresource === '' && GRANTING_VERBS.has(a.verb) && !isPrivileged(user);
}

/**
 * Escalation prevention for a write to an RBAC object the user may make (see escalation.ts). A binding
 * is decided here; a role write by a user who may not `escalate` it leaves with the user's rights as
 * its grantLimit, for the store to hold the role's final rules against. Answers the 403, or undefined.
 */
async function guardGrants(context: AuthzContext, request: ApiRequest, user: UserInfo, a: ResourceAttributes, authorizer: Authorizer): Promise<Status | undefined> {
  const gr = { group: RBAC_GROUP, resource: a.resource };
  if (ROLE_RESOURCES.has(a.resource)) {
    // kube asks about `escalate` on the role by name: a create's name is in its body.
    const name = a.verb === 'create' ? nameInBody(request) : a.name;
    const escalate = authorizer(user, { ...a, verb: 'escalate', name });
    if ((isPromise(escalate) ? await escalate : escalate).allowed) return undefined;
    request.grantLimit = context.modes.includes('RBAC') ? rulesHeld(rbacIndexOf(context), user, a.namespace) : { rules: [], resolutionErrors: [] };
    return undefined;
  }
  if (!BINDING_RESOURCES.has(a.resource)) return undefined;
  // roleRef cannot change, so an update or patch binds the stored binding's role; a create names it in its body.
  let name = a.name;
  let roleRef: unknown;
  if (a.verb === 'create') {
    const decoded = decodeBody(request);
    if (!decoded.ok || !isPlainObject(decoded.value)) return undefined; // the store answers the bad body
    name = nameInBody(request, decoded.value);
    roleRef = decoded.value.roleRef;
  } else {
    roleRef = context.policy[a.resource as RbacResource].get(`${a.namespace}/${a.name}`)?.roleRef;
  }
  if (!isPlainObject(roleRef) || typeof roleRef.kind !== 'string' || typeof roleRef.name !== 'string') return undefined;
  const ref = { kind: roleRef.kind, name: roleRef.name, apiGroup: typeof roleRef.apiGroup === 'string' && roleRef.apiGroup ? roleRef.apiGroup : RBAC_GROUP };
  const bind = { verb: 'bind', apiGroup: ref.apiGroup, resource: ref.kind === 'ClusterRole' ? 'clusterroles' : 'roles', subresource: '', namespace: a.namespace, name: ref.name };
  const binds = authorizer(user, bind);
  if ((isPromise(binds) ? await binds : binds).allowed) return undefined;
  if (!context.modes.includes('RBAC')) return forbidden(gr, name, `user ${JSON.stringify(user.username)} may not bind ${ref.kind} ${JSON.stringify(ref.name)}`);
  const index = rbacIndexOf(context);
  const resolved = roleRefRules(index, ref, a.namespace);
  if ('error' in resolved) return forbidden(gr, name, resolved.error);
  const held = rulesHeld(index, user, a.namespace);
  const reason = escalationReason(user, held, resolved.rules);
  return reason ? forbidden(gr, name, reason) : undefined;
}

/** metadata.name of a create's body, or '' (a body that does not decode is the store's to answer). */
function nameInBody(request: ApiRequest, body?: unknown): string {
  const value = body ?? (() => {
    const decoded = decodeBody(request);
    return decoded.ok ? decoded.value : undefined;
  })();
  const metadata = isPlainObject(value) ? value.metadata : undefined;
  return isPlainObject(metadata) && typeof metadata.name === 'string' ? metadata.name : '';
}

/**
 * Impersonation, the decision, escalation prevention, then the route. Synchronous unless an
 * authorizer answers later (a webhook): each step awaits only a promise it actually got.
 */
async function authorize(context: AuthzContext, request: ApiRequest): Promise<void> {
  const authorizer = authorizerOf(context);
  const impersonation = impersonate(request, authorizer);
  const user = isPromise(impersonation) ? await impersonation : impersonation;
  if ('status' in user) {
    request.replyTo.send(statusResponse(request.id, user.status));
    return;
  }
  if (user.user !== request.user) request.impersonatedUser = user.user;
  request.user = user.user;
  const attributes = attributesOf(request.info);
  const decided = authorizer(user.user, attributes);
  const decision = isPromise(decided) ? await decided : decided;
  if (!decision.allowed) {
    request.replyTo.send(statusResponse(request.id, decision.error ? internalError(decision.error) : forbiddenStatus(user.user, attributes, decision.reason)));
    return;
  }
  const guarded = needsGuard(attributes, user.user) ? guardGrants(context, request, user.user, attributes, authorizer) : undefined;
  const refused = guarded && (await guarded);
  if (refused) {
    request.replyTo.send(statusResponse(request.id, refused));
    return;
  }
  const route = context.router(request);
  if (!route) {
    request.replyTo.send(statusResponse(request.id, resourceNotFound()));
    return;
  }
  if (route.admit) context.admission.send({ type: 'admit', request, next: route.target });
  else route.target.send({ type: 'request', request });
}

/** Hands a store's objects to the authorizers that index them (the Node authorizer's graph). */
function observe(context: AuthzContext, resource: string, changes: readonly { type: string; object: KubeObject }[]): void {
  const observers = context.observers.filter((o) => o.resource === resource);
  if (observers.length === 0) return;
  for (const { type, object } of changes) {
    for (const o of observers) o.observe(object.metadata.namespace ?? '', object.metadata.name ?? '', type === 'DELETED' ? undefined : object);
  }
}

/** serveSafely's answer, for a failure after the first await. */
function failed(context: AuthzContext, request: ApiRequest, e: unknown): void {
  context.counters.errors++;
  context.logger.error(`request ${request.method} ${request.info.path} failed`, e);
  request.replyTo.send(statusResponse(request.id, internalError(e instanceof Error ? e.message : String(e))));
}

export const authzMachine = setup({
  types: {
    context: {} as AuthzContext,
    events: {} as AuthorizeRequest | HandleRequest | StoreSnapshot | StoreChanged | ActorStop,
    input: {} as AuthzInput,
  },
  actions: {
    subscribe: ({ self, context }) => {
      for (const store of new Set(context.observers.map((o) => o.store))) store.send({ type: 'store.subscribe', subscriber: self });
      if (!context.modes.includes('RBAC')) return;
      for (const store of Object.values(context.rbacStores)) store?.send({ type: 'store.subscribe', subscriber: self });
    },
    authorize: ({ context, event }) => {
      const { request } = event as AuthorizeRequest;
      serveSafely(request, context.counters, context.logger, () => {
        void authorize(context, request).catch((e: unknown) => failed(context, request, e));
      });
    },
    review: ({ context, event }) => {
      const { request } = event as HandleRequest;
      serveSafely(request, context.counters, context.logger, () => {
        void serveReview(request, authorizerOf(context), (user, namespace) => rulesOfChain(context.authorizers!, user, namespace)).catch((e: unknown) => failed(context, request, e));
      });
    },
    refuse: ({ event }) => {
      const { request } = event as AuthorizeRequest;
      request.replyTo.send(statusResponse(request.id, serviceUnavailable('the authorizer has not synced its policy yet')));
    },
    applySnapshot: ({ context, event }) => {
      const { resource, objects } = event as StoreSnapshot;
      observe(context, resource, objects.map((object) => ({ type: 'ADDED', object })));
      const map = context.policy[resource as RbacResource];
      if (!map) return;
      map.clear();
      for (const o of objects) map.set(objectKey(o), o);
      context.synced.add(resource);
      context.index = undefined;
    },
    applyChanges: ({ context, event }) => {
      const { resource, changes } = event as StoreChanged;
      observe(context, resource, changes);
      const map = context.policy[resource as RbacResource];
      if (!map) return;
      for (const change of changes) {
        if (change.type === 'DELETED') map.delete(objectKey(change.object));
        else map.set(objectKey(change.object), change.object);
      }
      context.index = undefined;
    },
  },
  guards: {
    synced: ({ context }) => !context.modes.includes('RBAC') || RBAC_RESOURCES.every((r) => context.synced.has(r)),
  },
}).createMachine({
  id: 'authz',
  context: ({ input }) => ({
    modes: input.chain.map((e) => e.mode),
    chain: input.chain,
    authorizers: undefined,
    observers: input.observers ?? [],
    router: input.router,
    admission: input.admission,
    rbacStores: input.rbacStores,
    logger: input.logger,
    counters: { handled: 0, errors: 0 },
    policy: { roles: new Map(), clusterroles: new Map(), rolebindings: new Map(), clusterrolebindings: new Map() },
    synced: new Set(),
    index: undefined,
  }),
  initial: 'Syncing',
  entry: 'subscribe',
  states: {
    Syncing: {
      always: { guard: 'synced', target: 'Serving' },
      on: {
        authorize: { actions: 'refuse' },
        'store.snapshot': { actions: 'applySnapshot' },
        'store.changed': { actions: 'applyChanges' },
      },
    },
    Serving: {
      on: {
        authorize: { actions: 'authorize' },
        request: { actions: 'review' },
        'store.snapshot': { actions: 'applySnapshot' },
        'store.changed': { actions: 'applyChanges' },
        'actor.stop': 'Stopped',
      },
    },
    Stopped: { type: 'final' },
  },
});

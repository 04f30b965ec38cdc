// What the validating and the mutating admission policy plugins share (kube's
// admission/plugin/policy/generic): the views they keep of watched stores,
// the resource a paramKind names, CollectParams (a binding's params, by name
// or selector, or the configuration error), the `request` CEL sees, and the
// wait for a param store's first snapshot (kube waits up to a second for its
// informer) or for CEL to load.

import { randomUUID } from 'node:crypto';
import type { KubeObject } from '../../../protocol/kube/meta.js';
import type { AdmissionAttributes } from '../../../protocol/messages/admission.js';
import type { CelAuthorize, PolicyRequest } from '../../../lib/cel/policy.js';
import type { ExpressionError, MatchResources, ParamRef } from '../../../lib/cel/validating-admission-policy.js';
import { matches, type MatchInput } from '../validating-admission-policy/matching.js';
import { invalid } from '../../../protocol/kube/status.js';
import type { Clock } from '../../../lib/clock.js';
import { builtinKinds } from '../../../scheme/kinds/index.js';
import { labelSelectorFromMetav1, matchesLabels } from '../../store/label-selector.js';
import type { PluginVerdict, WatchedResource } from '../plugin.js';
import { authorize as rbacAuthorize, buildRbacIndex, type RbacIndex } from '../../authz/rbac.js';
import { isPrivileged } from '../../authz/attributes.js';

/** A set of objects kept from a watched store, by namespace/name. */
export class View {
  readonly objects = new Map<string, KubeObject>();
  synced = false;
  apply(change: { type: string; object?: KubeObject; objects?: readonly KubeObject[] }): void {
    if (change.type === 'SYNC') {
      this.objects.clear();
      for (const o of change.objects ?? []) this.objects.set(keyOf(o), o);
      this.synced = true;
    } else if (change.object) {
      if (change.type === 'DELETED') this.objects.delete(keyOf(change.object));
      else this.objects.set(keyOf(change.object), change.object);
    }
  }
}
export const keyOf = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
export const resourceKey = (r: WatchedResource): string => `${r.plural}.${r.group}`;
export const byName = (x: KubeObject, y: KubeObject): number => (x.metadata.name ?? '').localeCompare(y.metadata.name ?? '');

export type ParamKind = { apiVersion?: string; kind?: string };

/** paramKind {apiVersion, kind} → the resource serving it, and whether it is namespaced. */
export function paramResource(paramKind: ParamKind): { resource: WatchedResource; namespaced: boolean | undefined } {
  const [group, version] = (paramKind.apiVersion ?? '').includes('/') ? (paramKind.apiVersion ?? '').split('/') : ['', paramKind.apiVersion ?? ''];
  const kind = builtinKinds.find((k) => k.group === group && k.kind === paramKind.kind && (version === undefined || k.version === version));
  if (kind) return { resource: { group: kind.group, plural: kind.plural }, namespaced: kind.namespaced };
  return { resource: { group: group ?? '', plural: `${(paramKind.kind ?? '').toLowerCase()}s` }, namespaced: undefined };
}

export function requestOf(a: AdmissionAttributes, object: KubeObject | undefined, oldObject: KubeObject | undefined): PolicyRequest {
  return {
    uid: randomUUID(),
    kind: a.kind,
    resource: a.resource,
    subResource: a.subresource,
    requestKind: a.kind,
    requestResource: a.resource,
    requestSubResource: a.subresource,
    name: a.name || object?.metadata.name || oldObject?.metadata.name || '',
    namespace: a.namespace,
    operation: a.operation,
    userInfo: { username: a.userInfo.username, uid: a.userInfo.uid ?? '', groups: a.userInfo.groups ?? [], extra: a.userInfo.extra ?? {} },
    dryRun: a.dryRun,
    options: a.options,
  };
}

export const UNSYNCED = 'unsynced' as const;

/** kube's CollectParams: the params of one binding, or the configuration error. `need` starts watching the param store. */
export function collectParams(
  paramKind: ParamKind | undefined,
  ref: ParamRef | undefined,
  namespace: string,
  waited: boolean,
  need: (r: WatchedResource) => View,
): { params: (KubeObject | undefined)[] } | { error: string } | typeof UNSYNCED {
  if (!paramKind || !ref) return { params: [undefined] };
  const { resource, namespaced } = paramResource(paramKind);
  const v = need(resource);
  if (!v.synced && !waited) return UNSYNCED;
  if (!v.synced) return { error: `paramKind kind \`&ParamKind{APIVersion:${paramKind.apiVersion ?? ''},Kind:${paramKind.kind ?? ''},}\` not yet synced to use for admission` };
  let inNamespace: string | undefined;
  if (namespaced === false) {
    if (ref.namespace) return { error: 'paramRef.namespace must not be provided for a cluster-scoped `paramKind`' };
  } else {
    inNamespace = ref.namespace || namespace;
    if (!inNamespace && namespaced) return { error: 'cannot use namespaced paramRef in policy binding that matches cluster-scoped resources' };
  }
  let params: KubeObject[];
  if (ref.name) {
    if (ref.selector) return { error: 'paramRef.name and paramRef.selector are mutually exclusive' };
    const found = v.objects.get(`${inNamespace ?? ''}/${ref.name}`);
    params = found ? [found] : [];
  } else if (ref.selector) {
    const selector = labelSelectorFromMetav1(ref.selector);
    if (!selector) return { error: 'invalid paramRef.selector' };
    params = [...v.objects.values()].filter((o) => (inNamespace === undefined || (o.metadata.namespace ?? '') === inNamespace) && matchesLabels(selector, o.metadata.labels ?? {}));
  } else return { error: 'one of name or selector must be provided' };
  if (params.length === 0 && ref.parameterNotFoundAction === 'Deny') return { error: 'no params found for policy binding with `Deny` parameterNotFoundAction' };
  return { params };
}

/**
 * Runs `admit` now, or, while it answers UNSYNCED, again on each wake; after a second it runs it
 * with `waited` set (an unsynced param store is then a configuration error; CEL loading is waited for).
 */
export function admitWhenSynced(
  clock: Clock,
  waiting: (() => void)[],
  admit: (waited: boolean) => PluginVerdict | typeof UNSYNCED,
): PluginVerdict | Promise<PluginVerdict> {
  const verdict = admit(false);
  if (verdict !== UNSYNCED) return verdict;
  return new Promise<PluginVerdict>((resolve) => {
    let timer: unknown;
    const wake = (): void => {
      const again = admit(false);
      if (again === UNSYNCED) return void waiting.push(wake);
      clock.clearTimeout(timer);
      resolve(again);
    };
    timer = clock.setTimeout(() => {
      const i = waiting.indexOf(wake);
      if (i >= 0) waiting.splice(i, 1);
      const late = admit(true);
      if (late === UNSYNCED) waiting.push(wake);
      else resolve(late);
    }, 1000);
    waiting.push(wake);
  });
}

const RBAC = 'rbac.authorization.k8s.io';
const RBAC_RESOURCES = ['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'] as const;

/**
 * The stores a policy plugin watches: its policies, bindings and namespaces from the start, and,
 * as its policies need them, their params' resources and RBAC's four (for `authorizer`, decided
 * as the server's chain decides: system:masters, then RBAC).
 */
export class PolicyViews {
  readonly watches: WatchedResource[];
  private readonly views: Map<string, View>;
  /** Admissions waiting for a store's first snapshot, or for CEL. */
  readonly waiting: (() => void)[] = [];
  private rbacIndex: RbacIndex | undefined;

  constructor(initial: readonly WatchedResource[], private readonly watch: (r: WatchedResource) => void) {
    this.watches = [...initial];
    this.views = new Map(initial.map((r) => [resourceKey(r), new View()]));
  }

  view(r: WatchedResource): View {
    return this.need(r);
  }

  /** The view of a resource, watching it from now on if it was not watched. */
  need(r: WatchedResource): View {
    let v = this.views.get(resourceKey(r));
    if (!v) {
      v = new View();
      this.views.set(resourceKey(r), v);
      this.watches.push(r);
      this.watch(r);
    }
    return v;
  }

  needAuthorizer(): void {
    for (const plural of RBAC_RESOURCES) this.need({ group: RBAC, plural });
  }

  /** Applies a snapshot or change; a snapshot wakes the waiting admissions. */
  observe(resource: WatchedResource, change: { type: string; object?: KubeObject; objects?: readonly KubeObject[] }): View | undefined {
    const v = this.views.get(resourceKey(resource));
    v?.apply(change);
    if (resource.group === RBAC) this.rbacIndex = undefined;
    if (change.type === 'SYNC') this.wake();
    return v;
  }

  wake(): void {
    for (const wake of this.waiting.splice(0)) wake();
  }

  readonly authorize: CelAuthorize = (user, attributes) => {
    const objects = (plural: string): KubeObject[] => [...(this.views.get(`${plural}.${RBAC}`)?.objects.values() ?? [])];
    this.rbacIndex ??= buildRbacIndex({ roles: objects('roles'), clusterRoles: objects('clusterroles'), roleBindings: objects('rolebindings'), clusterRoleBindings: objects('clusterrolebindings') });
    const attrs =
      attributes.path !== undefined
        ? { verb: attributes.verb, path: attributes.path }
        : { verb: attributes.verb, apiGroup: attributes.apiGroup ?? '', resource: attributes.resource ?? '', subresource: attributes.subresource ?? '', namespace: attributes.namespace ?? '', name: attributes.name ?? '' };
    return isPrivileged(user) ? { allowed: true, reason: '' } : rbacAuthorize(this.rbacIndex, user, attrs);
  };
}

/**
 * A plugin's policies compiled once per resourceVersion. Its runtime (CEL, ~50 ms of a start) is
 * loaded once the first policy is seen, and not before: a server without policies never pays for it.
 */
export class CompiledPolicies<R, C extends { resourceVersion: string }> {
  runtime: R | undefined;
  private loading = false;
  private readonly compiled = new Map<string, C>();

  constructor(
    private readonly views: PolicyViews,
    private readonly policies: WatchedResource,
    private readonly load: () => Promise<R>,
    private readonly compile: (runtime: R, policy: KubeObject) => C,
    /** Told of each newly compiled policy (to watch its params' store, or RBAC). */
    private readonly compiledOne: (c: C) => void,
  ) {}

  loadRuntime(): void {
    if (this.runtime || this.loading) return;
    this.loading = true;
    void this.load().then((m) => {
      this.runtime = m;
      for (const policy of this.views.view(this.policies).objects.values()) this.get(policy);
      this.views.wake();
    });
  }

  get(policy: KubeObject): C | undefined {
    if (!this.runtime) return undefined;
    const name = policy.metadata.name ?? '';
    let c = this.compiled.get(name);
    if (!c || c.resourceVersion !== (policy.metadata.resourceVersion ?? '')) {
      c = this.compile(this.runtime, policy);
      this.compiled.set(name, c);
      this.compiledOne(c);
    }
    return c;
  }

  /** After a change to the policies' view: forget deleted ones, load the runtime, compile the rest. */
  refresh(): void {
    const v = this.views.view(this.policies);
    for (const name of this.compiled.keys()) if (!v.objects.has(`/${name}`)) this.compiled.delete(name);
    if (v.objects.size > 0) this.loadRuntime();
    for (const policy of v.objects.values()) this.get(policy);
  }
}

/** kube's strategy check that every expression of a policy compiles: 422 with the causes at their fields. */
export function expressionErrorsVerdict(kind: string, name: string, errors: readonly ExpressionError[]): PluginVerdict {
  if (errors.length === 0) return { allowed: true };
  const causes = errors.map((e) => ({ reason: 'FieldValueInvalid', field: e.field, message: `Invalid value: ${JSON.stringify(e.expression)}: ${e.message}` }));
  return { allowed: false, status: invalid(kind, 'admissionregistration.k8s.io', name, causes) };
}

export interface BindingLike { policyName?: string; paramRef?: ParamRef; matchResources?: MatchResources }

/** One binding of a policy that takes the request: its params, or its configuration error. */
export type BoundParams<B> = { name: string; binding: B } & ({ params: (KubeObject | undefined)[] } | { error: string });

/**
 * kube's dispatcher, per policy: the bindings (in name order) that name it and whose matchResources take
 * the request, each with the params its paramRef finds; UNSYNCED while a param store has no snapshot.
 */
export function boundParams<B extends BindingLike>(
  policyName: string,
  paramKind: ParamKind | undefined,
  bindings: readonly KubeObject[],
  input: MatchInput,
  waited: boolean,
  need: (r: WatchedResource) => View,
): BoundParams<B>[] | typeof UNSYNCED {
  const out: BoundParams<B>[] = [];
  for (const bindingObject of bindings) {
    const binding = (bindingObject.spec ?? {}) as B;
    if (binding.policyName !== policyName) continue;
    if (binding.matchResources && !matches(binding.matchResources, input, true)) continue;
    const collected = collectParams(paramKind, binding.paramRef, input.attributes.namespace, waited, need);
    if (collected === UNSYNCED) return UNSYNCED;
    out.push({ name: bindingObject.metadata.name ?? '', binding, ...collected });
  }
  return out;
}

/** `namespaceObject`: the request's namespace, except for a Namespace itself. */
export const namespaceObjectOf = (a: AdmissionAttributes, namespace: KubeObject | undefined): KubeObject | undefined =>
  a.resource.resource === 'namespaces' && a.resource.group === '' ? undefined : namespace;

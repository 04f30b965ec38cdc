// RBAC evaluation as kube's RBAC authorizer does it: a request is allowed when
// some rule of some role bound to the user (or to one of its groups) covers
// it. ClusterRoleBindings are consulted first, then the RoleBindings of the
// request's namespace. Bindings are indexed by subject and namespace so a
// decision touches only the bindings that can apply to this user.

import type { KubeObject, UserInfo } from '../../protocol/kube/meta.js';
import { failure, type Status } from '../../protocol/kube/status.js';
import { labelSelectorFromMetav1, matchesLabels, type Metav1LabelSelector } from '../store/label-selector.js';

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface ResourceAttributes {
  verb: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

export interface NonResourceAttributes {
  /** The lower-case HTTP method: get, post, put, ... */
  verb: string;
  path: string;
}

export type Attributes = ResourceAttributes | NonResourceAttributes;

export interface Subject {
  kind: string;
  name: string;
  namespace?: string;
  apiGroup?: string;
}

export interface RoleRef {
  kind: string;
  name: string;
  apiGroup?: string;
}

export interface RbacObjects {
  roles: readonly KubeObject[];
  clusterRoles: readonly KubeObject[];
  roleBindings: readonly KubeObject[];
  clusterRoleBindings: readonly KubeObject[];
}

interface IndexedBinding {
  kind: 'ClusterRoleBinding' | 'RoleBinding';
  name: string;
  /** '' for a ClusterRoleBinding. */
  namespace: string;
  roleRef: RoleRef;
  subjects: readonly Subject[];
  /** Position in name order, so every decision visits bindings in the same order. */
  order: number;
}

type BindingsBySubject = ReadonlyMap<string, readonly IndexedBinding[]>;

export interface RbacIndex {
  /** Effective rules of each ClusterRole, aggregation already applied. */
  readonly clusterRoleRules: ReadonlyMap<string, readonly PolicyRule[]>;
  /** Rules of each Role, keyed `namespace/name`. */
  readonly roleRules: ReadonlyMap<string, readonly PolicyRule[]>;
  /** ClusterRoleBindings by subject key (`User:alice`, `Group:system:masters`). */
  readonly clusterBindings: BindingsBySubject;
  /** RoleBindings by namespace, then by subject key. */
  readonly namespaceBindings: ReadonlyMap<string, BindingsBySubject>;
}

export interface Decision {
  allowed: boolean;
  /** On allow, which binding allowed; on deny, any role-resolution errors (kube's `RBAC: ...`), else ''. */
  reason: string;
  /** Why the chain could not decide (a failed webhook): kube answers 500 rather than 403. */
  error?: string;
}

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

// ---------------------------------------------------------------- building

const stringList = (value: unknown): string[] | undefined =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;

export function ruleOf(value: unknown): PolicyRule | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const r = value as Record<string, unknown>;
  const rule: PolicyRule = { verbs: stringList(r.verbs) ?? [] };
  const apiGroups = stringList(r.apiGroups);
  const resources = stringList(r.resources);
  const resourceNames = stringList(r.resourceNames);
  const nonResourceURLs = stringList(r.nonResourceURLs);
  if (apiGroups) rule.apiGroups = apiGroups;
  if (resources) rule.resources = resources;
  if (resourceNames) rule.resourceNames = resourceNames;
  if (nonResourceURLs) rule.nonResourceURLs = nonResourceURLs;
  return rule;
}

function rulesOf(o: KubeObject): PolicyRule[] {
  return Array.isArray(o.rules) ? o.rules.map(ruleOf).filter((r): r is PolicyRule => r !== undefined) : [];
}

function subjectsOf(o: KubeObject): Subject[] {
  if (!Array.isArray(o.subjects)) return [];
  return o.subjects.filter((s): s is Subject => !!s && typeof s === 'object' && typeof s.kind === 'string' && typeof s.name === 'string');
}

function roleRefOf(o: KubeObject): RoleRef {
  const r = o.roleRef as Partial<RoleRef> | undefined;
  return { kind: typeof r?.kind === 'string' ? r.kind : '', name: typeof r?.name === 'string' ? r.name : '' };
}

/** The index key of the user or group a subject stands for, or undefined when it can match nobody. */
function subjectKey(subject: Subject, bindingNamespace: string): string | undefined {
  switch (subject.kind) {
    case 'User':
      return `User:${subject.name}`;
    case 'Group':
      return `Group:${subject.name}`;
    case 'ServiceAccount': {
      // kube lets a RoleBinding name a service account of its own namespace
      // without saying so; in a ClusterRoleBinding it must say.
      const namespace = subject.namespace || bindingNamespace;
      return namespace ? `User:${SERVICE_ACCOUNT_PREFIX}${namespace}:${subject.name}` : undefined;
    }
    default:
      return undefined;
  }
}

function addBinding(map: Map<string, IndexedBinding[]>, binding: IndexedBinding): void {
  const keys = new Set<string>();
  for (const subject of binding.subjects) {
    const key = subjectKey(subject, binding.namespace);
    if (key) keys.add(key);
  }
  for (const key of keys) {
    const list = map.get(key);
    if (list) list.push(binding);
    else map.set(key, [binding]);
  }
}

/** metav1.LabelSelector semantics; undefined for a selector kube would reject. */
function selectorMatches(selector: Metav1LabelSelector, labels: Readonly<Record<string, string>>): boolean | undefined {
  const requirements = labelSelectorFromMetav1(selector);
  return requirements ? matchesLabels(requirements, labels) : undefined;
}

const sameList = (a: readonly string[] | undefined, b: readonly string[] | undefined): boolean => {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((v, i) => v === y[i]);
};

/** kube's semantic equality of rules: an absent list equals an empty one. */
export function sameRule(a: PolicyRule, b: PolicyRule): boolean {
  return (
    sameList(a.verbs, b.verbs) &&
    sameList(a.apiGroups, b.apiGroups) &&
    sameList(a.resources, b.resources) &&
    sameList(a.resourceNames, b.resourceNames) &&
    sameList(a.nonResourceURLs, b.nonResourceURLs)
  );
}

/**
 * The rules of every ClusterRole as kube's clusterrole-aggregation controller
 * leaves them: an aggregated role's rules are replaced by the union of the
 * rules of the roles its selectors pick, in name order, without duplicates.
 * Doing it here means aggregation holds even with no controller running.
 */
export function aggregateClusterRoles(clusterRoles: readonly KubeObject[]): Map<string, PolicyRule[]> {
  const byName = new Map<string, KubeObject>();
  for (const role of clusterRoles) if (role.metadata.name) byName.set(role.metadata.name, role);
  const sortedNames = [...byName.keys()].sort();
  const effective = new Map<string, PolicyRule[]>();
  const inProgress = new Set<string>();

  const resolve = (name: string): PolicyRule[] => {
    const done = effective.get(name);
    if (done) return done;
    const role = byName.get(name)!;
    const aggregation = role.aggregationRule as { clusterRoleSelectors?: unknown } | undefined;
    if (!aggregation || typeof aggregation !== 'object') {
      const own = rulesOf(role);
      effective.set(name, own);
      return own;
    }
    // A cycle is cut where it closes: that role contributes its stored rules.
    if (inProgress.has(name)) return rulesOf(role);
    inProgress.add(name);
    const rules: PolicyRule[] = [];
    let valid = true;
    const selectors = Array.isArray(aggregation.clusterRoleSelectors) ? (aggregation.clusterRoleSelectors as Metav1LabelSelector[]) : [];
    for (const selector of selectors) {
      for (const other of sortedNames) {
        if (other === name) continue;
        const matches = selectorMatches(selector ?? {}, byName.get(other)!.metadata.labels ?? {});
        if (matches === undefined) valid = false;
        if (!matches) continue;
        for (const rule of resolve(other)) if (!rules.some((r) => sameRule(r, rule))) rules.push(rule);
      }
    }
    inProgress.delete(name);
    // The controller leaves a role alone when one of its selectors is invalid.
    const result = valid ? rules : rulesOf(role);
    effective.set(name, result);
    return result;
  };

  for (const name of sortedNames) resolve(name);
  return effective;
}

export function buildRbacIndex(objects: RbacObjects): RbacIndex {
  const roleRules = new Map<string, PolicyRule[]>();
  for (const role of objects.roles) {
    if (role.metadata.namespace && role.metadata.name) roleRules.set(`${role.metadata.namespace}/${role.metadata.name}`, rulesOf(role));
  }

  const indexed = (o: KubeObject, kind: IndexedBinding['kind']): IndexedBinding => ({
    kind,
    name: o.metadata.name ?? '',
    namespace: kind === 'RoleBinding' ? (o.metadata.namespace ?? '') : '',
    roleRef: roleRefOf(o),
    subjects: subjectsOf(o),
    order: 0,
  });
  const byName = (a: IndexedBinding, b: IndexedBinding): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

  const clusterBindings = new Map<string, IndexedBinding[]>();
  objects.clusterRoleBindings
    .map((o) => indexed(o, 'ClusterRoleBinding'))
    .sort(byName)
    .forEach((binding, order) => addBinding(clusterBindings, { ...binding, order }));

  const namespaceBindings = new Map<string, Map<string, IndexedBinding[]>>();
  objects.roleBindings
    .map((o) => indexed(o, 'RoleBinding'))
    .filter((b) => b.namespace !== '')
    .sort(byName)
    .forEach((binding, order) => {
      let map = namespaceBindings.get(binding.namespace);
      if (!map) namespaceBindings.set(binding.namespace, (map = new Map()));
      addBinding(map, { ...binding, order });
    });

  return { clusterRoleRules: aggregateClusterRoles(objects.clusterRoles), roleRules, clusterBindings, namespaceBindings };
}

// ---------------------------------------------------------------- matching

const listHas = (list: readonly string[] | undefined, value: string): boolean => !!list && list.some((v) => v === '*' || v === value);

function resourceMatches(rule: PolicyRule, resource: string, subresource: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  return !!rule.resources && rule.resources.some((r) => r === '*' || r === combined || (subresource !== '' && r === `*/${subresource}`));
}

function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  return (
    !!rule.nonResourceURLs &&
    rule.nonResourceURLs.some((u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.replace(/\*+$/, ''))))
  );
}

export const isResourceAttributes = (a: Attributes): a is ResourceAttributes => !('path' in a);

/** Whether one rule covers the request (kube's RuleAllows). */
export function ruleAllows(rule: PolicyRule, a: Attributes): boolean {
  if (!listHas(rule.verbs, a.verb)) return false;
  if (!isResourceAttributes(a)) return nonResourceURLMatches(rule, a.path);
  if (!listHas(rule.apiGroups, a.apiGroup) || !resourceMatches(rule, a.resource, a.subresource)) return false;
  // A rule naming objects covers only requests that name one of them, so
  // never a create or a list, whose requests carry no name.
  return !rule.resourceNames || rule.resourceNames.length === 0 || rule.resourceNames.includes(a.name);
}

function subjectApplies(subject: Subject, user: UserInfo, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return subject.name === user.username;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const namespace = subject.namespace || bindingNamespace;
      return namespace !== '' && user.username === `${SERVICE_ACCOUNT_PREFIX}${namespace}:${subject.name}`;
    }
    default:
      return false;
  }
}

function describeSubject(subject: Subject, bindingNamespace: string): string {
  if (subject.kind === 'ServiceAccount') return `ServiceAccount "${subject.name}/${subject.namespace || bindingNamespace}"`;
  return `${subject.kind} "${subject.name}"`;
}

/** kube's wording for the binding that allowed a request. */
function describeBinding(binding: IndexedBinding, user: UserInfo): string {
  const subject = binding.subjects.find((s) => subjectApplies(s, user, binding.namespace));
  const name = binding.kind === 'RoleBinding' ? `${binding.name}/${binding.namespace}` : binding.name;
  const to = subject ? ` to ${describeSubject(subject, binding.namespace)}` : '';
  return `${binding.kind} "${name}" of ${binding.roleRef.kind} "${binding.roleRef.name}"${to}`;
}

function bindingsFor(map: BindingsBySubject | undefined, user: UserInfo): IndexedBinding[] {
  if (!map) return [];
  const found = new Set<IndexedBinding>();
  for (const binding of map.get(`User:${user.username}`) ?? []) found.add(binding);
  for (const group of user.groups) for (const binding of map.get(`Group:${group}`) ?? []) found.add(binding);
  return [...found].sort((a, b) => a.order - b.order);
}

export type RoleResolution = { rules: readonly PolicyRule[] } | { error: string };

function resolveRoleRef(index: RbacIndex, binding: IndexedBinding): RoleResolution {
  const { kind, name } = binding.roleRef;
  if (kind === 'ClusterRole') {
    const rules = index.clusterRoleRules.get(name);
    return rules ? { rules } : { error: `clusterrole.${RBAC_GROUP} "${name}" not found` };
  }
  if (kind === 'Role') {
    const rules = index.roleRules.get(`${binding.namespace}/${name}`);
    return rules ? { rules } : { error: `role.${RBAC_GROUP} "${name}" not found` };
  }
  return { error: `unsupported role reference kind: "${kind}"` };
}

/**
 * Calls `visit` with each rule that applies to `user` in `namespace`, and
 * `onError` for each binding whose role cannot be found; `visit` returns
 * false to stop early.
 */
function visitRules(
  index: RbacIndex,
  user: UserInfo,
  namespace: string,
  visit: (binding: IndexedBinding, rule: PolicyRule) => boolean,
  onError: (message: string) => void,
): void {
  const bindings = bindingsFor(index.clusterBindings, user);
  if (namespace) bindings.push(...bindingsFor(index.namespaceBindings.get(namespace), user));
  for (const binding of bindings) {
    const resolved = resolveRoleRef(index, binding);
    if ('error' in resolved) {
      onError(resolved.error);
      continue;
    }
    for (const rule of resolved.rules) if (!visit(binding, rule)) return;
  }
}

/** utilerrors.NewAggregate(...).Error(): one message alone, several deduplicated in brackets. */
/** Go's utilerrors.Aggregate message: one error as itself, several (deduplicated) in brackets. */
export function aggregateMessage(messages: readonly string[]): string {
  if (messages.length <= 1) return messages[0] ?? '';
  const unique = [...new Set(messages)];
  return unique.length === 1 ? unique[0]! : `[${unique.join(', ')}]`;
}

export function authorize(index: RbacIndex, user: UserInfo, attributes: Attributes): Decision {
  const namespace = isResourceAttributes(attributes) ? attributes.namespace : '';
  let allowedBy: string | undefined;
  const errors: string[] = [];
  visitRules(
    index,
    user,
    namespace,
    (binding, rule) => {
      if (!ruleAllows(rule, attributes)) return true;
      allowedBy = describeBinding(binding, user);
      return false;
    },
    (message) => errors.push(message),
  );
  if (allowedBy !== undefined) return { allowed: true, reason: `RBAC: allowed by ${allowedBy}` };
  return { allowed: false, reason: errors.length > 0 ? `RBAC: ${aggregateMessage(errors)}` : '' };
}

/** Every rule `user` holds in `namespace`, cluster-wide ones included, and the role references that did not resolve (kube's RulesFor). */
export function rulesHeld(index: RbacIndex, user: UserInfo, namespace: string): { rules: PolicyRule[]; resolutionErrors: string[] } {
  const rules: PolicyRule[] = [];
  const resolutionErrors: string[] = [];
  visitRules(index, user, namespace, (_binding, rule) => (rules.push(rule), true), (message) => resolutionErrors.push(message));
  return { rules, resolutionErrors };
}

/** The rules of the role a binding refers to, or kube's not-found wording. */
export function roleRefRules(index: RbacIndex, roleRef: RoleRef, bindingNamespace: string): RoleResolution {
  return resolveRoleRef(index, { kind: 'RoleBinding', name: '', namespace: bindingNamespace, roleRef, subjects: [], order: 0 });
}

// ---------------------------------------------------------------- reviews

/** authorization.k8s.io/v1 ResourceRule: empty lists are left out, as kube's omitempty does. */
export interface ResourceRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}

export interface NonResourceRule {
  verbs: string[];
  nonResourceURLs?: string[];
}

/** The `status` of a SelfSubjectRulesReview. */
export interface SubjectRulesReviewStatus {
  resourceRules: ResourceRule[];
  nonResourceRules: NonResourceRule[];
  incomplete: boolean;
  evaluationError?: string;
}

/** The rules that apply to `user` in `namespace` (cluster-wide ones included), for SelfSubjectRulesReview. */
export function rulesFor(index: RbacIndex, user: UserInfo, namespace: string): SubjectRulesReviewStatus {
  const resourceRules: ResourceRule[] = [];
  const nonResourceRules: NonResourceRule[] = [];
  const errors: string[] = [];
  visitRules(
    index,
    user,
    namespace,
    (_binding, rule) => {
      if (rule.resources?.length) {
        const r: ResourceRule = { verbs: [...rule.verbs] };
        if (rule.apiGroups?.length) r.apiGroups = [...rule.apiGroups];
        r.resources = [...rule.resources];
        if (rule.resourceNames?.length) r.resourceNames = [...rule.resourceNames];
        resourceRules.push(r);
      }
      if (rule.nonResourceURLs?.length) nonResourceRules.push({ verbs: [...rule.verbs], nonResourceURLs: [...rule.nonResourceURLs] });
      return true;
    },
    (message) => errors.push(message),
  );
  // RBAC enumerates everything it knows, so kube never marks its list
  // incomplete, even when a missing role is reported as an evaluation error.
  const status: SubjectRulesReviewStatus = { resourceRules, nonResourceRules, incomplete: false };
  if (errors.length > 0) status.evaluationError = aggregateMessage(errors);
  return status;
}

/** The `status` of a SubjectAccessReview (or its self/local forms). */
export interface SubjectAccessReviewStatus {
  allowed: boolean;
  denied?: boolean;
  reason?: string;
  evaluationError?: string;
}

/** A decision as a review's status; RBAC never denies outright, it only declines to allow, so `denied` stays unset. */
export function subjectAccessReviewStatus(decision: Decision, evaluationError?: string): SubjectAccessReviewStatus {
  const status: SubjectAccessReviewStatus = { allowed: decision.allowed };
  if (decision.reason) status.reason = decision.reason;
  if (evaluationError) status.evaluationError = evaluationError;
  return status;
}

// ---------------------------------------------------------------- 403s

// kube escapes these so a 403 body can never be taken for HTML.
const sanitize = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Go's %q, close enough for names and paths. */
const quote = (text: string): string => JSON.stringify(text);

/** kube's forbiddenMessage: what the user cannot do, without the resource prefix. */
export function forbiddenMessage(user: UserInfo, a: Attributes): string {
  const who = `User ${quote(user.username)}`;
  if (!isResourceAttributes(a)) return `${who} cannot ${a.verb} path ${quote(a.path)}`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace ? `in the namespace ${quote(a.namespace)}` : 'at the cluster scope';
  return `${who} cannot ${a.verb} resource ${quote(resource)} in API group ${quote(a.apiGroup)} ${scope}`;
}

/**
 * The 403 Status kube sends for a denied request: `pods "x" is forbidden: User ...`,
 * `forbidden: User ... path ...` for non-resource requests, and the
 * authorizers' reason, if any, after a colon.
 */
export function forbiddenStatus(user: UserInfo, a: Attributes, reason = ''): Status {
  const message = sanitize(forbiddenMessage(user, a));
  const why = reason ? `${message}: ${reason}` : message;
  if (!isResourceAttributes(a) || (a.resource === '' && a.apiGroup === '')) return failure('Forbidden', `forbidden: ${why}`, {});
  const qualified = a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource;
  const subject = a.name ? `${qualified} ${quote(a.name)}` : qualified;
  const details: NonNullable<Status['details']> = { kind: a.resource };
  if (a.name) details.name = a.name;
  if (a.apiGroup) details.group = a.apiGroup;
  return failure('Forbidden', `${subject} is forbidden: ${why}`, details);
}

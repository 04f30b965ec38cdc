// RBAC evaluation, as kube's RBAC authorizer does it: a request is allowed
// when some rule of some role bound to the user (or one of its groups)
// covers it. Bindings are indexed by subject so a decision touches only the
// user's own bindings.

import type { KubeObject, UserInfo } from '../../protocol/kube/meta.js';

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
  verb: string;
  path: string;
}

export type Attributes = ResourceAttributes | NonResourceAttributes;

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

interface Binding {
  namespace: string;
  roleRef: { kind: string; name: string };
  subjects: Subject[];
}

export interface RbacIndex {
  roles: Map<string, PolicyRule[]>;
  clusterRoles: Map<string, PolicyRule[]>;
  /** Bindings by subject key (`User:alice`, `Group:system:masters`). */
  bindings: Map<string, Binding[]>;
}

export interface RbacObjects {
  roles: KubeObject[];
  clusterRoles: KubeObject[];
  roleBindings: KubeObject[];
  clusterRoleBindings: KubeObject[];
}

function subjectKeys(subject: Subject, bindingNamespace: string): string[] {
  if (subject.kind === 'ServiceAccount') return [`User:system:serviceaccount:${subject.namespace || bindingNamespace}:${subject.name}`];
  return [`${subject.kind}:${subject.name}`];
}

function rulesOf(o: KubeObject): PolicyRule[] {
  return Array.isArray(o.rules) ? (o.rules as PolicyRule[]) : [];
}

export function buildRbacIndex(objects: RbacObjects): RbacIndex {
  const roles = new Map(objects.roles.map((r) => [`${r.metadata.namespace}/${r.metadata.name}`, rulesOf(r)]));
  const clusterRoles = new Map(objects.clusterRoles.map((r) => [r.metadata.name ?? '', rulesOf(r)]));
  const bindings = new Map<string, Binding[]>();
  for (const o of [...objects.roleBindings, ...objects.clusterRoleBindings]) {
    const binding: Binding = {
      namespace: o.metadata.namespace ?? '',
      roleRef: (o.roleRef as Binding['roleRef'] | undefined) ?? { kind: '', name: '' },
      subjects: Array.isArray(o.subjects) ? (o.subjects as Subject[]) : [],
    };
    for (const subject of binding.subjects) {
      for (const key of subjectKeys(subject, binding.namespace)) bindings.set(key, [...(bindings.get(key) ?? []), binding]);
    }
  }
  return { roles, clusterRoles, bindings };
}

const has = (list: string[] | undefined, value: string): boolean => !!list && (list.includes('*') || list.includes(value));

function resourceMatches(rule: PolicyRule, a: ResourceAttributes): boolean {
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return !!rule.resources && rule.resources.some((r) => r === '*' || r === combined || (a.subresource !== '' && r === `*/${a.subresource}`));
}

export function ruleAllows(rule: PolicyRule, a: Attributes): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if ('path' in a) {
    return !!rule.nonResourceURLs && rule.nonResourceURLs.some((u) => u === '*' || u === a.path || (u.endsWith('*') && a.path.startsWith(u.slice(0, -1))));
  }
  if (!has(rule.apiGroups, a.apiGroup) || !resourceMatches(rule, a)) return false;
  if (!rule.resourceNames || rule.resourceNames.length === 0) return true;
  return rule.resourceNames.includes(a.name);
}

function bindingsOf(index: RbacIndex, user: UserInfo): Binding[] {
  const keys = [`User:${user.username}`, ...user.groups.map((g) => `Group:${g}`)];
  return keys.flatMap((k) => index.bindings.get(k) ?? []);
}

function rulesOfBinding(index: RbacIndex, binding: Binding): PolicyRule[] {
  if (binding.roleRef.kind === 'ClusterRole') return index.clusterRoles.get(binding.roleRef.name) ?? [];
  return index.roles.get(`${binding.namespace}/${binding.roleRef.name}`) ?? [];
}

export function authorize(index: RbacIndex, user: UserInfo, attributes: Attributes): { allowed: boolean; reason: string } {
  const namespace = 'path' in attributes ? '' : attributes.namespace;
  for (const binding of bindingsOf(index, user)) {
    // A RoleBinding grants only within its own namespace; a ClusterRoleBinding everywhere.
    if (binding.namespace && binding.namespace !== namespace) continue;
    if (rulesOfBinding(index, binding).some((rule) => ruleAllows(rule, attributes))) {
      return { allowed: true, reason: `RBAC: allowed by ${binding.namespace ? 'RoleBinding' : 'ClusterRoleBinding'} of ${binding.roleRef.kind} "${binding.roleRef.name}"` };
    }
  }
  return { allowed: false, reason: '' };
}

/** The rules that apply to `user` in `namespace`, for SelfSubjectRulesReview. */
export function rulesFor(index: RbacIndex, user: UserInfo, namespace: string): { resourceRules: object[]; nonResourceRules: object[] } {
  const resourceRules: object[] = [];
  const nonResourceRules: object[] = [];
  for (const binding of bindingsOf(index, user)) {
    if (binding.namespace && binding.namespace !== namespace) continue;
    for (const rule of rulesOfBinding(index, binding)) {
      if (rule.nonResourceURLs?.length) nonResourceRules.push({ verbs: rule.verbs, nonResourceURLs: rule.nonResourceURLs });
      if (rule.resources?.length) {
        const r: Record<string, unknown> = { verbs: rule.verbs, apiGroups: rule.apiGroups ?? [], resources: rule.resources };
        if (rule.resourceNames?.length) r.resourceNames = rule.resourceNames;
        resourceRules.push(r);
      }
    }
  }
  return { resourceRules, nonResourceRules };
}

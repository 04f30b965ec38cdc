// kube's RBAC escalation prevention (pkg/registry/rbac/validation and the
// rbac registry's policybased storage): nobody grants rights they do not hold.
//
// - A Role or ClusterRole may only hold rules the writer already holds in its
//   namespace, unless the writer may `escalate` it.
// - A RoleBinding or ClusterRoleBinding may only bind a role whose rules the
//   writer already holds, unless the writer may `bind` that role.
// - system:masters may do either.
//
// Pure functions: authz decides bindings at once, and hands a role write the
// rules its writer holds (ApiRequest.grantLimit); the store checks the role's
// final rules against them, since only it knows what a patch makes of a role.

import type { UserInfo } from '../../protocol/kube/meta.js';
import type { GrantLimit, GrantRule } from '../../protocol/messages/request.js';
import { ruleOf } from './rbac.js';

/** One rule per verb, group, resource and name (or per verb and URL): kube's BreakdownRule. */
function breakdown(rule: GrantRule): GrantRule[] {
  const out: GrantRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs) {
        if (rule.resourceNames?.length) for (const name of rule.resourceNames) out.push({ apiGroups: [group], resources: [resource], resourceNames: [name], verbs: [verb] });
        else out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) for (const verb of rule.verbs) out.push({ nonResourceURLs: [url], verbs: [verb] });
  return out;
}

const hasAll = (list: readonly string[] | undefined, value: string): boolean => !!list && (list.includes('*') || list.includes(value));

function resourceCovered(owner: readonly string[] | undefined, resource: string): boolean {
  if (hasAll(owner, resource)) return true;
  const slash = resource.indexOf('/');
  if (slash < 0 || !owner) return false;
  return owner.includes(`${resource.slice(0, slash)}/*`) || owner.includes(`*/${resource.slice(slash + 1)}`);
}

function urlCovered(owner: readonly string[] | undefined, url: string): boolean {
  return !!owner && owner.some((u) => u === '*' || u === url || (u.endsWith('*') && url.startsWith(u.slice(0, -1))));
}

/** Whether an owner rule covers one broken-down rule (kube's ruleCovers). */
function ruleCovers(owner: GrantRule, sub: GrantRule): boolean {
  if (!hasAll(owner.verbs, sub.verbs[0]!)) return false;
  if (sub.nonResourceURLs) return urlCovered(owner.nonResourceURLs, sub.nonResourceURLs[0]!);
  if (!hasAll(owner.apiGroups, sub.apiGroups![0]!) || !resourceCovered(owner.resources, sub.resources![0]!)) return false;
  return !owner.resourceNames?.length || (!!sub.resourceNames && owner.resourceNames.includes(sub.resourceNames[0]!));
}

/** The broken-down rules of `wanted` that no rule of `owner` covers (kube's Covers), compacted as kube prints them. */
export function uncoveredRules(owner: readonly GrantRule[], wanted: readonly GrantRule[]): GrantRule[] {
  const missing = wanted.flatMap(breakdown).filter((sub) => !owner.some((o) => ruleCovers(o, sub)));
  // kube's CompactRules: simple resource rules of one group and resource merge their verbs.
  const merged = new Map<string, GrantRule>();
  const out: GrantRule[] = [];
  for (const rule of missing) {
    if (rule.nonResourceURLs || rule.resourceNames) {
      out.push(rule);
      continue;
    }
    const key = `${rule.apiGroups![0]}\u0000${rule.resources![0]}`;
    const existing = merged.get(key);
    if (existing) {
      if (!existing.verbs.includes(rule.verbs[0]!)) existing.verbs.push(rule.verbs[0]!);
    } else {
      const copy = { apiGroups: [...rule.apiGroups!], resources: [...rule.resources!], verbs: [...rule.verbs] };
      merged.set(key, copy);
      out.push(copy);
    }
  }
  return out;
}

/** Go's %q of a []string: ["a" "b"]. */
const goStrings = (list: readonly string[]): string => `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;

/** rbacv1helpers.CompactString. */
export function compactString(rule: GrantRule): string {
  const parts: string[] = [];
  if (rule.apiGroups?.length) parts.push(`APIGroups:${goStrings(rule.apiGroups)}`);
  if (rule.resources?.length) parts.push(`Resources:${goStrings(rule.resources)}`);
  if (rule.nonResourceURLs?.length) parts.push(`NonResourceURLs:${goStrings(rule.nonResourceURLs)}`);
  if (rule.resourceNames?.length) parts.push(`ResourceNames:${goStrings(rule.resourceNames)}`);
  if (rule.verbs.length) parts.push(`Verbs:${goStrings(rule.verbs)}`);
  return `{${parts.join(', ')}}`;
}

/**
 * kube's ConfirmNoEscalation: undefined when the writer holds every right in `wanted`, else the
 * reason, worded as kube words it (the missing rules sorted, one a line).
 */
export function escalationReason(user: UserInfo, limit: GrantLimit, wanted: readonly GrantRule[]): string | undefined {
  const missing = uncoveredRules(limit.rules, wanted);
  if (missing.length === 0) return undefined;
  const lines = [...new Set(missing.map(compactString))].sort();
  const groups = goStrings(user.groups);
  let reason = `user ${JSON.stringify(user.username)} (groups=${groups}) is attempting to grant RBAC permissions not currently held:\n${lines.join('\n')}`;
  if (limit.resolutionErrors.length > 0) reason += `; resolution errors: [${limit.resolutionErrors.join(' ')}]`;
  return reason;
}

/** A stored object's rules as GrantRules: what is not a list of strings counts as empty (RBAC's own reading of a rule). */
export function grantRulesOf(rules: unknown): GrantRule[] {
  if (!Array.isArray(rules)) return [];
  return rules.map(ruleOf).filter((r): r is GrantRule => r !== undefined);
}

// kube's audit policy checker: the first rule that matches a request decides
// its level; no rule means None. Pure functions over the Policy document.

import { yaml } from '../../lib/lazy-yaml.js';
import type { AuditLevel, AuditStage, GroupResources, Policy, PolicyRule } from '../../protocol/kube/audit.js';
import type { UserInfo } from '../../protocol/kube/meta.js';
import type { RequestInfo } from '../../protocol/messages/request.js';

const LEVELS: readonly AuditLevel[] = ['None', 'Metadata', 'Request', 'RequestResponse'];
const STAGES: readonly AuditStage[] = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'];

export interface AuditDecision {
  level: AuditLevel;
  omitStages: ReadonlySet<AuditStage>;
}

/** Reads and checks a policy file's text; throws one clear line naming what is wrong. */
export function parsePolicy(text: string, path: string): Policy {
  const doc = yaml().parse(text) as Partial<Policy> | null;
  if (!doc || doc.kind !== 'Policy' || !['audit.k8s.io/v1', 'audit.k8s.io/v1beta1'].includes(String(doc.apiVersion))) {
    throw new Error(`${path}: not an audit.k8s.io/v1 Policy`);
  }
  const rules = doc.rules ?? [];
  if (rules.length === 0) throw new Error(`${path}: the audit policy has no rules`);
  rules.forEach((rule, i) => {
    if (!LEVELS.includes(rule.level)) throw new Error(`${path}: rules[${i}].level: Unsupported value: ${JSON.stringify(rule.level)}: supported values: ${LEVELS.map((l) => `"${l}"`).join(', ')}`);
    if (rule.nonResourceURLs && (rule.resources || rule.namespaces)) {
      throw new Error(`${path}: rules[${i}].nonResourceURLs: Invalid value: rules cannot apply to both regular resources and non-resource URLs`);
    }
    for (const stage of rule.omitStages ?? []) if (!STAGES.includes(stage)) throw new Error(`${path}: rules[${i}].omitStages: Unsupported value: ${JSON.stringify(stage)}`);
  });
  return { apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules, ...(doc.omitStages ? { omitStages: doc.omitStages } : {}) };
}

function matchesResource(info: Extract<RequestInfo, { isResourceRequest: true }>, entries: readonly GroupResources[]): boolean {
  const full = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
  return entries.some((entry) => {
    if ((entry.group ?? '') !== info.apiGroup) return false;
    if (entry.resources && entry.resources.length > 0) {
      const hit = entry.resources.some((r) => r === full || r === '*' || (r === `${info.resource}/*` && info.subresource !== '') || (r === `*/${info.subresource}` && info.subresource !== ''));
      if (!hit) return false;
    }
    return !entry.resourceNames || entry.resourceNames.length === 0 || entry.resourceNames.includes(info.name);
  });
}

function matchesPath(path: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => p === '*' || p === path || (p.endsWith('*') && path.startsWith(p.slice(0, -1))));
}

function matches(rule: PolicyRule, info: RequestInfo, user: UserInfo): boolean {
  if (rule.users && rule.users.length > 0 && !rule.users.includes(user.username)) return false;
  if (rule.userGroups && rule.userGroups.length > 0 && !rule.userGroups.some((g) => (user.groups ?? []).includes(g))) return false;
  if (rule.verbs && rule.verbs.length > 0 && !rule.verbs.includes(info.verb)) return false;
  if (info.isResourceRequest) {
    if (rule.nonResourceURLs && rule.nonResourceURLs.length > 0) return false;
    if (rule.namespaces && rule.namespaces.length > 0 && !rule.namespaces.includes(info.namespace)) return false;
    return !rule.resources || rule.resources.length === 0 || matchesResource(info, rule.resources);
  }
  if ((rule.resources && rule.resources.length > 0) || (rule.namespaces && rule.namespaces.length > 0)) return false;
  return !rule.nonResourceURLs || rule.nonResourceURLs.length === 0 || matchesPath(info.path, rule.nonResourceURLs);
}

export function decide(policy: Policy, info: RequestInfo, user: UserInfo): AuditDecision {
  const rule = policy.rules.find((r) => matches(r, info, user));
  if (!rule) return { level: 'None', omitStages: new Set() };
  return { level: rule.level, omitStages: new Set([...(policy.omitStages ?? []), ...(rule.omitStages ?? [])]) };
}

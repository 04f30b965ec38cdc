// kube's ABAC authorizer (--authorization-mode=ABAC, --authorization-policy-file):
// one JSON policy a line (abac.authorization.kubernetes.io/v1beta1 Policy, or
// the unversioned v0 form), blank lines and `#` comments skipped. A policy
// matches when its subject does (user or group, `*` for any), its verbs do
// (readonly: get, list, watch only), and its resource (namespace, resource,
// apiGroup, `*` for any) or non-resource path (`*`, exact, or a `/prefix*`).
// A match allows; no match is no opinion, and the chain goes on.

import { readFileSync } from 'node:fs';
import type { UserInfo } from '../../protocol/kube/meta.js';
import { isResourceAttributes, type Attributes } from './rbac.js';
import type { ModeAuthorizer, RulesAnswer, Verdict } from './decide.js';

interface PolicySpec {
  user?: string;
  group?: string;
  readonly?: boolean;
  apiGroup?: string;
  namespace?: string;
  resource?: string;
  nonResourcePath?: string;
}

export class AbacPolicyError extends Error {}

const READONLY = new Set(['get', 'list', 'watch']);
const STRING_FIELDS = ['user', 'group', 'apiGroup', 'namespace', 'resource', 'nonResourcePath'] as const;

/** The policies of a file's text; a bad line is one error naming it. */
export function parseAbacPolicies(text: string, path: string): PolicySpec[] {
  const policies: PolicySpec[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `--authorization-policy-file ${path}: line ${i + 1}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (e) {
      throw new AbacPolicyError(`${where}: ${(e as Error).message}`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new AbacPolicyError(`${where}: not a JSON object`);
    const object = parsed as Record<string, unknown>;
    let spec: Record<string, unknown>;
    if (object.apiVersion === undefined) spec = object; // v0: the fields at the top level
    else if (object.apiVersion === 'abac.authorization.kubernetes.io/v1beta1' && object.kind === 'Policy' && object.spec && typeof object.spec === 'object') spec = object.spec as Record<string, unknown>;
    else throw new AbacPolicyError(`${where}: unknown apiVersion ${JSON.stringify(object.apiVersion)} or kind ${JSON.stringify(object.kind)}`);
    for (const field of STRING_FIELDS) if (spec[field] !== undefined && typeof spec[field] !== 'string') throw new AbacPolicyError(`${where}: spec.${field} must be a string`);
    if (spec.readonly !== undefined && typeof spec.readonly !== 'boolean') throw new AbacPolicyError(`${where}: spec.readonly must be a boolean`);
    const policy = spec as PolicySpec;
    // v0 policies name no apiGroup and no path: they meant every group, and no path.
    if (object.apiVersion === undefined) policies.push({ ...policy, apiGroup: '*', nonResourcePath: policy.nonResourcePath ?? '' });
    else policies.push(policy);
  });
  return policies;
}

function subjectMatches(p: PolicySpec, user: UserInfo): boolean {
  let matched = false;
  if (p.user) {
    if (p.user !== '*' && p.user !== user.username) return false;
    matched = true;
  }
  if (p.group) {
    if (p.group !== '*' && !user.groups.includes(p.group)) return false;
    matched = true;
  }
  return matched;
}

const field = (policy: string | undefined, value: string): boolean => policy === '*' || policy === value;

function matches(p: PolicySpec, user: UserInfo, a: Attributes): boolean {
  if (!subjectMatches(p, user)) return false;
  if (p.readonly && !READONLY.has(a.verb)) return false;
  if (isResourceAttributes(a)) return field(p.namespace, a.namespace) && field(p.resource, a.resource) && field(p.apiGroup, a.apiGroup);
  const path = p.nonResourcePath ?? '';
  return path === '*' || path === a.path || (path.endsWith('*') && a.path.startsWith(path.slice(0, -1)));
}

export class AbacAuthorizer implements ModeAuthorizer {
  constructor(private readonly policies: readonly PolicySpec[]) {}

  static fromFile(path: string): AbacAuthorizer {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new AbacPolicyError(`--authorization-policy-file: reading ${path}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    }
    return new AbacAuthorizer(parseAbacPolicies(text, path));
  }

  authorize(user: UserInfo, attributes: Attributes): Verdict {
    return this.policies.some((p) => matches(p, user, attributes)) ? { decision: 'Allow', reason: '' } : { decision: 'NoOpinion', reason: 'No policy matched.' };
  }

  /** kube's PolicyList.RulesFor: each policy the user matches, in this namespace or `*`, as one rule; read-only ones for get, list and watch. */
  rulesFor(user: UserInfo, namespace: string): RulesAnswer {
    const answer: RulesAnswer = { resourceRules: [], nonResourceRules: [], incomplete: false };
    for (const p of this.policies) {
      if (!subjectMatches(p, user) || (p.namespace !== '*' && p.namespace !== namespace)) continue;
      const verbs = p.readonly ? ['get', 'list', 'watch'] : ['*'];
      if (p.resource) answer.resourceRules.push({ verbs, apiGroups: [p.apiGroup ?? ''], resources: [p.resource] });
      if (p.nonResourcePath) answer.nonResourceRules.push({ verbs: [...verbs], nonResourceURLs: [p.nonResourcePath] });
    }
    return answer;
  }
}

// kube's APF classification (apf_filter's Match): the FlowSchemas in order of
// matchingPrecedence, then name; the first whose rules match the request's
// user and attributes classifies it, and its distinguisher names the flow.

import type { KubeObject, UserInfo } from '../../protocol/kube/meta.js';
import type { RequestInfo } from '../../protocol/messages/request.js';
import type { FlowSchemaRef, FlowSchemaSpec, NonResourceRule, PolicyRules, ResourceRule, Subject } from '../../protocol/messages/flowcontrol.js';

export type Schema = FlowSchemaRef;

export interface Classification {
  schema: Schema;
  /** The flow within the schema's priority level: the schema's name and its distinguisher's value. */
  flow: string;
}

const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

function subjectMatches(subject: Subject, user: UserInfo): boolean {
  switch (subject.kind) {
    case 'User':
      return subject.user?.name === '*' || subject.user?.name === user.username;
    case 'Group':
      return subject.group?.name === '*' || user.groups.includes(subject.group?.name ?? '');
    case 'ServiceAccount': {
      if (!user.username.startsWith(SERVICE_ACCOUNT_PREFIX) || !subject.serviceAccount) return false;
      const [namespace, name] = user.username.slice(SERVICE_ACCOUNT_PREFIX.length).split(':');
      return subject.serviceAccount.namespace === namespace && (subject.serviceAccount.name === '*' || subject.serviceAccount.name === name);
    }
    default:
      return false;
  }
}

const has = (list: readonly string[] | undefined, value: string): boolean => !!list && (list.includes('*') || list.includes(value));

function resourceRuleMatches(rule: ResourceRule, info: Extract<RequestInfo, { isResourceRequest: true }>): boolean {
  if (!has(rule.verbs, info.verb) || !has(rule.apiGroups, info.apiGroup)) return false;
  const resource = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
  if (!has(rule.resources, resource)) return false;
  return info.namespace === '' ? rule.clusterScope === true : has(rule.namespaces, info.namespace);
}

function nonResourceRuleMatches(rule: NonResourceRule, info: RequestInfo): boolean {
  if (!has(rule.verbs, info.verb)) return false;
  return (rule.nonResourceURLs ?? []).some((url) => url === '*' || url === info.path || (url.endsWith('/*') && info.path.startsWith(url.slice(0, -1))));
}

function rulesMatch(rules: PolicyRules, user: UserInfo, info: RequestInfo): boolean {
  if (!(rules.subjects ?? []).some((s) => subjectMatches(s, user))) return false;
  if (info.isResourceRequest) return (rules.resourceRules ?? []).some((r) => resourceRuleMatches(r, info));
  return (rules.nonResourceRules ?? []).some((r) => nonResourceRuleMatches(r, info));
}

/** FlowSchemas in kube's matching order. */
export function schemasInOrder(objects: Iterable<KubeObject>): Schema[] {
  // A FlowSchema with no level named classifies nothing (kube's validation would have refused it).
  const schemas = [...objects]
    .map((o) => ({ name: o.metadata.name ?? '', uid: o.metadata.uid ?? '', spec: (o as unknown as { spec?: FlowSchemaSpec }).spec }))
    .filter((s): s is Schema => typeof s.spec?.priorityLevelConfiguration?.name === 'string');
  const precedence = (s: Schema): number => (typeof s.spec.matchingPrecedence === 'number' ? s.spec.matchingPrecedence : 1000);
  return schemas.sort((a, b) => precedence(a) - precedence(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function classify(schemas: readonly Schema[], user: UserInfo, info: RequestInfo): Classification | undefined {
  for (const schema of schemas) {
    if (!(schema.spec.rules ?? []).some((rules) => rules !== null && typeof rules === 'object' && rulesMatch(rules, user, info))) continue;
    const method = schema.spec.distinguisherMethod?.type;
    const distinguisher = method === 'ByUser' ? user.username : method === 'ByNamespace' && info.isResourceRequest ? info.namespace : '';
    return { schema, flow: `${schema.name}\0${distinguisher}` };
  }
  return undefined;
}

// Whether a webhook is called for a request, as kube's generic webhook
// decides (k8s.io/apiserver/pkg/admission/plugin/webhook/generic ShouldCallHook):
// namespaceSelector, objectSelector, then the rules (operations, groups,
// versions, resources with subresources and wildcards, scope); with
// matchPolicy Equivalent, a rule that names another version of the same
// resource matches too, and the webhook is sent the request as that version;
// last, the matchConditions (./match-conditions.ts).
// The webhook configurations (and admission policies) themselves are never
// sent to webhooks, so a broken webhook cannot lock itself in.

import type { KubeObject } from '../../../protocol/kube/meta.js';
import type { AdmissionAttributes, GroupVersionKind, GroupVersionResource } from '../../../protocol/messages/admission.js';
import { forbidden, notFound, type Status } from '../../../protocol/kube/status.js';
import { isEmptySelector, selectorMatches } from '../../../scheme/kinds/workloads/selector.js';
import type { Hook, Rule } from './source.js';
import { conditionsOf } from './source.js';
import { loadedCel } from './cel.js';

/** The resource and kind a webhook is called with (the request's, or an equivalent's). */
export interface Invocation {
  hook: Hook;
  resource: GroupVersionResource;
  kind: GroupVersionKind;
  subresource: string;
}

/** Other versions of a resource that store the same objects (kube's EquivalentResourceMapper). */
export type Equivalents = (resource: GroupVersionResource) => readonly { resource: GroupVersionResource; kind: GroupVersionKind }[];

const EXEMPT_KINDS = new Set([
  'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration',
  'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
  'MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding',
]);

/** kube's IsExemptAdmissionConfigurationResource. */
export function isExempt(attributes: AdmissionAttributes): boolean {
  return attributes.kind.group === 'admissionregistration.k8s.io' && EXEMPT_KINDS.has(attributes.kind.kind);
}

const exactOrWildcard = (items: readonly string[], requested: string): boolean => items.some((i) => i === '*' || i === requested);

const isNamespaceResource = (r: GroupVersionResource): boolean => r.group === '' && r.version === 'v1' && r.resource === 'namespaces';

function scopeMatches(rule: Rule, resource: GroupVersionResource, namespace: string): boolean {
  switch (rule.scope) {
    case '*': return true;
    case 'Namespaced': return !isNamespaceResource(resource) && namespace !== '';
    case 'Cluster': return isNamespaceResource(resource) || namespace === '';
    default: return false;
  }
}

function resourceMatches(rule: Rule, resource: string, subresource: string): boolean {
  return rule.resources.some((entry) => {
    const slash = entry.indexOf('/');
    const res = slash < 0 ? entry : entry.slice(0, slash);
    const sub = slash < 0 ? '' : entry.slice(slash + 1);
    return (res === '*' || res === resource) && (sub === '*' || sub === subresource);
  });
}

export function ruleMatches(rule: Rule, attributes: AdmissionAttributes, resource: GroupVersionResource = attributes.resource): boolean {
  return scopeMatches(rule, resource, attributes.namespace)
    && rule.operations.some((op) => op === '*' || op === attributes.operation)
    && exactOrWildcard(rule.apiGroups, resource.group)
    && exactOrWildcard(rule.apiVersions, resource.version)
    && resourceMatches(rule, resource.resource, attributes.subresource);
}

/** The rules alone: what the request's attributes can tell before the object is known. */
export function rulesInvocation(hook: Hook, attributes: AdmissionAttributes, equivalents: Equivalents): Invocation | undefined {
  if (hook.rules.some((r) => ruleMatches(r, attributes))) {
    return { hook, resource: attributes.resource, kind: attributes.kind, subresource: attributes.subresource };
  }
  if (hook.matchPolicy !== 'Equivalent') return undefined;
  for (const rule of hook.rules) {
    for (const equivalent of equivalents(attributes.resource)) {
      if (ruleMatches(rule, attributes, equivalent.resource)) return { hook, resource: equivalent.resource, kind: equivalent.kind, subresource: attributes.subresource };
    }
  }
  return undefined;
}

/** The labels namespaceSelector is matched against; a Status when the namespace is unknown. */
function namespaceLabels(attributes: AdmissionAttributes, object: KubeObject | undefined, namespaceOf: (name: string) => KubeObject | undefined): Record<string, string> | Status {
  const isNamespace = attributes.resource.resource === 'namespaces' && attributes.resource.group === '';
  if (isNamespace && attributes.subresource === '' && (attributes.operation === 'CREATE' || attributes.operation === 'UPDATE')) {
    return object?.metadata.labels ?? {};
  }
  const name = attributes.namespace || (isNamespace ? attributes.name : '');
  const namespace = namespaceOf(name);
  if (!namespace) return notFound({ group: '', resource: 'namespaces' }, name);
  return namespace.metadata.labels ?? {};
}

/**
 * kube's ShouldCallHook: the invocation, undefined when the webhook is not called, or the Status that
 * ends the request (a namespace that cannot be found, when the rules match).
 */
export function shouldCall(
  hook: Hook, attributes: AdmissionAttributes, object: KubeObject | undefined, oldObject: KubeObject | undefined,
  namespaceOf: (name: string) => KubeObject | undefined, equivalents: Equivalents,
): Invocation | Status | undefined {
  let namespaceError: Status | undefined;
  const isNamespace = attributes.resource.resource === 'namespaces' && attributes.resource.group === '';
  if ((attributes.namespace !== '' || isNamespace) && !isEmptySelector(hook.namespaceSelector)) {
    const labels = namespaceLabels(attributes, object, namespaceOf);
    if ('kind' in labels && labels.kind === 'Status') namespaceError = labels as Status;
    else if (!selectorMatches(hook.namespaceSelector, labels)) return undefined;
  }
  if (!isEmptySelector(hook.objectSelector)) {
    const matches = (o: KubeObject | undefined): boolean => !!o && selectorMatches(hook.objectSelector, o.metadata?.labels ?? {});
    if (!matches(object) && !matches(oldObject)) return undefined;
  }
  const invocation = rulesInvocation(hook, attributes, equivalents);
  if (!invocation) return undefined;
  if (namespaceError) return namespaceError;
  if (hook.matchConditions.length > 0) {
    const cel = loadedCel();
    // The plugins load CEL before matching a source that needs it.
    if (!cel) return forbidden({ group: attributes.resource.group, resource: attributes.resource.resource }, attributes.name, 'matchConditions could not be evaluated: CEL is not loaded');
    const matched = cel.evaluateMatchConditions(conditionsOf(hook, cel), hook.failurePolicy, attributes, invocation, object, oldObject);
    if (typeof matched === 'string') return forbidden({ group: attributes.resource.group, resource: attributes.resource.resource }, attributes.name, matched);
    if (!matched) return undefined;
  }
  return invocation;
}

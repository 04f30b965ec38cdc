// Whether a policy's matchConstraints, or a binding's matchResources, take in
// a request (kube's admission/plugin/policy/matching): namespaceSelector,
// objectSelector, resourceRules less excludeResourceRules, with matchPolicy
// Equivalent matching a resource at any version. Admission configuration
// itself (policies, bindings, webhook configurations) is never matched.

import type { KubeObject } from '../../../protocol/kube/meta.js';
import type { AdmissionAttributes } from '../../../protocol/messages/admission.js';
import { labelSelectorFromMetav1, matchesLabels } from '../../store/label-selector.js';
import type { MatchResources, RuleWithOperations } from '../../../lib/cel/validating-admission-policy.js';

const EXEMPT = new Set(['validatingadmissionpolicies', 'validatingadmissionpolicybindings', 'mutatingadmissionpolicies', 'mutatingadmissionpolicybindings', 'validatingwebhookconfigurations', 'mutatingwebhookconfigurations']);

export const isExempt = (a: AdmissionAttributes): boolean => a.resource.group === 'admissionregistration.k8s.io' && EXEMPT.has(a.resource.resource);

const listHas = (list: readonly string[] | undefined, value: string): boolean => (list ?? []).some((x) => x === '*' || x === value);

// kube's resource patterns: pods, pods/status, pods/<star> (its subresources), <star> (every resource), <star>/<star>.
function resourceMatches(patterns: readonly string[] | undefined, resource: string, subresource: string): boolean {
  return (patterns ?? []).some((p) => {
    if (p === '*/*') return true;
    const slash = p.indexOf('/');
    const r = slash < 0 ? p : p.slice(0, slash);
    if (r !== '*' && r !== resource) return false;
    if (slash < 0) return subresource === '';
    const s = p.slice(slash + 1);
    return s === '*' ? subresource !== '' : s === subresource;
  });
}

/** One NamedRuleWithOperations against the request (the cluster-scoped test is `namespace === ''`). */
export function ruleMatches(rule: RuleWithOperations, a: AdmissionAttributes, equivalent: boolean): boolean {
  if (!listHas(rule.operations, a.operation)) return false;
  if (!listHas(rule.apiGroups, a.resource.group)) return false;
  if (!equivalent && !listHas(rule.apiVersions, a.resource.version)) return false;
  if (!resourceMatches(rule.resources, a.resource.resource, a.subresource)) return false;
  const scope = rule.scope ?? '*';
  if (scope === 'Cluster' && a.namespace !== '') return false;
  if (scope === 'Namespaced' && a.namespace === '') return false;
  if (rule.resourceNames && rule.resourceNames.length > 0 && !rule.resourceNames.includes(a.name)) return false;
  return true;
}

const labelsOf = (o: KubeObject | undefined): Record<string, string> | undefined => o?.metadata?.labels;

function selectorMatches(selector: MatchResources['namespaceSelector'], labels: Record<string, string> | undefined): boolean {
  if (!selector) return true;
  const parsed = labelSelectorFromMetav1(selector);
  return parsed !== undefined && matchesLabels(parsed, labels ?? {});
}

export interface MatchInput {
  attributes: AdmissionAttributes;
  object: KubeObject | undefined;
  oldObject: KubeObject | undefined;
  /** The request's namespace object (undefined for cluster-scoped requests or a namespace not found). */
  namespace: KubeObject | undefined;
}

/**
 * Whether `m` takes the request in. `emptyRulesMatchAll` is a binding's
 * matchResources, which constrains only what it sets.
 */
export function matches(m: MatchResources, input: MatchInput, emptyRulesMatchAll: boolean): boolean {
  const { attributes: a } = input;
  if (isExempt(a)) return false;
  // A namespaced request is matched by its namespace's labels; a Namespace by its own.
  const isNamespace = a.resource.group === '' && a.resource.resource === 'namespaces';
  if (a.namespace !== '' || isNamespace) {
    const labels = isNamespace ? labelsOf(input.object ?? input.oldObject) : labelsOf(input.namespace);
    if (!selectorMatches(m.namespaceSelector, labels)) return false;
  }
  if (m.objectSelector) {
    // Either the new or the old object may match; an absent one (a create's old object) does not.
    const candidates = [input.object, input.oldObject].filter((o): o is KubeObject => o !== undefined);
    if (!candidates.some((o) => selectorMatches(m.objectSelector, labelsOf(o)))) return false;
  }
  const equivalent = (m.matchPolicy ?? 'Equivalent') === 'Equivalent';
  if ((m.excludeResourceRules ?? []).some((r) => ruleMatches(r, a, equivalent))) return false;
  const rules = m.resourceRules ?? [];
  if (rules.length === 0) return emptyRulesMatchAll;
  return rules.some((r) => ruleMatches(r, a, equivalent));
}

/** A quick test before the object is known: could any rule of `m` take this resource and operation? */
export function mayMatch(m: MatchResources | undefined, a: AdmissionAttributes): boolean {
  if (!m || isExempt(a)) return false;
  const equivalent = (m.matchPolicy ?? 'Equivalent') === 'Equivalent';
  return (m.resourceRules ?? []).some((r) => ruleMatches({ ...r, resourceNames: undefined }, a, equivalent));
}

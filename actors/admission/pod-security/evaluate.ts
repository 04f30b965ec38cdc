// PodSecurity's decisions (k8s.io/pod-security-admission/admission), as pure
// functions of the request's attributes and objects, the namespace's labels
// and, when a namespace's enforce level tightens, the pods it holds.
//
// - Pods (create, update that changes an image or adds a container, and
//   subresources that carry a pod, such as ephemeralcontainers): enforce
//   refuses with a 403; audit records an audit annotation; warn adds a
//   warning (only when the request is let through).
// - Workloads with a pod template: audit and warn only, never refused.
// - Namespaces: labels that do not parse are a 422 (on update only if they
//   changed); a tighter enforce level is tried against the existing pods and
//   what they violate comes back as warnings.
// - Exempt namespaces, users and runtime classes are let through, with
//   the `exempt` audit annotation saying why.

import type { KubeObject } from '../../../protocol/kube/meta.js';
import { failure, forbidden, invalid, type Status } from '../../../protocol/kube/status.js';
import type { AdmissionAttributes } from '../../../protocol/messages/admission.js';
import type { PodMetadataLike, PodSpecLike } from './check.js';
import type { PodSecurityConfiguration } from './configuration.js';
import {
  compareLevels, equivalentPolicies, fullyPrivileged, LABEL_PREFIX, levelLabel, levelVersionString, MODES, PRIVILEGED_LATEST, policyToEvaluate,
  sameLevelVersion, sameVersion, versionLabel, type LabelError, type LevelVersion, type Policy,
} from './levels.js';
import { forbiddenDetail, forbiddenReason, type Aggregate, type Evaluator } from './registry.js';

/** What PodSecurity says of one request. Audit annotation keys carry kube's `pod-security.kubernetes.io/` prefix. */
export interface Decision {
  allowed: boolean;
  status?: Status;
  warnings: string[];
  auditAnnotations: Record<string, string>;
}

export interface PodSecurityContext {
  configuration: PodSecurityConfiguration;
  evaluator: Evaluator;
  /** A namespace's labels, or undefined when the namespace is not known. */
  namespaceLabels(name: string): Record<string, string> | undefined;
  /** The pods of a namespace, for a tightened enforce level. */
  podsIn(namespace: string): readonly KubeObject[];
}

/** Workload resources whose pod template PodSecurity looks at, by `<group>/<resource>`, and where the template is. */
const TEMPLATE_PATHS: Record<string, readonly string[]> = {
  '/replicationcontrollers': ['spec', 'template'],
  '/podtemplates': ['template'],
  'apps/replicasets': ['spec', 'template'],
  'apps/deployments': ['spec', 'template'],
  'apps/statefulsets': ['spec', 'template'],
  'apps/daemonsets': ['spec', 'template'],
  'batch/jobs': ['spec', 'template'],
  'batch/cronjobs': ['spec', 'jobTemplate', 'spec', 'template'],
};

/** Pod subresources that cannot change what PodSecurity looks at. */
const IGNORED_POD_SUBRESOURCES = new Set(['exec', 'attach', 'binding', 'eviction', 'log', 'portforward', 'proxy', 'status']);

const MAX_PODS_TO_CHECK = 3000;

const resourceKey = (a: AdmissionAttributes): string => `${a.resource.group}/${a.resource.resource}`;
const isPods = (a: AdmissionAttributes): boolean => a.resource.group === '' && a.resource.resource === 'pods';
const isNamespaces = (a: AdmissionAttributes): boolean => a.resource.group === '' && a.resource.resource === 'namespaces';

/** Whether PodSecurity looks at this request at all (kube: its resources, on CREATE and UPDATE). */
export function applies(a: AdmissionAttributes): boolean {
  if (a.operation !== 'CREATE' && a.operation !== 'UPDATE') return false;
  if (isPods(a)) return !IGNORED_POD_SUBRESOURCES.has(a.subresource);
  if (isNamespaces(a)) return a.subresource === '';
  return a.subresource === '' && resourceKey(a) in TEMPLATE_PATHS;
}

const allow = (auditAnnotations: Record<string, string> = {}, warnings: string[] = []): Decision => ({ allowed: true, warnings, auditAnnotations });
const annotate = (key: string, value: string): Record<string, string> => ({ [`${LABEL_PREFIX}${key}`]: value });
const exempt = (why: 'namespace' | 'user' | 'runtimeClass'): Decision => allow(annotate('exempt', why));

const labelErrorsCauses = (errors: readonly LabelError[]) =>
  errors.map((e) => ({ reason: 'FieldValueInvalid', field: `metadata.labels[${e.label}]`, message: `Invalid value: ${JSON.stringify(e.value)}: ${e.message}` }));
const sameErrors = (a: readonly LabelError[], b: readonly LabelError[]): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * The decision for a request `applies` accepted. Pods are checked against all three modes; workloads
 * against audit and warn; namespaces for their labels.
 */
export function decide(ctx: PodSecurityContext, a: AdmissionAttributes, object: KubeObject | undefined, oldObject: KubeObject | undefined): Decision {
  if (!object) return allow();
  if (isNamespaces(a)) return decideNamespace(ctx, a, object, oldObject);
  const { exemptions } = ctx.configuration;
  if (a.namespace && exemptions.namespaces.has(a.namespace)) return exempt('namespace');
  if (a.userInfo.username && exemptions.usernames.has(a.userInfo.username)) return exempt('user');
  const labels = ctx.namespaceLabels(a.namespace);
  const pods = isPods(a);
  if (!labels) {
    if (pods) {
      const message = `failed to lookup namespace ${JSON.stringify(a.namespace)}`;
      return { allowed: false, status: failure('InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] }), warnings: [], auditAnnotations: annotate('error', message) };
    }
    return allow({ error: `failed to lookup namespace ${JSON.stringify(a.namespace)}: namespaces ${JSON.stringify(a.namespace)} not found` });
  }
  const { policy, errors } = policyToEvaluate(labels, ctx.configuration.defaults);
  if (pods) {
    if (errors.length === 0 && fullyPrivileged(policy)) return allow(annotate('enforce-policy', levelVersionString(PRIVILEGED_LATEST)));
    if (a.operation === 'UPDATE' && oldObject && !significantPodUpdate(object, oldObject)) return allow();
    return evaluatePod(ctx, a, policy, errors, object.metadata, (object.spec ?? {}) as PodSpecLike, true);
  }
  if (errors.length === 0 && policy.warn.level === 'privileged' && policy.audit.level === 'privileged') return allow();
  const template = templateOf(object, TEMPLATE_PATHS[resourceKey(a)] ?? []);
  if (!template) return allow();
  return evaluatePod(ctx, a, policy, errors, (template.metadata ?? {}) as PodMetadataLike, (template.spec ?? {}) as PodSpecLike, false);
}

function templateOf(object: KubeObject, path: readonly string[]): { metadata?: unknown; spec?: unknown } | undefined {
  let at: unknown = object;
  for (const key of path) at = at && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined;
  return at && typeof at === 'object' ? (at as { metadata?: unknown; spec?: unknown }) : undefined;
}

function evaluatePod(
  ctx: PodSecurityContext, a: AdmissionAttributes, policy: Policy, errors: readonly LabelError[],
  metadata: PodMetadataLike, spec: PodSpecLike, enforce: boolean,
): Decision {
  if (spec.runtimeClassName && ctx.configuration.exemptions.runtimeClasses.has(spec.runtimeClassName)) return exempt('runtimeClass');
  const auditAnnotations: Record<string, string> = {};
  if (errors.length > 0) {
    const causes = labelErrorsCauses(errors).map((c) => `${c.field}: ${c.message}`);
    auditAnnotations[`${LABEL_PREFIX}error`] = `Failed to parse policy: ${causes.length === 1 ? causes[0] : `[${causes.join(', ')}]`}`;
  }
  const results: { lv: LevelVersion; result: Aggregate }[] = [];
  const evaluate = (lv: LevelVersion): Aggregate => {
    const cached = results.find((r) => sameLevelVersion(r.lv, lv));
    if (cached) return cached.result;
    const result = ctx.evaluator.evaluate(lv, metadata, spec);
    results.push({ lv, result });
    return result;
  };
  let status: Status | undefined;
  if (enforce) {
    auditAnnotations[`${LABEL_PREFIX}enforce-policy`] = levelVersionString(policy.enforce);
    const result = evaluate(policy.enforce);
    if (!result.allowed) {
      const name = a.name || metadata.name || '';
      status = forbidden({ group: a.resource.group, resource: a.resource.resource }, name, `violates PodSecurity ${JSON.stringify(levelVersionString(policy.enforce))}: ${forbiddenDetail(result)}`);
    }
  }
  const audit = evaluate(policy.audit);
  if (!audit.allowed) auditAnnotations[`${LABEL_PREFIX}audit-violations`] = `would violate PodSecurity ${JSON.stringify(levelVersionString(policy.audit))}: ${forbiddenDetail(audit)}`;
  const warnings: string[] = [];
  if (!status) {
    const warn = evaluate(policy.warn);
    if (!warn.allowed) warnings.push(`would violate PodSecurity ${JSON.stringify(levelVersionString(policy.warn))}: ${forbiddenDetail(warn)}`);
    return { allowed: true, warnings, auditAnnotations };
  }
  return { allowed: false, status, warnings, auditAnnotations };
}

/** kube's isSignificantPodUpdate: only a changed image or a changed set of containers asks for a new evaluation. */
function significantPodUpdate(pod: KubeObject, old: KubeObject): boolean {
  type Containers = { name?: string; image?: string }[] | undefined;
  const spec = (pod.spec ?? {}) as Record<string, Containers>;
  const oldSpec = (old.spec ?? {}) as Record<string, Containers>;
  for (const list of ['containers', 'initContainers'] as const) {
    const now = spec[list] ?? [];
    const before = oldSpec[list] ?? [];
    if (now.length !== before.length) return true;
    if (now.some((c, i) => c.image !== before[i]?.image)) return true;
  }
  const before = oldSpec.ephemeralContainers ?? [];
  return (spec.ephemeralContainers ?? []).some((c) => {
    const was = before.find((o) => o.name === c.name);
    return !was || was.image !== c.image;
  });
}

function decideNamespace(ctx: PodSecurityContext, a: AdmissionAttributes, namespace: KubeObject, old: KubeObject | undefined): Decision {
  const name = namespace.metadata.name ?? a.name;
  const labels = namespace.metadata.labels ?? {};
  const { policy, errors } = policyToEvaluate(labels, ctx.configuration.defaults);
  const refuse = (): Decision => ({ allowed: false, status: invalid(a.kind.kind || 'Namespace', a.kind.group, name, labelErrorsCauses(errors)), warnings: [], auditAnnotations: {} });
  const exemptWarning = (): Decision => {
    const warning = exemptNamespaceWarning(ctx, name, policy, labels);
    return allow({}, warning ? [warning] : []);
  };
  const isExempt = ctx.configuration.exemptions.namespaces.has(name);
  if (a.operation === 'CREATE') {
    if (errors.length > 0) return refuse();
    return isExempt ? exemptWarning() : allow();
  }
  if (!old) return allow();
  const before = policyToEvaluate(old.metadata.labels, ctx.configuration.defaults);
  if (errors.length > 0 && (before.errors.length === 0 || !sameErrors(errors, before.errors))) return refuse();
  // Pods are tried only when enforce tightened: not when it is unchanged, privileged, or relaxed at the same version.
  if (sameLevelVersion(policy.enforce, before.policy.enforce)) return allow();
  if (policy.enforce.level === 'privileged') return allow();
  if (sameVersion(policy.enforce.version, before.policy.enforce.version) && compareLevels(policy.enforce.level, before.policy.enforce.level) < 1) return allow();
  if (isExempt) return exemptWarning();
  return allow({}, evaluatePodsInNamespace(ctx, name, policy.enforce));
}

/** What the pods of a namespace would violate at a new enforce level, grouped by reason, as kube words it. */
export function evaluatePodsInNamespace(ctx: PodSecurityContext, namespace: string, enforce: LevelVersion): string[] {
  const pods = prioritizePods(ctx, ctx.podsIn(namespace));
  const checked = pods.slice(0, MAX_PODS_TO_CHECK);
  const byWarning = new Map<string, { podName: string; count: number }>();
  for (const pod of checked) {
    const result = ctx.evaluator.evaluate(enforce, pod.metadata, (pod.spec ?? {}) as PodSpecLike);
    if (result.allowed) continue;
    const warning = forbiddenReason(result);
    const podName = pod.metadata.name ?? '';
    const seen = byWarning.get(warning);
    if (!seen) byWarning.set(warning, { podName, count: 1 });
    else {
      seen.count++;
      if (podName < seen.podName) seen.podName = podName;
    }
  }
  const warnings: string[] = [];
  if (checked.length < pods.length) warnings.push(`new PodSecurity enforce level only checked against the first ${checked.length} of ${pods.length} existing pods`);
  if (byWarning.size > 0) warnings.push(`existing pods in namespace ${JSON.stringify(namespace)} violate the new PodSecurity enforce level ${JSON.stringify(levelVersionString(enforce))}`);
  const decorated = [...byWarning].map(([warning, { podName, count }]) => {
    if (count === 1) return `${podName}: ${warning}`;
    return `${podName} (and ${count - 1} other ${count === 2 ? 'pod' : 'pods'}): ${warning}`;
  });
  return [...warnings, ...decorated.sort()];
}

/** Pods of exempt runtime classes left out; one pod per controller first, the rest of each controller's after. */
function prioritizePods(ctx: PodSecurityContext, pods: readonly KubeObject[]): KubeObject[] {
  const first: KubeObject[] = [];
  const duplicates: KubeObject[] = [];
  const seenControllers = new Set<string>();
  for (const pod of pods) {
    const runtimeClass = (pod.spec as PodSpecLike | undefined)?.runtimeClassName;
    if (runtimeClass && ctx.configuration.exemptions.runtimeClasses.has(runtimeClass)) continue;
    const controller = pod.metadata.ownerReferences?.find((o) => o.controller === true);
    if (!controller) first.push(pod);
    else if (seenControllers.has(controller.uid)) duplicates.push(pod);
    else {
      seenControllers.add(controller.uid);
      first.push(pod);
    }
  }
  return [...first, ...duplicates];
}

/** An exempt namespace that sets a policy other than the defaults is told it will be ignored. */
function exemptNamespaceWarning(ctx: PodSecurityContext, name: string, policy: Policy, labels: Record<string, string>): string | undefined {
  if (fullyPrivileged(policy) || equivalentPolicies(policy, ctx.configuration.defaults)) return undefined;
  const parts = MODES.filter((m) => policy[m].level !== 'privileged' && (labels[levelLabel(m)] !== undefined || labels[versionLabel(m)] !== undefined))
    .map((m) => `${m}=${levelVersionString(policy[m])}`);
  return `namespace ${JSON.stringify(name)} is exempt from Pod Security, and the policy (${parts.join(', ')}) will be ignored`;
}

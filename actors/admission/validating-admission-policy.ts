// kube's ValidatingAdmissionPolicy admission plugin (k8s.io/apiserver
// admission/plugin/policy/validating), validating phase: every
// ValidatingAdmissionPolicy whose matchConstraints take the request is run for
// each of its ValidatingAdmissionPolicyBindings that also takes it, once per
// param the binding's paramRef finds (by name, or by selector; none found is
// allowed or denied by parameterNotFoundAction). A failed validation is acted
// on by the binding's validationActions: Deny refuses the request (kube's
// "ValidatingAdmissionPolicy 'p' with binding 'b' denied request: …", 422
// unless the validation names a reason), Warn adds a Warning header, Audit an
// audit annotation. An expression that fails to evaluate follows the policy's
// failurePolicy. The pieces are in ./validating-admission-policy/.
//
// Watches: validatingadmissionpolicies, validatingadmissionpolicybindings and
// namespaces; and, when a policy needs them, its paramKind's resource and
// RBAC's four resources (for `authorizer`, decided as RBAC decides).

import type { KubeObject } from '../../protocol/kube/meta.js';
import { forbidden, type Status, type StatusReason } from '../../protocol/kube/status.js';
import type { AdmissionAttributes } from '../../protocol/messages/admission.js';
import type { PolicyInput, PolicyRequest } from '../../lib/cel/policy.js';
import { ALLOW, type PluginRegistration, type PluginVerdict, type WatchedResource } from './plugin.js';
import type { BindingSpec, CompiledPolicy, PolicySpec } from '../../lib/cel/validating-admission-policy.js';
import { matches, mayMatch, type MatchInput } from './validating-admission-policy/matching.js';
import { CompiledPolicies, PolicyViews, expressionErrorsVerdict, UNSYNCED, admitWhenSynced, boundParams, byName, namespaceObjectOf, paramResource, requestOf, resourceKey } from './policy/generic.js';

type Runtime = typeof import('./validating-admission-policy/runtime.js');

const GROUP = 'admissionregistration.k8s.io';
const POLICIES: WatchedResource = { group: GROUP, plural: 'validatingadmissionpolicies' };
const BINDINGS: WatchedResource = { group: GROUP, plural: 'validatingadmissionpolicybindings' };
const NAMESPACES: WatchedResource = { group: '', plural: 'namespaces' };
const VALIDATION_FAILURE_KEY = 'validation.policy.admission.k8s.io/validation_failure';
const MAX_AUDIT_ANNOTATION_VALUE = 10 * 1024;

const codeOf = (reason: string): number => ({ Forbidden: 403, Unauthorized: 401, RequestEntityTooLarge: 413 })[reason] ?? 422;

function denial(a: AdmissionAttributes, object: KubeObject | undefined, message: string, reason: string): Status {
  const name = object ? object.metadata.name || object.metadata.generateName || 'Unknown' : 'Unknown';
  const status = forbidden({ group: a.resource.group, resource: a.resource.resource }, name, message);
  status.reason = reason as StatusReason;
  status.code = codeOf(reason);
  status.details = { ...status.details, causes: [{ message }] };
  return status;
}

const isPolicyWrite = (a: AdmissionAttributes): boolean =>
  a.resource.group === GROUP && a.resource.resource === POLICIES.plural && a.subresource === '' && (a.operation === 'CREATE' || a.operation === 'UPDATE');

const checkPolicy = (runtime: Runtime, object: KubeObject): PluginVerdict =>
  expressionErrorsVerdict('ValidatingAdmissionPolicy', object.metadata.name ?? '', runtime.policyExpressionErrors(runtime.compilePolicy(object)));

export const VALIDATING_ADMISSION_POLICY: PluginRegistration = {
  name: 'ValidatingAdmissionPolicy',
  defaultOn: true,
  create({ watch, clock }) {
    const views = new PolicyViews([POLICIES, BINDINGS, NAMESPACES], watch);
    const view = (r: WatchedResource) => views.view(r);
    const policies = new CompiledPolicies<Runtime, CompiledPolicy>(views, POLICIES, () => import('./validating-admission-policy/runtime.js'), (r, p) => r.compilePolicy(p), (c) => {
      if (c.usesAuthorizer) views.needAuthorizer();
      if (c.spec.paramKind) views.need(paramResource(c.spec.paramKind).resource);
    });

    return {
      name: 'ValidatingAdmissionPolicy',
      watches: views.watches,
      observe(resource, change) {
        views.observe(resource, change);
        if (resourceKey(resource) === resourceKey(POLICIES)) policies.refresh();
      },
      wantsObject(a) {
        if (isPolicyWrite(a)) return true;
        const objects = view(POLICIES).objects;
        if (objects.size === 0) return false;
        for (const p of objects.values()) if (mayMatch((p.spec as PolicySpec | undefined)?.matchConstraints, a)) return true;
        return false;
      },
      validate: (a, object, oldObject) => admitWhenSynced(clock, views.waiting, (waited) => admit(a, object, oldObject, waited)),
    };

    function admit(a: AdmissionAttributes, object: KubeObject | undefined, oldObject: KubeObject | undefined, waited: boolean): PluginVerdict | typeof UNSYNCED {
      const runtime = policies.runtime;
      if (isPolicyWrite(a)) {
        if (!runtime) return (policies.loadRuntime(), UNSYNCED);
        return object ? checkPolicy(runtime, object) : ALLOW;
      }
      const policyObjects = [...view(POLICIES).objects.values()];
      if (policyObjects.length === 0) return ALLOW;
      if (!runtime) return (policies.loadRuntime(), UNSYNCED);
      const cel = runtime;
      const bindings = [...view(BINDINGS).objects.values()].sort(byName);
      const namespace = a.namespace ? view(NAMESPACES).objects.get(`/${a.namespace}`) : undefined;
      const matchInput: MatchInput = { attributes: a, object, oldObject, namespace };
      const denied: { policy: string; binding?: string; message: string; reason: string }[] = [];
      const warnings: string[] = [];
      const auditAnnotations: Record<string, string> = {};
      let request: PolicyRequest | undefined;

      for (const policyObject of policyObjects.sort(byName)) {
        const spec = (policyObject.spec ?? {}) as PolicySpec;
        if (!spec.matchConstraints || !matches(spec.matchConstraints, matchInput, false)) continue;
        const policy = policies.get(policyObject) as CompiledPolicy;
        const configError = (message: string, binding: string) => {
          if (policy.failurePolicy === 'Fail') denied.push({ policy: policy.name, binding, message: `failed to configure binding: ${message}`, reason: 'Invalid' });
        };
        const published = new Map<string, string[]>();
        const bound = boundParams<BindingSpec>(policy.name, spec.paramKind, bindings, matchInput, waited, (r) => views.need(r));
        if (bound === UNSYNCED) return UNSYNCED;
        for (const { name: bindingName, binding, ...collected } of bound) {
          if ('error' in collected) {
            configError(collected.error, bindingName);
            continue;
          }
          request ??= requestOf(a, object, oldObject);
          for (const param of collected.params) {
            const input: PolicyInput = { object, oldObject, request, params: param, namespaceObject: namespaceObjectOf(a, namespace), authorize: views.authorize };
            const result = cel.evaluateInvocation(policy, input);
            if (!result.matched) continue;
            for (const d of result.decisions) {
              if (d.action !== 'deny') continue;
              for (const action of binding.validationActions ?? []) {
                if (action === 'Deny') denied.push({ policy: policy.name, binding: bindingName, message: d.message, reason: d.reason ?? 'Invalid' });
                else if (action === 'Warn') warnings.push(`Validation failed for ValidatingAdmissionPolicy '${policy.name}' with binding '${bindingName}': ${d.message}`);
                else if (action === 'Audit') {
                  auditAnnotations[VALIDATION_FAILURE_KEY] = JSON.stringify([
                    { message: d.message, policy: policy.name, binding: bindingName, expressionIndex: d.index, validationActions: binding.validationActions },
                  ]);
                }
              }
            }
            for (const r of result.auditAnnotations) {
              if (r.action === 'publish') {
                const values = published.get(r.key) ?? [];
                const value = r.value.slice(0, MAX_AUDIT_ANNOTATION_VALUE);
                if (!values.includes(value)) published.set(r.key, [...values, value]);
              } else if (r.action === 'error') denied.push({ policy: policy.name, binding: bindingName, message: r.message, reason: 'Invalid' });
            }
          }
        }
        for (const [key, values] of published) auditAnnotations[`${policy.name}/${key}`] = values.join(', ');
      }

      const first = denied[0];
      if (first) {
        const message = first.binding !== undefined
          ? `ValidatingAdmissionPolicy '${first.policy}' with binding '${first.binding}' denied request: ${first.message}`
          : `ValidatingAdmissionPolicy '${first.policy}' denied request: ${first.message}`;
        return { allowed: false, status: denial(a, object, message, first.reason), warnings };
      }
      const verdict: PluginVerdict = { allowed: true };
      if (warnings.length > 0) verdict.warnings = warnings;
      if (Object.keys(auditAnnotations).length > 0) verdict.auditAnnotations = auditAnnotations;
      return verdict;
    }
  },
};

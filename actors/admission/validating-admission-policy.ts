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

import { randomUUID } from 'node:crypto';
import type { KubeObject } from '../../protocol/kube/meta.js';
import { forbidden, invalid, type Status, type StatusReason } from '../../protocol/kube/status.js';
import type { AdmissionAttributes } from '../../protocol/messages/admission.js';
import type { CelAuthorize, PolicyInput, PolicyRequest } from '../../lib/cel/policy.js';
import { builtinKinds } from '../../scheme/kinds/index.js';
import { buildRbacIndex, type RbacIndex } from '../authz/rbac.js';
import { authorize as rbacAuthorize } from '../authz/rbac.js';
import { isPrivileged } from '../authz/attributes.js';
import { labelSelectorFromMetav1, matchesLabels } from '../store/label-selector.js';
import { ALLOW, type PluginRegistration, type PluginVerdict, type WatchedResource } from './plugin.js';
import type { BindingSpec, CompiledPolicy, PolicySpec } from '../../lib/cel/validating-admission-policy.js';
import { matches, mayMatch, type MatchInput } from './validating-admission-policy/matching.js';

type Runtime = typeof import('./validating-admission-policy/runtime.js');

const GROUP = 'admissionregistration.k8s.io';
const POLICIES: WatchedResource = { group: GROUP, plural: 'validatingadmissionpolicies' };
const BINDINGS: WatchedResource = { group: GROUP, plural: 'validatingadmissionpolicybindings' };
const NAMESPACES: WatchedResource = { group: '', plural: 'namespaces' };
const RBAC = 'rbac.authorization.k8s.io';
const RBAC_RESOURCES = ['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'] as const;
const VALIDATION_FAILURE_KEY = 'validation.policy.admission.k8s.io/validation_failure';
const MAX_AUDIT_ANNOTATION_VALUE = 10 * 1024;

/** A set of objects kept from a watched store, by namespace/name. */
class View {
  readonly objects = new Map<string, KubeObject>();
  synced = false;
  apply(change: { type: string; object?: KubeObject; objects?: readonly KubeObject[] }): void {
    if (change.type === 'SYNC') {
      this.objects.clear();
      for (const o of change.objects ?? []) this.objects.set(keyOf(o), o);
      this.synced = true;
    } else if (change.object) {
      if (change.type === 'DELETED') this.objects.delete(keyOf(change.object));
      else this.objects.set(keyOf(change.object), change.object);
    }
  }
}
const keyOf = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
const resourceKey = (r: WatchedResource): string => `${r.plural}.${r.group}`;

/** paramKind {apiVersion, kind} → the resource serving it, and whether it is namespaced. */
function paramResource(paramKind: NonNullable<PolicySpec['paramKind']>): { resource: WatchedResource; namespaced: boolean | undefined } {
  const [group, version] = (paramKind.apiVersion ?? '').includes('/') ? (paramKind.apiVersion ?? '').split('/') : ['', paramKind.apiVersion ?? ''];
  const kind = builtinKinds.find((k) => k.group === group && k.kind === paramKind.kind && (version === undefined || k.version === version));
  if (kind) return { resource: { group: kind.group, plural: kind.plural }, namespaced: kind.namespaced };
  return { resource: { group: group ?? '', plural: `${(paramKind.kind ?? '').toLowerCase()}s` }, namespaced: undefined };
}

const codeOf = (reason: string): number => ({ Forbidden: 403, Unauthorized: 401, RequestEntityTooLarge: 413 })[reason] ?? 422;

function denial(a: AdmissionAttributes, object: KubeObject | undefined, message: string, reason: string): Status {
  const name = object ? object.metadata.name || object.metadata.generateName || 'Unknown' : 'Unknown';
  const status = forbidden({ group: a.resource.group, resource: a.resource.resource }, name, message);
  status.reason = reason as StatusReason;
  status.code = codeOf(reason);
  status.details = { ...status.details, causes: [{ message }] };
  return status;
}

function requestOf(a: AdmissionAttributes, object: KubeObject | undefined, oldObject: KubeObject | undefined): PolicyRequest {
  return {
    uid: randomUUID(),
    kind: a.kind,
    resource: a.resource,
    subResource: a.subresource,
    requestKind: a.kind,
    requestResource: a.resource,
    requestSubResource: a.subresource,
    name: a.name || object?.metadata.name || oldObject?.metadata.name || '',
    namespace: a.namespace,
    operation: a.operation,
    userInfo: { username: a.userInfo.username, uid: a.userInfo.uid ?? '', groups: a.userInfo.groups ?? [], extra: a.userInfo.extra ?? {} },
    dryRun: a.dryRun,
    options: a.options,
  };
}

const isPolicyWrite = (a: AdmissionAttributes): boolean =>
  a.resource.group === GROUP && a.resource.resource === POLICIES.plural && a.subresource === '' && (a.operation === 'CREATE' || a.operation === 'UPDATE');

/** kube's strategy check that every expression of a policy compiles: 422 with the causes at their fields. */
function checkPolicy(runtime: Runtime, object: KubeObject): PluginVerdict {
  const causes = runtime.policyExpressionErrors(runtime.compilePolicy(object)).map((e) => ({
    reason: 'FieldValueInvalid',
    field: e.field,
    message: `Invalid value: ${JSON.stringify(e.expression)}: ${e.message}`,
  }));
  return causes.length === 0 ? ALLOW : { allowed: false, status: invalid('ValidatingAdmissionPolicy', GROUP, object.metadata.name ?? '', causes) };
}

export const VALIDATING_ADMISSION_POLICY: PluginRegistration = {
  name: 'ValidatingAdmissionPolicy',
  defaultOn: true,
  create({ watch, clock }) {
    const watches: WatchedResource[] = [POLICIES, BINDINGS, NAMESPACES];
    const views = new Map<string, View>(watches.map((r) => [resourceKey(r), new View()]));
    const view = (r: WatchedResource): View => views.get(resourceKey(r)) as View;
    const compiled = new Map<string, CompiledPolicy>();
    let rbacIndex: RbacIndex | undefined;
    /** Admissions waiting for a param store's first snapshot (kube waits up to a second for its informer), or for CEL. */
    const waiting: (() => void)[] = [];
    const UNSYNCED = 'unsynced' as const;
    let runtime: Runtime | undefined;
    let loading = false;
    /** CEL is loaded once the first policy is seen, and not before: a server without policies never pays for it. */
    const loadRuntime = (): void => {
      if (runtime || loading) return;
      loading = true;
      void import('./validating-admission-policy/runtime.js').then((m) => {
        runtime = m;
        for (const policy of view(POLICIES).objects.values()) compiledPolicy(policy);
        for (const wake of waiting.splice(0)) wake();
      });
    };

    const need = (r: WatchedResource): View => {
      let v = views.get(resourceKey(r));
      if (!v) {
        v = new View();
        views.set(resourceKey(r), v);
        watches.push(r);
        watch(r);
      }
      return v;
    };

    const compiledPolicy = (policy: KubeObject): CompiledPolicy | undefined => {
      if (!runtime) return undefined;
      const name = policy.metadata.name ?? '';
      let c = compiled.get(name);
      if (!c || c.resourceVersion !== (policy.metadata.resourceVersion ?? '')) {
        c = runtime.compilePolicy(policy);
        compiled.set(name, c);
        if (c.usesAuthorizer) for (const plural of RBAC_RESOURCES) need({ group: RBAC, plural });
        if (c.spec.paramKind) need(paramResource(c.spec.paramKind).resource);
      }
      return c;
    };

    const authorize: CelAuthorize = (user, attributes) => {
      rbacIndex ??= buildRbacIndex({
        roles: [...(views.get(`roles.${RBAC}`)?.objects.values() ?? [])],
        clusterRoles: [...(views.get(`clusterroles.${RBAC}`)?.objects.values() ?? [])],
        roleBindings: [...(views.get(`rolebindings.${RBAC}`)?.objects.values() ?? [])],
        clusterRoleBindings: [...(views.get(`clusterrolebindings.${RBAC}`)?.objects.values() ?? [])],
      });
      const index = rbacIndex;
      const attrs =
        attributes.path !== undefined
          ? { verb: attributes.verb, path: attributes.path }
          : { verb: attributes.verb, apiGroup: attributes.apiGroup ?? '', resource: attributes.resource ?? '', subresource: attributes.subresource ?? '', namespace: attributes.namespace ?? '', name: attributes.name ?? '' };
      // As kube's chain: system:masters first, then RBAC.
      return isPrivileged(user) ? { allowed: true, reason: '' } : rbacAuthorize(index, user, attrs);
    };

    /** kube's CollectParams: the params of one binding, or the configuration error. */
    const paramsOf = (spec: PolicySpec, binding: BindingSpec, namespace: string, waited: boolean): { params: (KubeObject | undefined)[] } | { error: string } | typeof UNSYNCED => {
      const paramKind = spec.paramKind;
      const ref = binding.paramRef;
      if (!paramKind || !ref) return { params: [undefined] };
      const { resource, namespaced } = paramResource(paramKind);
      const v = need(resource);
      if (!v.synced && !waited) return UNSYNCED;
      if (!v.synced) return { error: `paramKind kind \`&ParamKind{APIVersion:${paramKind.apiVersion ?? ''},Kind:${paramKind.kind ?? ''},}\` not yet synced to use for admission` };
      let inNamespace: string | undefined;
      if (namespaced === false) {
        if (ref.namespace) return { error: 'paramRef.namespace must not be provided for a cluster-scoped `paramKind`' };
      } else {
        inNamespace = ref.namespace || namespace;
        if (!inNamespace && namespaced) return { error: 'cannot use namespaced paramRef in policy binding that matches cluster-scoped resources' };
      }
      let params: KubeObject[];
      if (ref.name) {
        if (ref.selector) return { error: 'paramRef.name and paramRef.selector are mutually exclusive' };
        const found = v.objects.get(`${inNamespace ?? ''}/${ref.name}`);
        params = found ? [found] : [];
      } else if (ref.selector) {
        const selector = labelSelectorFromMetav1(ref.selector);
        if (!selector) return { error: 'invalid paramRef.selector' };
        params = [...v.objects.values()].filter((o) => (inNamespace === undefined || (o.metadata.namespace ?? '') === inNamespace) && matchesLabels(selector, o.metadata.labels ?? {}));
      } else return { error: 'one of name or selector must be provided' };
      if (params.length === 0 && ref.parameterNotFoundAction === 'Deny') return { error: 'no params found for policy binding with `Deny` parameterNotFoundAction' };
      return { params };
    };

    return {
      name: 'ValidatingAdmissionPolicy',
      watches,
      observe(resource, change) {
        const v = views.get(resourceKey(resource));
        v?.apply(change);
        if (change.type === 'SYNC') for (const wake of waiting.splice(0)) wake();
        if (resource.group === RBAC) rbacIndex = undefined;
        if (resource === POLICIES || resourceKey(resource) === resourceKey(POLICIES)) {
          for (const name of compiled.keys()) if (!v?.objects.has(`/${name}`)) compiled.delete(name);
          if ((v?.objects.size ?? 0) > 0) loadRuntime();
          for (const policy of v?.objects.values() ?? []) compiledPolicy(policy);
        }
      },
      wantsObject(a) {
        if (isPolicyWrite(a)) return true;
        const policies = view(POLICIES).objects;
        if (policies.size === 0) return false;
        for (const p of policies.values()) if (mayMatch((p.spec as PolicySpec | undefined)?.matchConstraints, a)) return true;
        return false;
      },
      validate(a, object, oldObject) {
        const verdict = admit(a, object, oldObject, false);
        if (verdict !== UNSYNCED) return verdict;
        return new Promise<PluginVerdict>((resolve) => {
          let timer: unknown;
          const wake = (): void => {
            const again = admit(a, object, oldObject, false);
            if (again === UNSYNCED) return void waiting.push(wake);
            clock.clearTimeout(timer);
            resolve(again);
          };
          timer = clock.setTimeout(() => {
            const i = waiting.indexOf(wake);
            if (i >= 0) waiting.splice(i, 1);
            // Past the second an unsynced param store is a configuration error; CEL still loading is waited for.
            const late = admit(a, object, oldObject, true);
            if (late === UNSYNCED) waiting.push(wake);
            else resolve(late);
          }, 1000);
          waiting.push(wake);
        });
      },
    };

    function admit(a: AdmissionAttributes, object: KubeObject | undefined, oldObject: KubeObject | undefined, waited: boolean): PluginVerdict | typeof UNSYNCED {
      if (isPolicyWrite(a)) {
        if (!runtime) return (loadRuntime(), UNSYNCED);
        return object ? checkPolicy(runtime, object) : ALLOW;
      }
      const policies = [...view(POLICIES).objects.values()];
      if (policies.length === 0) return ALLOW;
      if (!runtime) return (loadRuntime(), UNSYNCED);
      const cel = runtime;
      const bindings = [...view(BINDINGS).objects.values()].sort((x, y) => (x.metadata.name ?? '').localeCompare(y.metadata.name ?? ''));
      const namespace = a.namespace ? view(NAMESPACES).objects.get(`/${a.namespace}`) : undefined;
      const matchInput: MatchInput = { attributes: a, object, oldObject, namespace };
      const denied: { policy: string; binding?: string; message: string; reason: string }[] = [];
      const warnings: string[] = [];
      const auditAnnotations: Record<string, string> = {};
      let request: PolicyRequest | undefined;

      for (const policyObject of policies.sort((x, y) => (x.metadata.name ?? '').localeCompare(y.metadata.name ?? ''))) {
        const spec = (policyObject.spec ?? {}) as PolicySpec;
        if (!spec.matchConstraints || !matches(spec.matchConstraints, matchInput, false)) continue;
        const policy = compiledPolicy(policyObject) as CompiledPolicy;
        const configError = (message: string, binding: string) => {
          if (policy.failurePolicy === 'Fail') denied.push({ policy: policy.name, binding, message: `failed to configure binding: ${message}`, reason: 'Invalid' });
        };
        const published = new Map<string, string[]>();
        for (const bindingObject of bindings) {
          const binding = (bindingObject.spec ?? {}) as BindingSpec;
          const bindingName = bindingObject.metadata.name ?? '';
          if (binding.policyName !== policy.name) continue;
          if (binding.matchResources && !matches(binding.matchResources, matchInput, true)) continue;
          const collected = paramsOf(spec, binding, a.namespace, waited);
          if (collected === UNSYNCED) return UNSYNCED;
          if ('error' in collected) {
            configError(collected.error, bindingName);
            continue;
          }
          request ??= requestOf(a, object, oldObject);
          for (const param of collected.params) {
            const input: PolicyInput = { object, oldObject, request, params: param, namespaceObject: a.resource.resource === 'namespaces' && a.resource.group === '' ? undefined : namespace, authorize };
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

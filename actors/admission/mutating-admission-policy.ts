// kube's MutatingAdmissionPolicy admission plugin (k8s.io/apiserver
// admission/plugin/policy/mutating), mutating phase, after the built-in
// mutating plugins and before MutatingAdmissionWebhook (kube's order). Every
// MutatingAdmissionPolicy (admissionregistration.k8s.io/v1alpha1) whose
// matchConstraints take the request is run, in name order, for each of its
// MutatingAdmissionPolicyBindings that also takes it, once per param the
// binding's paramRef finds: its matchConditions, then its mutations
// (ApplyConfiguration or JSONPatch, ./mutating-admission-policy/evaluate.ts).
// An error (a failing expression, a bad patch, a binding's param not found
// under Deny) is ignored under failurePolicy Ignore; under Fail the request is
// refused, 403 with reason Invalid and kube's "policy 'p' with binding 'b'
// denied request: …". Reinvocation as kube's: a policy that changed the object
// asks for a second pass, in which the IfNeeded invocations run again if the
// object changed after them.
//
// The resources are served only with the MutatingAdmissionPolicy feature gate
// and admissionregistration.k8s.io/v1alpha1 (scheme/feature-gates.ts); without
// them the stores do not exist, no policy is seen, and the plugin admits all.
//
// Watches: mutatingadmissionpolicies, mutatingadmissionpolicybindings and
// namespaces; and, when a policy needs them, its paramKind's resource and
// RBAC's four resources (for `authorizer`).

import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../protocol/kube/meta.js';
import { forbidden, type Status } from '../../protocol/kube/status.js';
import type { AdmissionAttributes } from '../../protocol/messages/admission.js';
import type { PolicyRequest } from '../../lib/cel/policy.js';
import type { CompiledMutatingPolicy, MutatingBindingSpec, MutatingPolicySpec } from '../../lib/cel/mutating-admission-policy.js';
import { definitions } from '../../scheme/definitions.js';
import { allKinds } from '../../scheme/kinds/index.js';
import { scopeFor } from '../store/field-manager.js';
import { ALLOW, type PluginRegistration, type PluginVerdict, type Reinvocation, type WatchedResource } from './plugin.js';
import { matches, mayMatch, type MatchInput } from './validating-admission-policy/matching.js';
import { CompiledPolicies, PolicyViews, UNSYNCED, admitWhenSynced, boundParams, byName, expressionErrorsVerdict, namespaceObjectOf, paramResource, requestOf, resourceKey } from './policy/generic.js';
import type { Typed } from './mutating-admission-policy/evaluate.js';

type Runtime = typeof import('./mutating-admission-policy/runtime.js');

const PLUGIN_NAME = 'MutatingAdmissionPolicy';
const GROUP = 'admissionregistration.k8s.io';
const POLICIES: WatchedResource = { group: GROUP, plural: 'mutatingadmissionpolicies' };
const BINDINGS: WatchedResource = { group: GROUP, plural: 'mutatingadmissionpolicybindings' };
const NAMESPACES: WatchedResource = { group: '', plural: 'namespaces' };

/** kube's policyReinvokeContext: what the plugin remembers between the two passes. */
interface ReinvokeState {
  lastOutput?: KubeObject;
  /** IfNeeded invocations run since the object last changed. */
  previouslyInvoked: Set<string>;
  /** IfNeeded invocations to run again in the second pass. */
  reinvoke: Set<string>;
}

function reinvokeStateOf(reinvocation: Reinvocation | undefined): ReinvokeState {
  const known = reinvocation?.values.get(PLUGIN_NAME) as ReinvokeState | undefined;
  if (known) return known;
  const fresh: ReinvokeState = { previouslyInvoked: new Set(), reinvoke: new Set() };
  reinvocation?.values.set(PLUGIN_NAME, fresh);
  return fresh;
}

function requireReinvoking(state: ReinvokeState): void {
  for (const key of state.previouslyInvoked) state.reinvoke.add(key);
  state.previouslyInvoked.clear();
}

const isPolicyWrite = (a: AdmissionAttributes): boolean =>
  a.resource.group === GROUP && a.resource.resource === POLICIES.plural && a.subresource === '' && (a.operation === 'CREATE' || a.operation === 'UPDATE');

/** The merge schema of a built-in kind; a custom resource's shape is deduced from its values. */
function typedOf(apiVersion: string | undefined, kindName: string | undefined): Typed {
  const [group, version] = (apiVersion ?? '').includes('/') ? (apiVersion ?? '').split('/') as [string, string] : ['', apiVersion ?? ''];
  const kind = allKinds.find((k) => k.group === group && k.version === version && k.kind === kindName);
  const scope = scopeFor(definitions, kind?.definition ?? '', apiVersion ?? '');
  return { schema: scope.schema, node: kind ? scope.node : undefined };
}

/** kube's generic dispatcher: the errors not ignored, as one Forbidden status whose reason is Invalid. */
function refusal(a: AdmissionAttributes, object: KubeObject | undefined, messages: readonly string[]): Status {
  const name = object ? object.metadata.name || object.metadata.generateName || 'Unknown' : 'Unknown';
  const status = forbidden({ group: a.resource.group, resource: a.resource.resource }, name, 'admission request denied by policy');
  status.message = messages[0] ?? '';
  status.reason = 'Invalid';
  status.details = { ...status.details, causes: messages.map((message) => ({ message })) };
  return status;
}

export const MUTATING_ADMISSION_POLICY: PluginRegistration = {
  name: PLUGIN_NAME,
  defaultOn: true,
  create({ watch, clock }) {
    const views = new PolicyViews([POLICIES, BINDINGS, NAMESPACES], watch);
    const policies = new CompiledPolicies<Runtime, CompiledMutatingPolicy>(views, POLICIES, () => import('./mutating-admission-policy/runtime.js'), (r, p) => r.compileMutatingPolicy(p), (c) => {
      if (c.usesAuthorizer) views.needAuthorizer();
      if (c.spec.paramKind) views.need(paramResource(c.spec.paramKind).resource);
    });

    return {
      name: PLUGIN_NAME,
      watches: views.watches,
      external: true,
      observe(resource, change) {
        views.observe(resource, change);
        if (resourceKey(resource) === resourceKey(POLICIES)) policies.refresh();
      },
      wantsObject(a) {
        if (isPolicyWrite(a)) return true;
        const objects = views.view(POLICIES).objects;
        if (objects.size === 0) return false;
        for (const p of objects.values()) if (mayMatch((p.spec as MutatingPolicySpec | undefined)?.matchConstraints, a)) return true;
        return false;
      },
      mutate: (a, object, oldObject, reinvocation) => admitWhenSynced(clock, views.waiting, (waited) => mutate(a, object, oldObject, reinvocation, waited)),
      validate: (a, object) => {
        if (!isPolicyWrite(a) || !object) return ALLOW;
        return admitWhenSynced(clock, views.waiting, () => {
          const runtime = policies.runtime;
          if (!runtime) return (policies.loadRuntime(), UNSYNCED);
          return expressionErrorsVerdict('MutatingAdmissionPolicy', object.metadata.name ?? '', runtime.mutatingPolicyExpressionErrors(runtime.compileMutatingPolicy(object)));
        });
      },
    };

    /** One pass over the policies, on a copy of the object (a pass that waits for a store starts again). */
    function mutate(a: AdmissionAttributes, object: KubeObject | undefined, oldObject: KubeObject | undefined, reinvocation: Reinvocation | undefined, waited: boolean): PluginVerdict | typeof UNSYNCED {
      if (!object || isPolicyWrite(a)) return ALLOW;
      const policyObjects = [...views.view(POLICIES).objects.values()].sort(byName);
      if (policyObjects.length === 0) return ALLOW;
      const runtime = policies.runtime;
      if (!runtime) return (policies.loadRuntime(), UNSYNCED);
      const bindings = [...views.view(BINDINGS).objects.values()].sort(byName);
      const namespace = a.namespace ? views.view(NAMESPACES).objects.get(`/${a.namespace}`) : undefined;
      const state = reinvokeStateOf(reinvocation);
      const second = reinvocation?.isReinvoke === true;
      // Other plugins changed the object in the second pass: every IfNeeded invocation runs again.
      if (second && !isDeepStrictEqual(state.lastOutput, object)) requireReinvoking(state);
      const errors: string[] = [];
      const typed = typedOf(object.apiVersion, object.kind);
      let current = object;
      let request: PolicyRequest | undefined;

      for (const policyObject of policyObjects) {
        const spec = (policyObject.spec ?? {}) as MutatingPolicySpec;
        const matchInput: MatchInput = { attributes: a, object: current, oldObject, namespace };
        if (!spec.matchConstraints || !matches(spec.matchConstraints, matchInput, false)) continue;
        const policy = policies.get(policyObject) as CompiledMutatingPolicy;
        const fail = (binding: string, message: string): void => {
          if (policy.failurePolicy === 'Fail') errors.push(`policy '${policy.name}' with binding '${binding}' denied request: ${message}`);
        };
        const bound = boundParams<MutatingBindingSpec>(policy.name, spec.paramKind, bindings, matchInput, waited, (r) => views.need(r));
        if (bound === UNSYNCED) return UNSYNCED;
        for (const { name: bindingName, ...collected } of bound) {
          if ('error' in collected) {
            fail(bindingName, collected.error);
            continue;
          }
          request ??= requestOf(a, object, oldObject);
          for (const param of collected.params) {
            const key = `${policy.name}/${bindingName}/${param ? `${param.metadata.namespace ?? ''}/${param.metadata.name ?? ''}` : ''}`;
            if (second && !state.reinvoke.has(key)) continue;
            const input = { object: current, oldObject, request, params: param, namespaceObject: namespaceObjectOf(a, namespace), authorize: views.authorize };
            const result = runtime.mutateInvocation(policy, input, typed);
            if (result.outcome === 'skipped') continue;
            if (result.outcome === 'error') {
              fail(bindingName, result.message);
              continue;
            }
            if (!isDeepStrictEqual(result.object, current)) {
              current = result.object;
              requireReinvoking(state);
              reinvocation?.requestReinvoke();
            }
            if (policy.reinvocationPolicy === 'IfNeeded') state.previouslyInvoked.add(key);
            if (second) state.reinvoke.delete(key);
          }
        }
      }
      if (errors.length > 0) return { allowed: false, status: refusal(a, object, errors) };
      if (current !== object) {
        for (const key of Object.keys(object)) delete object[key];
        Object.assign(object, current);
      }
      state.lastOutput = structuredClone(object);
      return ALLOW;
    }
  },
};

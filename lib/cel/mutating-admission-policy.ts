// admissionregistration.k8s.io/v1alpha1 MutatingAdmissionPolicy and its
// binding, the fields CEL and the admission plugin read; and a policy compiled
// once per resourceVersion: its variables, matchConditions and mutations
// (an ApplyConfiguration or a JSONPatch expression each), in an environment
// where `Object{…}` and `JSONPatch{…}` construct values (./object-construction.ts).

import type { KubeObject } from '../../protocol/kube/meta.js';
import { PolicyCompiler } from './policy.js';
import type { Compiled, ExpressionError, MatchCondition, MatchResources, ParamRef, Variable } from './validating-admission-policy.js';

export type PatchType = 'ApplyConfiguration' | 'JSONPatch';

export interface Mutation {
  patchType?: PatchType;
  applyConfiguration?: { expression?: string };
  jsonPatch?: { expression?: string };
}

export interface MutatingPolicySpec {
  paramKind?: { apiVersion?: string; kind?: string };
  matchConstraints?: MatchResources;
  variables?: Variable[];
  mutations?: Mutation[];
  failurePolicy?: 'Fail' | 'Ignore';
  matchConditions?: MatchCondition[];
  reinvocationPolicy?: 'Never' | 'IfNeeded';
}

export interface MutatingBindingSpec {
  policyName?: string;
  paramRef?: ParamRef;
  matchResources?: MatchResources;
}

export interface CompiledMutatingPolicy {
  name: string;
  resourceVersion: string;
  spec: MutatingPolicySpec;
  failurePolicy: 'Fail' | 'Ignore';
  reinvocationPolicy: 'Never' | 'IfNeeded';
  compiler: PolicyCompiler;
  matchConditions: { name: string; expression: string; compiled: Compiled }[];
  mutations: { patchType: PatchType; expression: string; compiled: Compiled }[];
  usesAuthorizer: boolean;
}

export function compileMutatingPolicy(policy: KubeObject): CompiledMutatingPolicy {
  const spec = (policy.spec ?? {}) as MutatingPolicySpec;
  const compiler = new PolicyCompiler({ hasParams: spec.paramKind !== undefined, hasAuthorizer: true, variables: spec.variables ?? [], objectConstruction: true });
  const compiled: CompiledMutatingPolicy = {
    name: policy.metadata.name ?? '',
    resourceVersion: policy.metadata.resourceVersion ?? '',
    spec,
    failurePolicy: spec.failurePolicy === 'Ignore' ? 'Ignore' : 'Fail',
    reinvocationPolicy: spec.reinvocationPolicy === 'IfNeeded' ? 'IfNeeded' : 'Never',
    compiler,
    matchConditions: (spec.matchConditions ?? []).map((c) => ({ name: c.name, expression: c.expression, compiled: compiler.compile(c.expression, 'bool') })),
    mutations: (spec.mutations ?? []).map((m) => {
      const patchType: PatchType = m.patchType === 'JSONPatch' ? 'JSONPatch' : 'ApplyConfiguration';
      const expression = (patchType === 'JSONPatch' ? m.jsonPatch?.expression : m.applyConfiguration?.expression) ?? '';
      return { patchType, expression, compiled: compiler.compile(expression) };
    }),
    usesAuthorizer: false,
  };
  const programs = [
    ...compiler.variables.map((v) => v.program),
    ...[...compiled.matchConditions, ...compiled.mutations].map((c) => ('program' in c.compiled ? c.compiled.program : undefined)),
  ];
  compiled.usesAuthorizer = programs.some((p) => p?.references.has('authorizer'));
  return compiled;
}

/** Every compile error of a policy, at kube's field paths. */
export function mutatingPolicyExpressionErrors(policy: CompiledMutatingPolicy): ExpressionError[] {
  const errors: ExpressionError[] = [];
  policy.compiler.variables.forEach((v, i) => {
    if (v.error) errors.push({ field: `spec.variables[${i}].expression`, expression: policy.spec.variables?.[i]?.expression ?? '', message: v.error });
  });
  policy.matchConditions.forEach((c, i) => {
    if ('error' in c.compiled) errors.push({ field: `spec.matchConditions[${i}].expression`, expression: c.expression, message: c.compiled.error });
  });
  policy.mutations.forEach((m, i) => {
    const field = `spec.mutations[${i}].${m.patchType === 'JSONPatch' ? 'jsonPatch' : 'applyConfiguration'}.expression`;
    if ('error' in m.compiled) errors.push({ field, expression: m.expression, message: m.compiled.error });
  });
  return errors;
}

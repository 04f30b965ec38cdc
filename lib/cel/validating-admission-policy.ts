// admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy and its binding,
// the fields CEL and the admission plugin read; and a policy compiled once per
// resourceVersion: its variables, matchConditions, validations (with
// messageExpression) and auditAnnotations, each a program or kube's compile
// error (which the policy's kind description also reports on a write).

import type { KubeObject } from '../../protocol/kube/meta.js';
import { PolicyCompiler } from './policy.js';
import type { Program } from './compile.js';

/** metav1.LabelSelector. */
export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface RuleWithOperations {
  operations?: string[];
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  resourceNames?: string[];
  scope?: 'Cluster' | 'Namespaced' | '*';
}

export interface MatchResources {
  namespaceSelector?: LabelSelectorSpec;
  objectSelector?: LabelSelectorSpec;
  resourceRules?: RuleWithOperations[];
  excludeResourceRules?: RuleWithOperations[];
  matchPolicy?: 'Exact' | 'Equivalent';
}

export interface Validation { expression: string; message?: string; reason?: string; messageExpression?: string }
export interface AuditAnnotation { key: string; valueExpression: string }
export interface MatchCondition { name: string; expression: string }
export interface Variable { name: string; expression: string }

export interface PolicySpec {
  paramKind?: { apiVersion?: string; kind?: string };
  matchConstraints?: MatchResources;
  validations?: Validation[];
  failurePolicy?: 'Fail' | 'Ignore';
  auditAnnotations?: AuditAnnotation[];
  matchConditions?: MatchCondition[];
  variables?: Variable[];
}

export interface ParamRef {
  name?: string;
  namespace?: string;
  selector?: LabelSelectorSpec;
  parameterNotFoundAction?: 'Allow' | 'Deny';
}

export interface BindingSpec {
  policyName?: string;
  paramRef?: ParamRef;
  matchResources?: MatchResources;
  validationActions?: ('Deny' | 'Warn' | 'Audit')[];
}


export type Compiled = { program: Program } | { error: string };

export interface CompiledPolicy {
  name: string;
  resourceVersion: string;
  spec: PolicySpec;
  failurePolicy: 'Fail' | 'Ignore';
  compiler: PolicyCompiler;
  matchConditions: { name: string; expression: string; compiled: Compiled }[];
  validations: { expression: string; message?: string; reason?: string; compiled: Compiled; messageExpression?: Compiled }[];
  auditAnnotations: { key: string; valueExpression: string; compiled: Compiled }[];
  /** Whether any expression reads `authorizer` (the plugin then keeps RBAC's state). */
  usesAuthorizer: boolean;
}

/** One expression's compile error as the policy's field path and kube's message, for status and validation. */
export interface ExpressionError { field: string; expression: string; message: string }

export function compilePolicy(policy: KubeObject): CompiledPolicy {
  const spec = (policy.spec ?? {}) as PolicySpec;
  const compiler = new PolicyCompiler({ hasParams: spec.paramKind !== undefined, hasAuthorizer: true, variables: spec.variables ?? [] });
  const compiled: CompiledPolicy = {
    name: policy.metadata.name ?? '',
    resourceVersion: policy.metadata.resourceVersion ?? '',
    spec,
    failurePolicy: spec.failurePolicy === 'Ignore' ? 'Ignore' : 'Fail',
    compiler,
    matchConditions: (spec.matchConditions ?? []).map((c) => ({ name: c.name, expression: c.expression, compiled: compiler.compile(c.expression, 'bool') })),
    validations: (spec.validations ?? []).map((v) => ({
      expression: v.expression,
      message: v.message,
      reason: v.reason,
      compiled: compiler.compile(v.expression, 'bool'),
      messageExpression: v.messageExpression ? compiler.compile(v.messageExpression, 'string') : undefined,
    })),
    auditAnnotations: (spec.auditAnnotations ?? []).map((a) => ({ key: a.key, valueExpression: a.valueExpression, compiled: compiler.compile(a.valueExpression) })),
    usesAuthorizer: false,
  };
  const programs = [
    ...compiler.variables.map((v) => v.program),
    ...compiled.matchConditions.map((c) => ('program' in c.compiled ? c.compiled.program : undefined)),
    ...compiled.validations.flatMap((v) => [v.compiled, v.messageExpression].map((c) => (c && 'program' in c ? c.program : undefined))),
    ...compiled.auditAnnotations.map((a) => ('program' in a.compiled ? a.compiled.program : undefined)),
  ];
  compiled.usesAuthorizer = programs.some((p) => p?.references.has('authorizer'));
  return compiled;
}

/** Every compile error of a policy, at kube's field paths (spec.validations[0].expression …). */
export function policyExpressionErrors(policy: CompiledPolicy): ExpressionError[] {
  const errors: ExpressionError[] = [];
  const add = (field: string, expression: string, c: Compiled | { error?: string; program?: Program } | undefined) => {
    if (c && 'error' in c && c.error !== undefined) errors.push({ field, expression, message: c.error });
  };
  policy.compiler.variables.forEach((v, i) => add(`spec.variables[${i}].expression`, policy.spec.variables?.[i]?.expression ?? '', v));
  policy.matchConditions.forEach((c, i) => add(`spec.matchConditions[${i}].expression`, c.expression, c.compiled));
  policy.validations.forEach((v, i) => {
    add(`spec.validations[${i}].expression`, v.expression, v.compiled);
    add(`spec.validations[${i}].messageExpression`, policy.spec.validations?.[i]?.messageExpression ?? '', v.messageExpression);
  });
  policy.auditAnnotations.forEach((a, i) => add(`spec.auditAnnotations[${i}].valueExpression`, a.valueExpression, a.compiled));
  return errors;
}

// A webhook's matchConditions: CEL expressions over object, oldObject,
// request and authorizer (lib/cel's admission-policy environment, no
// params), all of which must hold for the webhook to be called
// (k8s.io/apiserver/pkg/admission/plugin/webhook/matchconditions):
//   any condition false          → not called
//   errors, none false, Fail     → the request is refused (Forbidden)
//   errors, none false, Ignore   → not called
// authorizer checks are denied: webhook admission has no authorizer to ask yet.
// This file loads CEL: the plugins import it (./cel.ts) only once some webhook
// has matchConditions, so a server without them never pays CEL's start.

import type { KubeObject } from '../../../protocol/kube/meta.js';
import type { AdmissionAttributes } from '../../../protocol/messages/admission.js';
import type { StatusCause } from '../../../protocol/kube/status.js';
import { PolicyCompiler } from '../../../lib/cel/policy.js';
import type { Program } from '../../../lib/cel/compile.js';

/** kube's RuntimeCELCostBudgetMatchConditions. */
const COST_BUDGET = 1_000_000;

export interface MatchCondition { name: string; program: Program }

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

let compiler: PolicyCompiler | undefined;
const environment = (): PolicyCompiler => (compiler ??= new PolicyCompiler({ hasParams: false, hasAuthorizer: true }));

/** The compiled conditions; a condition that does not compile (validation refuses it) is left out. */
export function compileMatchConditions(raw: unknown): MatchCondition[] {
  const out: MatchCondition[] = [];
  for (const c of Array.isArray(raw) ? raw.filter(isObj) : []) {
    const compiled = environment().compile(String(c.expression ?? ''), 'bool');
    if ('program' in compiled) out.push({ name: String(c.name ?? ''), program: compiled.program });
  }
  return out;
}

/** kube's strategy check that every expression compiles to a bool: the causes at webhooks[i].matchConditions[j].expression. */
export function matchConditionErrors(configuration: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  (Array.isArray(configuration.webhooks) ? configuration.webhooks : []).forEach((hook: unknown, i) => {
    const conditions = isObj(hook) && Array.isArray(hook.matchConditions) ? hook.matchConditions : [];
    conditions.forEach((c: unknown, j) => {
      const expression = isObj(c) && typeof c.expression === 'string' ? c.expression : '';
      if (expression === '') return;
      const compiled = environment().compile(expression, 'bool');
      if ('error' in compiled) causes.push({ reason: 'FieldValueInvalid', field: `webhooks[${i}].matchConditions[${j}].expression`, message: `Invalid value: ${JSON.stringify(expression)}: ${compiled.error}` });
    });
  });
  return causes;
}

/** true: call the webhook; false: skip it; a string: the error that refuses the request (failurePolicy Fail). */
export function evaluateMatchConditions(
  conditions: readonly MatchCondition[], failurePolicy: 'Fail' | 'Ignore', attributes: AdmissionAttributes,
  invocation: { resource: AdmissionAttributes['resource']; kind: AdmissionAttributes['kind']; subresource: string },
  object: KubeObject | undefined, oldObject: KubeObject | undefined,
): boolean | string {
  const activation = environment().activation({
    object, oldObject,
    request: {
      uid: '', kind: invocation.kind, resource: invocation.resource, subResource: invocation.subresource,
      requestKind: attributes.kind, requestResource: attributes.resource, requestSubResource: attributes.subresource,
      name: attributes.name, namespace: attributes.namespace, operation: attributes.operation,
      userInfo: attributes.userInfo, dryRun: attributes.dryRun, options: attributes.options,
    },
  });
  const errors: string[] = [];
  for (const condition of conditions) {
    try {
      if (condition.program.run(activation, COST_BUDGET).value === false) return false;
    } catch (e) {
      errors.push(`expression '${condition.program.expression}' resulted in error: ${(e as Error).message}`);
    }
  }
  if (errors.length === 0) return true;
  if (failurePolicy === 'Ignore') return false;
  return errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]`;
}

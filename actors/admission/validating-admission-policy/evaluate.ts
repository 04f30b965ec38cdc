// One policy invocation (a policy, a binding, one param): its matchConditions,
// then its validations and auditAnnotations under one runtime cost budget, as
// kube's validating/validator.go turns them into decisions and annotations.

import { CelEvalError } from '../../../lib/cel/compile.js';
import { PER_CALL_LIMIT, RUNTIME_CEL_COST_BUDGET } from '../../../lib/cel/cost.js';
import type { PolicyInput } from '../../../lib/cel/policy.js';
import type { CompiledPolicy, Compiled } from '../../../lib/cel/validating-admission-policy.js';

/** kube's celconfig.MaxEvaluatedMessageExpressionSizeBytes. */
const MAX_MESSAGE_BYTES = 5 * 1024;

export type Decision =
  | { action: 'admit' }
  | { action: 'deny'; message: string; reason?: string; index: number; error: boolean };

export type AuditAnnotationResult = { action: 'publish'; key: string; value: string } | { action: 'exclude' } | { action: 'error'; message: string };

export interface InvocationResult {
  /** False when a matchCondition was false: the policy does not apply to this request. */
  matched: boolean;
  decisions: Decision[];
  auditAnnotations: AuditAnnotationResult[];
}

export interface Budget { remaining: number }

export class OutOfBudget extends Error {
  constructor() {
    super('validation failed due to running out of cost budget, no further validation rules will be run');
  }
}

/** Runs a compiled expression under the shared budget: its value, or kube's error text. */
export function run(compiled: Compiled, expression: string, activation: Record<string, unknown>, budget: Budget): { value: unknown } | { error: string } {
  if ('error' in compiled) return { error: `compilation error: ${compiled.error}` };
  try {
    const { value, cost } = compiled.program.run(activation, Math.min(budget.remaining, PER_CALL_LIMIT));
    budget.remaining -= cost;
    return { value };
  } catch (e) {
    if (!(e instanceof CelEvalError)) return { error: `expression '${expression}' resulted in error: ${(e as Error).message}` };
    budget.remaining -= e.cost;
    if (e.costExceeded && budget.remaining < PER_CALL_LIMIT) throw new OutOfBudget();
    return { error: `expression '${expression}' resulted in error: ${e.message}` };
  }
}

/** matchConditions: true when all are true, false when one is false, else the errors (failed by failurePolicy). */
export function matchConditions(conditions: readonly { expression: string; compiled: Compiled }[], activation: Record<string, unknown>, budget: Budget): boolean | { error: string } {
  const errors: string[] = [];
  for (const c of conditions) {
    const r = run(c.compiled, c.expression, activation, budget);
    if ('error' in r) errors.push(r.error);
    else if (r.value !== true) return false;
  }
  if (errors.length === 0) return true;
  return { error: errors.length === 1 ? (errors[0] as string) : `[${errors.join(', ')}]` };
}

export function evaluateInvocation(policy: CompiledPolicy, input: PolicyInput): InvocationResult {
  const onError = policy.failurePolicy === 'Ignore' ? undefined : 'deny';
  const activation = policy.compiler.activation(input);
  const budget: Budget = { remaining: RUNTIME_CEL_COST_BUDGET };
  try {
    const conditions = matchConditions(policy.matchConditions, activation, budget);
    if (conditions === false) return { matched: false, decisions: [], auditAnnotations: [] };
    if (conditions !== true) return { matched: true, decisions: onError ? [{ action: 'deny', message: conditions.error, index: 0, error: true }] : [], auditAnnotations: [] };

    const decisions: Decision[] = policy.validations.map((v, index): Decision => {
      const r = run(v.compiled, v.expression, activation, budget);
      if ('error' in r) return onError ? { action: 'deny', message: r.error, index, error: true } : { action: 'admit' };
      if (r.value === true) return { action: 'admit' };
      let message = '';
      if (v.messageExpression) {
        const m = run(v.messageExpression, '', activation, budget);
        if ('value' in m && typeof m.value === 'string') {
          message = m.value.trim();
          if (Buffer.byteLength(message) > MAX_MESSAGE_BYTES || message.includes('\n')) message = '';
        }
      }
      if (message === '' && v.message) message = v.message.trim();
      if (message === '') message = `failed expression: ${v.expression.trim()}`;
      return { action: 'deny', message, reason: v.reason ?? 'Invalid', index, error: false };
    });

    const auditAnnotations = policy.auditAnnotations.map((a): AuditAnnotationResult => {
      const r = run(a.compiled, a.valueExpression, activation, budget);
      if ('error' in r) return onError ? { action: 'error', message: r.error } : { action: 'exclude' };
      if (r.value === null || r.value === undefined) return { action: 'exclude' };
      if (typeof r.value !== 'string') {
        return onError
          ? { action: 'error', message: `valueExpression '${a.valueExpression}' resulted in unsupported return type: ${typeName(r.value)}. Return type must be either string or null.` }
          : { action: 'exclude' };
      }
      const value = r.value.trim();
      return value === '' ? { action: 'exclude' } : { action: 'publish', key: a.key, value };
    });
    return { matched: true, decisions, auditAnnotations };
  } catch (e) {
    if (!(e instanceof OutOfBudget)) throw e;
    return { matched: true, decisions: onError ? [{ action: 'deny', message: e.message, index: 0, error: true }] : [], auditAnnotations: [] };
  }
}

function typeName(v: unknown): string {
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'double';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Map) return 'map';
  return typeof v;
}

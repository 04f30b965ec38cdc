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

interface Budget { remaining: number }

class OutOfBudget extends Error {
  constructor() {
    super('validation failed due to running out of cost budget, no further validation rules will be run');
  }
}

/** Runs a compiled expression under the shared budget: its value, or kube's error text. */
function run(compiled: Compiled, expression: string, activation: Record<string, unknown>, budget: Budget): { value: unknown } | { error: string } {
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

export function evaluateInvocation(policy: CompiledPolicy, input: PolicyInput): InvocationResult {
  const onError = policy.failurePolicy === 'Ignore' ? undefined : 'deny';
  const activation = policy.compiler.activation(input);
  const budget: Budget = { remaining: RUNTIME_CEL_COST_BUDGET };
  try {
    // matchConditions: all must be true; an error fails the invocation by failurePolicy.
    const conditionErrors: string[] = [];
    for (const c of policy.matchConditions) {
      const r = run(c.compiled, c.expression, activation, budget);
      if ('error' in r) conditionErrors.push(r.error);
      else if (r.value !== true) return { matched: false, decisions: [], auditAnnotations: [] };
    }
    if (conditionErrors.length > 0) {
      const message = conditionErrors.length === 1 ? (conditionErrors[0] as string) : `[${conditionErrors.join(', ')}]`;
      return { matched: true, decisions: onError ? [{ action: 'deny', message, index: 0, error: true }] : [], auditAnnotations: [] };
    }

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

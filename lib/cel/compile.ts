// Compiling one CEL expression against an environment, with kube's checks on
// its result type and its estimated cost, and running it under a cost limit.

import { compileErrorText, errorPosition, runtimeErrorText } from './errors.js';
import { CostLimitExceeded, estimateCost, metered, type SizedType } from './cost.js';
import type { CelEnvironment } from './library/types.js';

export interface Program {
  readonly expression: string;
  /** The checked result type, in the library's spelling (bool, string, list<int>, …). */
  readonly type: string;
  /** Worst-case cost, in cel-go's units. */
  readonly maxCost: number;
  /** Identifiers the expression reads (to tell transition rules and the variables used). */
  readonly references: ReadonlySet<string>;
  /** Evaluates inside the caller's meter (a lazily evaluated variable); throws the library's error. */
  evaluate(activation: Record<string, unknown>): unknown;
  /** Evaluates on `activation` within `limit`; throws a CelEvalError. */
  run(activation: Record<string, unknown>, limit: number): { value: unknown; cost: number };
}

export class CelEvalError extends Error {
  constructor(message: string, readonly cost: number, readonly costExceeded: boolean) {
    super(message);
  }
}

export type Compiled = { program: Program } | { error: string };

/** Compiles and type-checks; `error` carries cel-go's issues text (without kube's prefix). */
export function compileExpression(env: CelEnvironment, expression: string, sizes: ReadonlyMap<string, SizedType>): Compiled {
  let parsed: ReturnType<CelEnvironment['parse']>;
  try {
    parsed = env.parse(expression);
  } catch (e) {
    return { error: compileErrorText(expression, e) };
  }
  const checked = parsed.check();
  if (!checked.valid) return { error: compileErrorText(expression, checked.error) };
  const found: Found = { identifiers: new Set(), presenceTests: [], fields: new Set() };
  collectIdentifiers(parsed.ast, found, new Set());
  const references = found.identifiers;
  // The library checks has()'s operand loosely; cel-go refuses a field its type does not declare.
  for (const test of found.presenceTests) {
    if (!env.hasVariable(test.root)) continue;
    const operand = expression.slice(test.start, test.end);
    const selected = env.check(operand);
    if (!selected.valid) {
      const error = selected.error as { code?: string; name?: string; message: string; range?: { start: number; end: number } };
      const start = errorPosition(operand, error) + test.start;
      return { error: compileErrorText(expression, { code: error.code, name: error.name, message: error.message, range: { start, end: start } }) };
    }
  }
  const program: Program = {
    expression,
    type: checked.type ?? 'dyn',
    maxCost: estimateCost(parsed.ast, sizes),
    references,
    evaluate: (activation) => parsed(activation),
    run(activation, limit) {
      const result = metered(limit, () => parsed(activation));
      if (result.ok) return result;
      const message = runtimeErrorText(result.error);
      throw new CelEvalError(message, result.cost, result.error instanceof CostLimitExceeded);
    },
  };
  return { program };
}

interface PresenceTest { root: string; start: number; end: number }
interface Node { op?: string; args?: unknown; start?: number; end?: number; meta?: { alternate?: unknown; macro?: Record<string, unknown> } }

/** What a walk of an expression's tree finds: the identifiers it reads, its has() operands, and the fields it selects. */
interface Found { identifiers: Set<string>; presenceTests: PresenceTest[]; fields: Set<string> }

/** The field names an expression selects (`a.b`, `a.?b`, in has() and macros too): none when it does not parse. */
export function selectedFields(env: CelEnvironment, expression: string): Set<string> {
  const found: Found = { identifiers: new Set(), presenceTests: [], fields: new Set() };
  try {
    collectIdentifiers(env.parse(expression).ast, found, new Set());
  } catch {
    // A syntax error is the expression's own, whatever the types.
  }
  return found.fields;
}

function collectIdentifiers(node: unknown, found: Found, seen: Set<unknown>): void {
  if (node === null || typeof node !== 'object' || seen.has(node)) return;
  seen.add(node);
  const n = node as Node;
  if (n.op === 'id' && typeof n.args === 'string') found.identifiers.add(n.args);
  if ((n.op === '.' || n.op === '.?') && Array.isArray(n.args) && typeof n.args[1] === 'string') found.fields.add(n.args[1]);
  if (n.op === 'call' && Array.isArray(n.args) && n.args[0] === 'has') {
    const operand = (n.args[1] as Node[] | undefined)?.[0];
    let root = operand;
    while (root && (root.op === '.' || root.op === '.?')) root = (root.args as Node[])[0];
    if (operand && root?.op === 'id' && operand.start !== undefined && operand.end !== undefined) found.presenceTests.push({ root: root.args as string, start: operand.start, end: operand.end });
  }
  if (n.op !== undefined) {
    collectIdentifiers(n.args, found, seen);
    collectIdentifiers(n.meta?.alternate, found, seen);
    if (n.meta?.macro) for (const v of Object.values(n.meta.macro)) collectIdentifiers(v, found, seen);
    return;
  }
  for (const v of Array.isArray(node) ? node : Object.values(node)) collectIdentifiers(v, found, seen);
}

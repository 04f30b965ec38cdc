// Compiling one CEL expression against an environment, with kube's checks on
// its result type and its estimated cost, and running it under a cost limit.

import { compileErrorText, runtimeErrorText } from './errors.js';
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
  const references = new Set<string>();
  const presenceTests: PresenceTest[] = [];
  collectIdentifiers(parsed.ast, references, presenceTests, new Set());
  // The library checks has()'s operand loosely; cel-go refuses a field its type does not declare.
  for (const test of presenceTests) {
    if (!env.hasVariable(test.root)) continue;
    const selected = env.check(expression.slice(test.start, test.end));
    if (!selected.valid) {
      const error = selected.error as { code?: string; name?: string; message: string; range?: { start: number; end: number } };
      const range = error.range ? { start: error.range.start + test.start, end: error.range.end + test.start } : undefined;
      return { error: compileErrorText(expression, { code: error.code, name: error.name, message: error.message, range }) };
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

function collectIdentifiers(node: unknown, into: Set<string>, presenceTests: PresenceTest[], seen: Set<unknown>): void {
  if (node === null || typeof node !== 'object' || seen.has(node)) return;
  seen.add(node);
  const n = node as Node;
  if (n.op === 'id' && typeof n.args === 'string') into.add(n.args);
  if (n.op === 'call' && Array.isArray(n.args) && n.args[0] === 'has') {
    const operand = (n.args[1] as Node[] | undefined)?.[0];
    let root = operand;
    while (root && (root.op === '.' || root.op === '.?')) root = (root.args as Node[])[0];
    if (operand && root?.op === 'id' && operand.start !== undefined && operand.end !== undefined) presenceTests.push({ root: root.args as string, start: operand.start, end: operand.end });
  }
  if (n.op !== undefined) {
    collectIdentifiers(n.args, into, presenceTests, seen);
    collectIdentifiers(n.meta?.alternate, into, presenceTests, seen);
    if (n.meta?.macro) for (const v of Object.values(n.meta.macro)) collectIdentifiers(v, into, presenceTests, seen);
    return;
  }
  for (const v of Array.isArray(node) ? node : Object.values(node)) collectIdentifiers(v, into, presenceTests, seen);
}

// CEL cost, as Kubernetes bounds it: a static estimate made when an expression
// is compiled (from the schema's maxLength, maxItems and maxProperties, in
// cel-go's units) and an actual cost counted while it runs, checked against a
// per-call limit and the budget of the whole object.
//
// The actual cost counts one unit for each expression node evaluated, plus what
// kube's library functions charge for traversing strings and lists
// (`chargeTraversal`). @marcbachmann/cel-js has no cost tracker, so `meter`
// wraps its evaluator's one recursion point (Evaluator.prototype.run, found by
// evaluating a probe macro once): while a meter is set, each node adds one and
// throws once the limit is passed; with none set, it is one comparison.

import { Environment } from '@marcbachmann/cel-js';

/** k8s.io/apiserver/pkg/apis/cel: limits kube applies to every CEL expression. */
export const PER_CALL_LIMIT = 1_000_000;
export const RUNTIME_CEL_COST_BUDGET = 10_000_000;
/** apiextensions validation: per expression (times its cardinality) and per CRD schema. */
export const STATIC_ESTIMATED_COST_LIMIT = 10_000_000;
export const STATIC_ESTIMATED_CRD_COST_LIMIT = 100_000_000;
/** The largest request body kube accepts, which bounds every unbounded string, list and map. */
export const MAX_REQUEST_SIZE_BYTES = 3 * 1024 * 1024;
export const STRING_TRAVERSAL_COST_FACTOR = 0.1;
export const REGEX_STRING_LENGTH_COST_FACTOR = 0.25;
const LIST_CREATE_BASE_COST = 10;
const MAP_CREATE_BASE_COST = 30;
/** kube's estimate of one authorizer check (library/cost.go). */
export const AUTHZ_CHECK_COST = 350_000;

export class CostLimitExceeded extends Error {
  constructor() {
    super('operation cancelled: actual cost limit exceeded');
  }
}

interface Meter { cost: number; limit: number }
let active: Meter | undefined;

/** Runs `fn` counting its cost, and stops it with CostLimitExceeded past `limit`. */
export function metered<T>(limit: number, fn: () => T): { ok: true; value: T; cost: number } | { ok: false; error: unknown; cost: number } {
  const outer = active;
  const meter: Meter = { cost: 0, limit };
  active = meter;
  try {
    return { ok: true, value: fn(), cost: meter.cost };
  } catch (error) {
    return { ok: false, error, cost: meter.cost };
  } finally {
    active = outer;
  }
}

/** What a library function adds for walking `size` elements of a string (×0.1) or a list (×1). */
export function chargeTraversal(size: number, factor = 1): void {
  if (active === undefined) return;
  active.cost += Math.ceil(size * factor);
  if (active.cost > active.limit) throw new CostLimitExceeded();
}

function installMeter(): void {
  let evaluator: { run: (ast: unknown, ctx: unknown) => unknown } | undefined;
  const probe = new Environment();
  probe.registerFunction('kubeactorCostProbe(ast): bool', (() => ({
    typeCheck: (checker: { getType(name: string): unknown }) => checker.getType('bool'),
    evaluate: (ev: typeof evaluator) => ((evaluator = ev), true),
  })) as never);
  probe.evaluate('kubeactorCostProbe(1)');
  const proto = evaluator && (Object.getPrototypeOf(evaluator) as { run: (ast: { evaluate(ev: unknown, ast: unknown, ctx: unknown): unknown }, ctx: unknown) => unknown });
  if (!proto || typeof proto.run !== 'function') throw new Error('cel: cannot meter this version of @marcbachmann/cel-js');
  proto.run = function run(this: unknown, ast, ctx) {
    if (active !== undefined && ++active.cost > active.limit) throw new CostLimitExceeded();
    return ast.evaluate(this, ast, ctx);
  };
}
installMeter();

// ---------------------------------------------------------------------------
// Static estimate: a worst case over the AST, with sizes from the declared types.

/** What the estimator knows of a value's type: its bound and, for objects, maps and lists, its parts. */
export interface SizedType {
  /** Longest string/bytes, or most items/properties; Infinity where nothing bounds it. */
  maxElements: number;
  fields?: ReadonlyMap<string, SizedType>;
  elem?: SizedType;
  /** A map's values (its keys are strings). */
  isMap?: boolean;
}

export interface Estimate { cost: number; size: number; type?: SizedType }

interface AstNode { op: string; args: unknown }
const isNode = (v: unknown): v is AstNode => typeof v === 'object' && v !== null && 'op' in v && 'args' in v;

type Scope = ReadonlyMap<string, SizedType>;

const traverse = (size: number): number => Math.ceil(size * STRING_TRAVERSAL_COST_FACTOR);
const sat = (n: number): number => (Number.isFinite(n) ? n : Number.MAX_SAFE_INTEGER);

/** Functions whose cost grows with the receiver (or first argument) string or list; the rest cost 1. */
const STRING_LINEAR = new Set(['lowerAscii', 'upperAscii', 'trim', 'replace', 'split', 'substring', 'charAt', 'indexOf', 'lastIndexOf', 'startsWith', 'endsWith', 'format', 'quote', 'url', 'isURL', 'quantity', 'isQuantity', 'ip', 'isIP', 'cidr', 'isCIDR', 'semver', 'isSemver', 'validate', 'string']);
const LIST_LINEAR = new Set(['isSorted', 'sum', 'min', 'max', 'join', 'contains', 'equivalent', 'intersects']);
const LIST_LITERAL_RESULTS = new Set(['split', 'findAll']);

/**
 * cel-go's estimate, simplified: one unit per node, strings charged at 0.1 a
 * character where a function walks them, regular expressions at the product of
 * string and pattern, comprehensions at their range's size times their step.
 */
export function estimateCost(ast: unknown, scope: Scope): number {
  return sat(estimate(ast as AstNode, scope).cost);
}

function estimate(node: AstNode, scope: Scope): Estimate {
  const args = node.args as unknown;
  switch (node.op) {
    case 'value': {
      const size = typeof args === 'string' ? args.length : args instanceof Uint8Array ? args.length : 0;
      return { cost: 0, size };
    }
    case 'id': {
      const type = scope.get(args as string);
      return { cost: 1, size: type?.maxElements ?? 0, type };
    }
    case '.':
    case '.?': {
      const [target, field] = args as [AstNode, string];
      const t = estimate(target, scope);
      const type = t.type?.isMap ? t.type.elem : t.type?.fields?.get(field);
      return { cost: t.cost + 1, size: type?.maxElements ?? 0, type };
    }
    case '[]':
    case '[?]': {
      const [target, index] = args as [AstNode, AstNode];
      const t = estimate(target, scope);
      const i = estimate(index, scope);
      const type = t.type?.elem ?? (index.op === 'value' && typeof index.args === 'string' ? t.type?.fields?.get(index.args) : undefined);
      return { cost: t.cost + i.cost + 1, size: type?.maxElements ?? 0, type };
    }
    case 'list': {
      const items = (args as AstNode[]).map((a) => estimate(a, scope));
      return { cost: LIST_CREATE_BASE_COST + items.reduce((s, e) => s + e.cost, 0), size: items.length, type: { maxElements: items.length, elem: items[0]?.type ?? { maxElements: Math.max(0, ...items.map((e) => e.size)) } } };
    }
    case 'map': {
      const entries = (args as [AstNode, AstNode][]).map(([k, v]) => estimate(k, scope).cost + estimate(v, scope).cost);
      return { cost: MAP_CREATE_BASE_COST + entries.reduce((s, c) => s + c, 0), size: entries.length };
    }
    case '&&':
    case '||': {
      const [l, r] = args as [AstNode, AstNode];
      return { cost: estimate(l, scope).cost + estimate(r, scope).cost, size: 0 };
    }
    case '?:': {
      const [c, t, f] = (args as AstNode[]).map((a) => estimate(a, scope)) as [Estimate, Estimate, Estimate];
      const larger = t.cost >= f.cost ? t : f;
      return { cost: c.cost + larger.cost, size: Math.max(t.size, f.size), type: larger.type };
    }
    case '!_':
    case '-_':
      return { cost: estimate(args as AstNode, scope).cost + 1, size: 0 };
    case 'call':
    case 'rcall':
      return estimateCall(node, scope);
    case 'comprehension':
      return estimateComprehension(args as Record<string, unknown>, scope);
    case '+': {
      const [l, r] = (args as AstNode[]).map((a) => estimate(a, scope)) as [Estimate, Estimate];
      const size = l.size + r.size;
      return { cost: l.cost + r.cost + traverse(size) + 1, size, type: l.type?.elem ? { maxElements: size, elem: l.type.elem } : undefined };
    }
    case '==':
    case '!=': {
      const [l, r] = (args as AstNode[]).map((a) => estimate(a, scope)) as [Estimate, Estimate];
      return { cost: l.cost + r.cost + 1 + traverse(Math.min(l.size, r.size)), size: 0 };
    }
    case 'in': {
      const [l, r] = (args as AstNode[]).map((a) => estimate(a, scope)) as [Estimate, Estimate];
      return { cost: l.cost + r.cost + 1 + (r.type?.isMap ? 0 : r.size), size: 0 };
    }
    default: {
      const parts = Array.isArray(args) ? (args as unknown[]).filter(isNode).map((a) => estimate(a, scope)) : [];
      return { cost: parts.reduce((s, e) => s + e.cost, 0) + 1, size: 0 };
    }
  }
}

function estimateCall(node: AstNode, scope: Scope): Estimate {
  const [name, a, b] = node.args as [string, unknown, unknown];
  const receiverNode = node.op === 'rcall' ? (a as AstNode) : undefined;
  const argNodes = (node.op === 'rcall' ? b : a) as AstNode[];
  if (name === 'has') return { cost: 0, size: 0 };
  const meta = (node as { meta?: { macro?: { val?: unknown; exp?: unknown; var?: string }; alternate?: unknown } }).meta;
  if (isNode(meta?.alternate)) return estimate(meta.alternate, scope);
  if (meta?.macro && isNode(meta.macro.val) && isNode(meta.macro.exp)) {
    const bound = estimate(meta.macro.val, scope);
    const inner = new Map(scope);
    inner.set(meta.macro.var ?? '', bound.type ?? { maxElements: bound.size });
    const body = estimate(meta.macro.exp, inner);
    return { cost: bound.cost + body.cost, size: body.size, type: body.type };
  }
  const receiver = receiverNode ? estimate(receiverNode, scope) : undefined;
  const argEstimates = argNodes.map((x) => estimate(x, scope));
  const inputs = receiver ? [receiver, ...argEstimates] : argEstimates;
  let cost = inputs.reduce((s, e) => s + e.cost, 0);
  const first = inputs[0];
  let size = 0;
  let type: SizedType | undefined;
  if (name === 'matches' || name === 'find' || name === 'findAll') {
    const pattern = inputs[1];
    cost += traverse(first?.size ?? 0) * Math.ceil((pattern?.size ?? 1) * REGEX_STRING_LENGTH_COST_FACTOR) + 1;
    size = first?.size ?? 0;
  } else if (name === 'contains' && !first?.type?.elem) {
    cost += traverse(first?.size ?? 0) * Math.max(1, traverse(inputs[1]?.size ?? 0)) + 1;
  } else if (name === 'check') {
    cost += AUTHZ_CHECK_COST;
  } else if (STRING_LINEAR.has(name)) {
    cost += traverse(first?.size ?? 0) + 1;
    size = first?.size ?? 0;
  } else if (LIST_LINEAR.has(name)) {
    cost += (first?.size ?? 0) + 1;
    size = first?.type?.elem?.maxElements ?? first?.size ?? 0;
  } else {
    cost += 1;
  }
  if (LIST_LITERAL_RESULTS.has(name)) type = { maxElements: size, elem: { maxElements: size } };
  if (name === 'size') size = 0;
  return { cost, size, type };
}

function estimateComprehension(args: Record<string, unknown>, scope: Scope): Estimate {
  const range = estimate(args['iterable'] as AstNode, scope);
  const iterVar = args['iterVarName'] as string;
  const elem = range.type?.isMap ? { maxElements: 0 } : range.type?.elem;
  const inner = new Map(scope);
  inner.set(iterVar, elem ?? { maxElements: 0 });
  const perItem =
    (isNode(args['step']) ? estimate(args['step'], inner).cost : 0) + (isNode(args['condition']) ? estimate(args['condition'], inner).cost : 0);
  const init = isNode(args['init']) ? estimate(args['init'], scope).cost : 0;
  const n = range.size;
  return { cost: range.cost + init + n * (perItem + 1), size: n, type: { maxElements: n, elem } };
}

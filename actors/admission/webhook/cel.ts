// CEL for webhook matchConditions, loaded when first needed (a configuration
// with matchConditions is seen or written): ./match-conditions.ts and lib/cel
// cost tens of milliseconds to load, which a server without them never pays.

export type MatchConditionsRuntime = typeof import('./match-conditions.js');

let runtime: MatchConditionsRuntime | undefined;
let loading: Promise<MatchConditionsRuntime> | undefined;

export function loadedCel(): MatchConditionsRuntime | undefined {
  return runtime;
}

export function loadCel(): Promise<MatchConditionsRuntime> {
  loading ??= import('./match-conditions.js').then((m) => (runtime = m));
  return loading;
}

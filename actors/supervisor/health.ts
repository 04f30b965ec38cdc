// /healthz, /livez and /readyz: named checks, rendered as kube renders them.

export interface HealthCheck {
  name: string;
  /** undefined when healthy, else why not. */
  check(): string | undefined;
}

export interface HealthResult {
  status: number;
  body: string;
}

/** Renders `/<endpoint>[/<check>]?verbose&exclude=…` over `checks`. */
export function renderHealth(endpoint: 'healthz' | 'livez' | 'readyz', path: string, query: Record<string, string>, rawExcludes: string[], checks: readonly HealthCheck[]): HealthResult | undefined {
  const rest = path.slice(endpoint.length + 2);
  if (rest) {
    const single = checks.find((c) => c.name === rest);
    if (!single) return undefined;
    const failure = single.check();
    return failure === undefined ? { status: 200, body: 'ok' } : { status: 500, body: `internal server error: ${failure}\n` };
  }
  const excluded = new Set(rawExcludes);
  const lines: string[] = [];
  let failed = false;
  for (const c of checks) {
    if (excluded.delete(c.name)) {
      lines.push(`[+]${c.name} excluded: ok`);
      continue;
    }
    const failure = c.check();
    if (failure === undefined) lines.push(`[+]${c.name} ok`);
    else {
      failed = true;
      lines.push(`[-]${c.name} failed: reason withheld`);
    }
  }
  if (excluded.size > 0) lines.push(`warn: some health checks cannot be excluded: no matches for ${[...excluded].map((e) => `"${e}"`).join(',')}`);
  const verbose = 'verbose' in query;
  if (failed) return { status: 500, body: `${lines.join('\n')}\n${endpoint} check failed\n` };
  return { status: 200, body: verbose ? `${lines.join('\n')}\n${endpoint} check passed\n` : 'ok' };
}

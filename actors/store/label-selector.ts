// kube's label selector grammar: `a=b`, `a==b`, `a!=b`, `a in (x,y)`,
// `a notin (x)`, `a`, `!a`, joined by commas.

export type Requirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | '!' };

export type LabelSelector = Requirement[];

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(key: string): string | undefined {
  if (!KEY.test(key) || key.split('/').pop()!.length > 63) return `invalid label key "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`;
  return undefined;
}

function checkValue(value: string): string | undefined {
  if (value.length > 63 || !VALUE.test(value)) return `invalid label value: "${value}": at key: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`;
  return undefined;
}

/** Splits on commas outside parentheses. */
function clauses(text: string): string[] | undefined {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const c of text) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (depth < 0) return undefined;
    if (c === ',' && depth === 0) {
      out.push(current.trim());
      current = '';
    } else current += c;
  }
  if (depth !== 0) return undefined;
  out.push(current.trim());
  return out;
}

export function parseLabelSelector(text: string): LabelSelector | { error: string } {
  const parts = clauses(text);
  if (!parts) return { error: `unbalanced parentheses in "${text}"` };
  const selector: LabelSelector = [];
  for (const part of parts) {
    if (part === '') {
      if (parts.length === 1) return selector;
      return { error: `found ',', expected: !, identifier, or 'end of string'` };
    }
    let m = /^(\S+?)\s+(in|notin)\s*\((.*)\)$/.exec(part);
    if (m) {
      const values = m[3]!.split(',').map((v) => v.trim());
      const bad = checkKey(m[1]!) ?? values.map(checkValue).find(Boolean);
      if (bad) return { error: bad };
      selector.push({ key: m[1]!, op: m[2] as 'in' | 'notin', values });
      continue;
    }
    m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
    if (m) {
      const bad = checkKey(m[1]!) ?? checkValue(m[3]!);
      if (bad) return { error: bad };
      selector.push({ key: m[1]!, op: m[2] === '!=' ? 'notin' : 'in', values: [m[3]!] });
      continue;
    }
    m = /^(!?)\s*([^=!\s(),]+)$/.exec(part);
    if (m) {
      const bad = checkKey(m[2]!);
      if (bad) return { error: bad };
      selector.push({ key: m[2]!, op: m[1] ? '!' : 'exists' });
      continue;
    }
    return { error: `couldn't parse the selector string "${text}"` };
  }
  return selector;
}

export function matchesLabels(selector: LabelSelector, labels: Readonly<Record<string, string>> | undefined): boolean {
  for (const r of selector) {
    // Own keys only: a label named `constructor` must not find Object's.
    const value = labels && Object.hasOwn(labels, r.key) ? labels[r.key] : undefined;
    switch (r.op) {
      case 'in':
        if (value === undefined || !r.values.includes(value)) return false;
        break;
      case 'notin':
        // kube: `a!=b` and `a notin (b)` match objects without the label too.
        if (value !== undefined && r.values.includes(value)) return false;
        break;
      case 'exists':
        if (value === undefined) return false;
        break;
      case '!':
        if (value !== undefined) return false;
        break;
    }
  }
  return true;
}

/** metav1.LabelSelector, as RBAC aggregation rules and workload selectors carry it. */
export interface Metav1LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

const OPERATORS: Record<string, Requirement['op']> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/** The same requirements as the text grammar; undefined for an operator kube would reject. */
export function labelSelectorFromMetav1(selector: Metav1LabelSelector): LabelSelector | undefined {
  const requirements: LabelSelector = Object.entries(selector.matchLabels ?? {}).map(([key, value]) => ({ key, op: 'in' as const, values: [value] }));
  for (const e of selector.matchExpressions ?? []) {
    const op = OPERATORS[e.operator];
    if (!op) return undefined;
    requirements.push(op === 'in' || op === 'notin' ? { key: e.key, op, values: e.values ?? [] } : { key: e.key, op });
  }
  return requirements;
}

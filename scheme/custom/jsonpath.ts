// The JSONPath subset CRDs use for printer columns, scale and selectable fields:
// `.a.b`, `.a[0]`, `.a['b.c']`, `.a[*].b` and `.a[?(@.type=="Ready")].status`.

type Step = { key: string } | { index: number } | { all: true } | { filter: { path: string[]; value: string } };

const parsed = new Map<string, Step[]>();

function parse(path: string): Step[] {
  const cached = parsed.get(path);
  if (cached) return cached;
  const steps: Step[] = [];
  const text = path.replace(/^\{|\}$/g, '').replace(/^\$/, '');
  const pattern = /\.([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]|\[\*\]|\[\?\(@\.([\w.-]+)\s*==\s*["']([^"']*)["']\)\]/g;
  for (const m of text.matchAll(pattern)) {
    if (m[1] !== undefined) steps.push({ key: m[1] });
    else if (m[2] !== undefined) steps.push({ index: Number(m[2]) });
    else if (m[3] !== undefined) steps.push({ key: m[3] });
    else if (m[4] !== undefined) steps.push({ filter: { path: m[4].split('.'), value: m[5] ?? '' } });
    else steps.push({ all: true });
  }
  parsed.set(path, steps);
  return steps;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every value the path reaches, in order. */
export function evaluate(path: string, object: unknown): unknown[] {
  let current: unknown[] = [object];
  for (const step of parse(path)) {
    const next: unknown[] = [];
    for (const value of current) {
      if ('key' in step) {
        if (isRecord(value) && step.key in value) next.push(value[step.key]);
      } else if ('index' in step) {
        if (Array.isArray(value) && step.index < value.length) next.push(value[step.index]);
      } else if ('all' in step) {
        if (Array.isArray(value)) next.push(...value);
        else if (isRecord(value)) next.push(...Object.values(value));
      } else if (Array.isArray(value)) {
        for (const element of value) {
          let at: unknown = element;
          for (const key of step.filter.path) at = isRecord(at) ? at[key] : undefined;
          if (at !== undefined && String(at) === step.filter.value) next.push(element);
        }
      }
    }
    current = next;
  }
  return current;
}

/** The first value the path reaches, or undefined. */
export const valueAt = (path: string, object: unknown): unknown => evaluate(path, object)[0];

/** Sets a simple path's value (`.spec.replicas`), making the objects on the way. */
export function setValueAt(path: string, object: Record<string, unknown>, value: unknown): void {
  const keys = parse(path).map((s) => ('key' in s ? s.key : undefined));
  let at: Record<string, unknown> = object;
  keys.slice(0, -1).forEach((key) => {
    if (key === undefined) return;
    if (!isRecord(at[key])) at[key] = {};
    at = at[key] as Record<string, unknown>;
  });
  const last = keys.at(-1);
  if (last !== undefined) at[last] = value;
}

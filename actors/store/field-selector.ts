// kube's field selectors: `a=b`, `a==b`, `a!=b`, comma-joined, with `\` escapes.
// Every resource supports metadata.name and metadata.namespace.

export interface FieldRequirement {
  field: string;
  value: string;
  negated: boolean;
}

export type FieldSelector = FieldRequirement[];

export const SUPPORTED_FIELDS = new Set(['metadata.name', 'metadata.namespace']);

function splitUnescaped(text: string, separator: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      current += c + text[i + 1];
      i++;
    } else if (c === separator) {
      out.push(current);
      current = '';
    } else current += c;
  }
  out.push(current);
  return out;
}

const unescape = (s: string): string => s.replace(/\\(.)/g, '$1');

export function parseFieldSelector(text: string): FieldSelector | { error: string } {
  const selector: FieldSelector = [];
  for (const part of splitUnescaped(text, ',')) {
    if (part.trim() === '') continue;
    const m = /^((?:[^=!\\]|\\.)+?)\s*(!=|==|=)\s*((?:[^\\]|\\.)*)$/.exec(part.trim());
    if (!m) return { error: `invalid selector: '${text}'; can't understand '${part}'` };
    const field = unescape(m[1]!);
    if (!SUPPORTED_FIELDS.has(field)) return { error: `field label not supported: ${field}` };
    selector.push({ field, value: unescape(m[3]!), negated: m[2] === '!=' });
  }
  return selector;
}

export function matchesFields(selector: FieldSelector, fields: Readonly<Record<string, string>>): boolean {
  return selector.every((r) => (fields[r.field] === r.value) !== r.negated);
}

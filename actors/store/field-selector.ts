// kube's field selectors (apimachinery's fields.ParseSelector plus the
// per-kind field label check): `a=b`, `a==b`, `a!=b`, comma-joined; values
// escape `\`, `,` and `=` with a backslash. No whitespace is trimmed, as in kube.

import type { KubeObject } from '../../protocol/kube/meta.js';

export interface FieldRequirement {
  field: string;
  operator: '=' | '==' | '!=';
  value: string;
  /** How to read a field of the object beyond metadata.name and namespace (a CRD's selectableFields). */
  read?: (object: KubeObject) => string | undefined;
}

/** Every requirement must match; the empty selector matches everything. */
export type FieldSelector = FieldRequirement[];

/** What every resource can be selected by (kube's DefaultNamespaceScopedAttr). */
export const DEFAULT_SELECTABLE_FIELDS: readonly string[] = ['metadata.name', 'metadata.namespace'];

export interface FieldSelectorOptions {
  /** Field labels the resource supports; defaults to metadata.name and metadata.namespace. */
  fields?: Iterable<string>;
  /** The error for an unsupported label; kinds without their own conversion use knownFieldSelectorError. */
  unsupported?: (label: string) => string;
}

export const fieldLabelNotSupported = (label: string): string => `field label not supported: ${label}`;

/** The wording of kube's DefaultMetaV1FieldSelectorConversion (kinds with no field selectors of their own). */
export const knownFieldSelectorError = (label: string): string => `"${label}" is not a known field selector: only "metadata.name", "metadata.namespace"`;

/** Splits on commas that are not escaped; a backslash protects the character after it. */
function splitTerms(text: string): string[] {
  if (text === '') return [];
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (escaped) escaped = false;
    else if (c === '\\') escaped = true;
    else if (c === ',') {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms;
}

const OPERATORS = ['!=', '==', '='] as const;

/** The first operator in the term splits it; escapes are not considered on the left. */
function splitTerm(term: string): [string, FieldRequirement['operator'], string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of OPERATORS) if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
  }
  return undefined;
}

class SelectorError extends Error {}

function unescapeValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let escaped = false;
  for (const c of s) {
    if (escaped) {
      if (c !== '\\' && c !== ',' && c !== '=') throw new SelectorError(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      escaped = false;
    } else if (c === '\\') escaped = true;
    // kube prints the offending rune as a number.
    else if (c === ',' || c === '=') throw new SelectorError(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    else out += c;
  }
  if (escaped) throw new SelectorError('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** Parses `?fieldSelector=`; the error text is what kube puts in its 400. */
export function parseFieldSelector(text: string, options: FieldSelectorOptions = {}): FieldSelector | { error: string } {
  const supported = new Set(options.fields ?? DEFAULT_SELECTABLE_FIELDS);
  const unsupported = options.unsupported ?? fieldLabelNotSupported;
  const selector: FieldSelector = [];
  try {
    // kube sorts the raw terms before anything else, which decides which error is reported first.
    for (const term of splitTerms(text).sort()) {
      if (term === '') continue;
      const parts = splitTerm(term);
      if (!parts) return { error: `invalid selector: '${text}'; can't understand '${term}'` };
      const [field, operator, value] = parts;
      selector.push({ field, operator, value: unescapeValue(value) });
    }
  } catch (e) {
    if (e instanceof SelectorError) return { error: e.message };
    throw e;
  }
  const bad = selector.find((r) => !supported.has(r.field));
  if (bad) return { error: unsupported(bad.field) };
  return selector;
}

/** A field missing from `fields` reads as the empty string, as in kube. */
export function matchesFields(selector: FieldSelector, fields: Readonly<Record<string, string>>): boolean {
  return selector.every((r) => {
    const actual = Object.prototype.hasOwnProperty.call(fields, r.field) ? fields[r.field] : '';
    return r.operator === '!=' ? actual !== r.value : actual === r.value;
  });
}

/** The value the selector pins `field` to, if any (lets a store look one object up instead of scanning). */
export function exactFieldMatch(selector: FieldSelector, field: string): string | undefined {
  return selector.find((r) => r.field === field && r.operator !== '!=')?.value;
}

export const escapeFieldValue = (value: string): string => value.replace(/[\\,=]/g, (c) => `\\${c}`);

export function formatFieldSelector(selector: FieldSelector): string {
  return selector.map((r) => `${r.field}${r.operator === '!=' ? '!=' : '='}${escapeFieldValue(r.value)}`).join(',');
}

type Extractor = (object: Record<string, unknown>) => string;

/**
 * The selectable fields of an object: metadata.name and metadata.namespace
 * (empty for cluster-scoped objects, which is what kube matches them as),
 * plus the kind's own extractors.
 */
export function fieldsOf(object: unknown, extra: Readonly<Record<string, Extractor>> = {}): Record<string, string> {
  const o = object !== null && typeof object === 'object' && !Array.isArray(object) ? (object as Record<string, unknown>) : {};
  const metadata = o.metadata !== null && typeof o.metadata === 'object' ? (o.metadata as Record<string, unknown>) : {};
  const fields: Record<string, string> = {
    'metadata.name': typeof metadata.name === 'string' ? metadata.name : '',
    'metadata.namespace': typeof metadata.namespace === 'string' ? metadata.namespace : '',
  };
  for (const [label, extract] of Object.entries(extra)) fields[label] = extract(o);
  return fields;
}

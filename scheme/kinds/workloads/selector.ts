// metav1.LabelSelector as the workload kinds use it: matching a template's
// labels, printing it the way kube's printers do (labels.Selector's String),
// and kube's ValidateLabelSelector.

import type { StatusCause } from '../../../protocol/kube/status.js';
import { isQualifiedName, isValidLabelValue } from '../../validate.js';
import { forbidden, invalid, isObj, objects, required, type Obj } from './field-errors.js';

interface Requirement {
  key: string;
  operator: string;
  values: string[];
}

function requirementsOf(selector: Obj): Requirement[] {
  const out: Requirement[] = [];
  if (isObj(selector.matchLabels)) {
    for (const [key, value] of Object.entries(selector.matchLabels)) out.push({ key, operator: '=', values: [String(value)] });
  }
  for (const e of objects(selector.matchExpressions)) {
    out.push({ key: String(e.key ?? ''), operator: String(e.operator ?? ''), values: Array.isArray(e.values) ? e.values.map(String) : [] });
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** True when the selector selects nothing in particular: absent, or without requirements. */
export function isEmptySelector(selector: unknown): boolean {
  return !isObj(selector) || requirementsOf(selector).length === 0;
}

/** labels.Selector.Matches: every requirement holds for `labels`. */
export function selectorMatches(selector: unknown, labels: unknown): boolean {
  if (!isObj(selector)) return false;
  const set = isObj(labels) ? labels : {};
  return requirementsOf(selector).every((r) => {
    const has = Object.prototype.hasOwnProperty.call(set, r.key);
    const value = has ? String(set[r.key]) : undefined;
    switch (r.operator) {
      case '=':
      case 'In':
        return has && r.values.includes(value!);
      case 'NotIn':
        return !has || !r.values.includes(value!);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        return false;
    }
  });
}

/** metav1.FormatLabelSelector: `app=web,tier in (a,b)`, `<none>` when it selects nothing in particular. */
export function formatLabelSelector(selector: unknown): string {
  if (!isObj(selector)) return '<none>';
  const parts = requirementsOf(selector).map((r) => {
    const values = [...r.values].sort().join(',');
    switch (r.operator) {
      case '=':
        return `${r.key}=${values}`;
      case 'In':
        return `${r.key} in (${values})`;
      case 'NotIn':
        return `${r.key} notin (${values})`;
      case 'Exists':
        return r.key;
      case 'DoesNotExist':
        return `!${r.key}`;
      default:
        return '<error>';
    }
  });
  if (parts.includes('<error>')) return '<error>';
  return parts.join(',') || '<none>';
}

/** labels.FormatLabels: a map as `a=b,c=d`, sorted; `<none>` when empty. */
export function formatLabels(labels: unknown): string {
  if (!isObj(labels) || Object.keys(labels).length === 0) return '<none>';
  return Object.keys(labels).sort().map((k) => `${k}=${String(labels[k])}`).join(',');
}

/** kube's ValidateLabels at `field`. */
export function validateLabels(labels: unknown, field: string): StatusCause[] {
  if (!isObj(labels)) return [];
  const causes: StatusCause[] = [];
  for (const [key, value] of Object.entries(labels)) {
    for (const m of isQualifiedName(key)) causes.push(invalid(field, key, m));
    if (typeof value === 'string') for (const m of isValidLabelValue(value)) causes.push(invalid(field, value, m));
  }
  return causes;
}

/** kube's ValidateLabelSelector at `field` (spec.selector). */
export function validateLabelSelector(selector: unknown, field: string): StatusCause[] {
  if (!isObj(selector)) return [];
  const causes = validateLabels(selector.matchLabels, `${field}.matchLabels`);
  objects(selector.matchExpressions).forEach((e, i) => {
    const at = `${field}.matchExpressions[${i}]`;
    const values = Array.isArray(e.values) ? e.values : [];
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) causes.push(required(`${at}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) causes.push(forbidden(`${at}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        causes.push(invalid(`${at}.operator`, e.operator, 'not a valid selector operator'));
    }
    if (typeof e.key === 'string') for (const m of isQualifiedName(e.key)) causes.push(invalid(`${at}.key`, e.key, m));
  });
  return causes;
}

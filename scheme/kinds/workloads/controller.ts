// What the controllers' kinds share: a selector that must select the pod
// template it stamps out (ValidatePodTemplateSpecForReplicaSet and its
// siblings), an immutable selector, and Go's %#v of intstr values.

import type { StatusCause } from '../../../protocol/kube/status.js';
import { alwaysRestarts, defaultPodTemplate, validatePodTemplate } from './pod-spec.js';
import { goLabelSelector, goStringMap, IMMUTABLE, invalid, isObj, required, sameJson, type Obj } from './field-errors.js';
import { isEmptySelector, selectorMatches, validateLabelSelector } from './selector.js';

export const SELECTOR_MISMATCH = '`selector` does not match template `labels`';

export function specOf(object: Obj): Obj {
  return isObj(object.spec) ? object.spec : {};
}

/** The template's labels, as the mismatch error shows them. */
export function templateLabels(template: unknown): unknown {
  return isObj(template) && isObj(template.metadata) ? template.metadata.labels : undefined;
}

/** A required, non-empty selector (`empty selector is invalid for <what>`), validated. */
export function requiredSelector(spec: Obj, what: string): StatusCause[] {
  if (!isObj(spec.selector)) return [required('spec.selector')];
  const causes = validateLabelSelector(spec.selector, 'spec.selector');
  if (isEmptySelector(spec.selector)) causes.push(invalid('spec.selector', spec.selector, `empty selector is invalid for ${what}`, goLabelSelector(spec.selector)));
  return causes;
}

/** The selector must select the template's labels (when it selects anything). */
export function selectsTemplate(selector: unknown, template: unknown, at = 'spec.template'): StatusCause[] {
  if (isEmptySelector(selector) || selectorMatches(selector, templateLabels(template))) return [];
  return [invalid(`${at}.metadata.labels`, undefined, SELECTOR_MISMATCH, goStringMap(templateLabels(template)))];
}

/** ValidatePodTemplateSpecForReplicaSet (deployments, replica sets): labels selected, a valid spec that restarts Always. */
export function replicaTemplate(spec: Obj, kindName: string): StatusCause[] {
  if (!isObj(spec.template)) return [required('spec.template')];
  const causes = selectsTemplate(spec.selector, spec.template);
  causes.push(...validatePodTemplate(spec.template, 'spec.template'));
  causes.push(...alwaysRestarts(spec.template, 'spec.template').map((c) => (c.reason === 'FieldValueForbidden' ? { ...c, message: `Forbidden: activeDeadlineSeconds in ${kindName} is not Supported` } : c)));
  return causes;
}

export function immutableSelector(spec: Obj, old: Obj): StatusCause[] {
  if (sameJson(spec.selector, old.selector)) return [];
  return [invalid('spec.selector', spec.selector, IMMUTABLE, goLabelSelector(spec.selector))];
}

export function defaultTemplateOf(spec: Obj): void {
  defaultPodTemplate(spec.template);
}

/** Go's %#v of an intstr.IntOrString, as kube's rolling-update errors print it. */
export function goIntOrString(value: unknown): string {
  return typeof value === 'string' ? `intstr.IntOrString{Type:1, IntVal:0, StrVal:${JSON.stringify(value)}}` : `intstr.IntOrString{Type:0, IntVal:${Number(value ?? 0)}, StrVal:""}`;
}

const PERCENT_MESSAGE =
  "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

/** ValidatePositiveIntOrPercent. */
export function positiveIntOrPercent(value: unknown, at: string): StatusCause[] {
  if (typeof value === 'string') return /^[0-9]+%$/.test(value) ? [] : [invalid(at, value, PERCENT_MESSAGE, goIntOrString(value))];
  if (typeof value === 'number' && value < 0) return [invalid(at, value, 'must be greater than or equal to 0')];
  return [];
}

/** An int-or-percent's value as kube's getIntOrPercentValue reads it. */
export function intOrPercentValue(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^[0-9]+%$/.test(value)) return Number(value.slice(0, -1));
  return 0;
}

/** IsNotMoreThan100Percent. */
export function notMoreThan100Percent(value: unknown, at: string): StatusCause[] {
  if (typeof value !== 'string' || !/^[0-9]+%$/.test(value) || Number(value.slice(0, -1)) <= 100) return [];
  return [invalid(at, value, 'must not be greater than 100%', goIntOrString(value))];
}

// A CRD's x-kubernetes-validations, as kube compiles them when the CRD is
// written (apiextensions validation: kube's field paths, messages and cost
// limits) and runs them on each write of a custom resource (kube's
// schema/cel/validation.go: causes with kube's field paths, reasons and texts;
// transition rules only where an old value correlates; errors on unchanged
// values ratcheted to warnings, as CRDValidationRatcheting does in 1.33).

import { Optional } from '@marcbachmann/cel-js';
import type { StatusCause } from '../../protocol/kube/status.js';
import { compileExpression, CelEvalError, type Program } from './compile.js';
import {
  PER_CALL_LIMIT,
  RUNTIME_CEL_COST_BUDGET,
  STATIC_ESTIMATED_COST_LIMIT,
  STATIC_ESTIMATED_CRD_COST_LIMIT,
  type SizedType,
} from './cost.js';
import { kubeEnvironment } from './environment.js';
import { celEqual } from './library/lists.js';
import type { CelEnvironment } from './library/types.js';
import { SchemaTypes, toCel, type Decl, type JSONSchemaProps, type ValidationRule } from './schema-types.js';

export type { JSONSchemaProps, ValidationRule } from './schema-types.js';

/** kube's celconfig.MaxEvaluatedMessageExpressionSizeBytes. */
const MAX_MESSAGE_EXPRESSION_BYTES = 5 * 1024;
const SUPPORTED_REASONS = ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired'];

interface CompiledRule {
  rule: ValidationRule;
  program?: Program;
  /** A rule that failed to compile (only reachable if compile errors were ignored). */
  error?: string;
  message?: Program;
  transition: boolean;
  /** `fieldPath` as kube normalizes it (spec.foo, labels[key]). */
  fieldPath?: string;
}

interface ValidatorNode {
  /** The schema's type, which kube prints as the invalid value: "object", "string", … */
  type: string;
  decl: Decl;
  rules: CompiledRule[];
  usesOldSelf: boolean;
  properties?: Map<string, ValidatorNode>;
  items?: ValidatorNode;
  additionalProperties?: ValidatorNode;
  /** How old values correlate beneath this node: list items by these keys (a map list), or not at all. */
  listMapKeys?: string[];
  atomicMap?: boolean;
}

/** The compiled validations of one schema, ready for runSchemaValidations. */
export interface CompiledSchemaValidations {
  readonly root: ValidatorNode | undefined;
}

export interface CompileOptions {
  /** Where the schema sits in its CRD, for the error fields: spec.versions[0].schema.openAPIV3Schema. */
  path?: string;
  /** kube's StaticEstimatedCostLimit and StaticEstimatedCRDCostLimit, for specs. */
  perExpressionLimit?: number;
  perSchemaLimit?: number;
}

const cause = (reason: string, field: string, message: string): StatusCause => ({ reason, field, message });
const invalid = (field: string, value: string, detail: string) => cause('FieldValueInvalid', field, `Invalid value: ${value}: ${detail}`);
const forbidden = (field: string, detail: string) => cause('FieldValueForbidden', field, `Forbidden: ${detail}`);
const required = (field: string, detail: string) => cause('FieldValueRequired', field, `Required value: ${detail}`);
const goString = (s: string): string => JSON.stringify(s);

/** A ValidationRule as Go prints it with %#v, which kube puts in compile errors. */
function goRule(rule: ValidationRule): string {
  const ptr = (type: string, set: boolean) => `(*${type})(${set ? '0xc000000000' : 'nil'})`;
  return (
    `apiextensions.ValidationRule{Rule:${goString(rule.rule ?? '')}, Message:${goString(rule.message ?? '')}, ` +
    `MessageExpression:${goString(rule.messageExpression ?? '')}, Reason:${ptr('apiextensions.FieldValueErrorReason', rule.reason !== undefined)}, ` +
    `FieldPath:${goString(rule.fieldPath ?? '')}, OptionalOldSelf:${ptr('bool', rule.optionalOldSelf !== undefined)}}`
  );
}

/** kube's getCostErrorMessage. */
export function costErrorMessage(costName: string, cost: number, limit: number): string {
  const factor = cost / limit;
  const text = factor > 100 ? 'more than 100x' : factor < 1.5 ? `${factor.toFixed(6)}x` : `${factor.toFixed(1)}x`;
  return `${costName} exceeds budget by factor of ${text} (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)`;
}

interface Walk {
  types: CelEnvironment;
  causes: StatusCause[];
  total: number;
  mostExpensive: { field: string; cost: number }[];
  perExpressionLimit: number;
  perSchemaLimit: number;
}

/**
 * Compiles every x-kubernetes-validations rule of a structural schema (the
 * root being a resource's). Errors are kube's causes for the CRD write; the
 * compiled validations are for runSchemaValidations.
 */
export function compileSchemaValidations(schema: JSONSchemaProps, options: CompileOptions = {}): { compiled: CompiledSchemaValidations; errors: StatusCause[] } {
  const path = options.path ?? 'spec.validation.openAPIV3Schema';
  if (!hasRules(schema)) return { compiled: { root: undefined }, errors: [] };
  const types = kubeEnvironment();
  const declarer = new SchemaTypes(types);
  const decl = declarer.declare(schema, `selfType${process.hrtime()[1]}`, true);
  declarer.register();
  const walk: Walk = {
    types,
    causes: [],
    total: 0,
    mostExpensive: [],
    perExpressionLimit: options.perExpressionLimit ?? STATIC_ESTIMATED_COST_LIMIT,
    perSchemaLimit: options.perSchemaLimit ?? STATIC_ESTIMATED_CRD_COST_LIMIT,
  };
  const root = build(walk, schema, decl, path, 1, undefined);
  if (walk.total > walk.perSchemaLimit) {
    for (const e of walk.mostExpensive) walk.causes.push(forbidden(e.field, 'contributed to estimated rule & messageExpression cost total exceeding cost limit for entire OpenAPIv3 schema'));
    walk.causes.push(forbidden(path, costErrorMessage('x-kubernetes-validations estimated rule & messageExpression cost total for entire OpenAPIv3 schema', walk.total, walk.perSchemaLimit)));
  }
  return { compiled: { root }, errors: walk.causes };
}

function hasRules(s: JSONSchemaProps | undefined): boolean {
  if (!s) return false;
  if ((s['x-kubernetes-validations']?.length ?? 0) > 0) return true;
  if (Object.values(s.properties ?? {}).some(hasRules)) return true;
  return hasRules(s.items) || (typeof s.additionalProperties === 'object' && hasRules(s.additionalProperties));
}

function observeCost(walk: Walk, field: string, cost: number): void {
  walk.total += cost;
  if (cost < walk.perSchemaLimit / 100) return;
  walk.mostExpensive.push({ field, cost });
  walk.mostExpensive.sort((a, b) => b.cost - a.cost);
  walk.mostExpensive.length = Math.min(walk.mostExpensive.length, 4);
}

function build(walk: Walk, s: JSONSchemaProps, decl: Decl | undefined, path: string, cardinality: number, uncorrelatable: string | undefined): ValidatorNode | undefined {
  if (!hasRules(s)) return undefined;
  const rules = s['x-kubernetes-validations'] ?? [];
  const node: ValidatorNode = { type: s.type ?? '', decl: decl ?? { kind: 'dyn', celType: 'dyn', maxElements: 0, minSerializedSize: 0 }, rules: [], usesOldSelf: false };
  if (rules.length > 0) compileRules(walk, node, s, decl, path, cardinality, uncorrelatable);

  if (s.properties && decl?.kind === 'object') {
    node.properties = new Map();
    for (const [name, prop] of Object.entries(s.properties)) {
      const child = build(walk, prop, decl.properties?.get(name)?.decl, `${path}.properties[${name}]`, cardinality, uncorrelatable);
      if (child) node.properties.set(name, child);
    }
  }
  if (s.items && decl?.kind === 'list') {
    const listType = s['x-kubernetes-list-type'];
    if (listType === 'map') node.listMapKeys = s['x-kubernetes-list-map-keys'] ?? [];
    node.items = build(walk, s.items, decl.elem, `${path}.items`, cardinality * decl.maxElements, listType === 'map' ? uncorrelatable : (uncorrelatable ?? path));
  }
  if (typeof s.additionalProperties === 'object' && decl?.kind === 'map') {
    node.atomicMap = s['x-kubernetes-map-type'] === 'atomic';
    node.additionalProperties = build(walk, s.additionalProperties, decl.elem, `${path}.additionalProperties`, cardinality * decl.maxElements, node.atomicMap ? (uncorrelatable ?? path) : uncorrelatable);
  }
  return node;
}

function compileRules(walk: Walk, node: ValidatorNode, s: JSONSchemaProps, decl: Decl | undefined, path: string, cardinality: number, uncorrelatable: string | undefined): void {
  const rules = s['x-kubernetes-validations'] ?? [];
  const at = (i: number, key: string) => `${path}.x-kubernetes-validations[${i}].${key}`;
  let schemaErrors = false;
  rules.forEach((rule, i) => {
    const trimmedRule = (rule.rule ?? '').trim();
    const trimmedMessage = (rule.message ?? '').trim();
    const before = walk.causes.length;
    if (trimmedRule.length === 0) walk.causes.push(required(at(i, 'rule'), 'rule is not specified'));
    else if ((rule.message ?? '').length > 0 && trimmedMessage.length === 0) walk.causes.push(invalid(at(i, 'message'), goString(rule.message ?? ''), 'message must be non-empty if specified'));
    else if (/[\n\r]/.test(trimmedMessage)) walk.causes.push(invalid(at(i, 'message'), goString(rule.message ?? ''), 'message must not contain line breaks'));
    else if (/[\n\r]/.test(trimmedRule) && trimmedMessage.length === 0) walk.causes.push(required(at(i, 'message'), 'message must be specified if rule contains line breaks'));
    if ((rule.messageExpression ?? '').length > 0 && (rule.messageExpression ?? '').trim().length === 0) walk.causes.push(required(at(i, 'messageExpression'), 'messageExpression must be non-empty if specified'));
    if (rule.reason !== undefined && !SUPPORTED_REASONS.includes(rule.reason)) {
      walk.causes.push(cause('FieldValueNotSupported', at(i, 'reason'), `Unsupported value: ${goString(rule.reason)}: supported values: ${SUPPORTED_REASONS.map(goString).join(', ')}`));
    }
    if (rule.fieldPath !== undefined) {
      if (rule.fieldPath.length > 0 && rule.fieldPath.trim().length === 0) walk.causes.push(invalid(at(i, 'fieldPath'), goString(rule.fieldPath), 'fieldPath must be non-empty if specified'));
      else if (/[\n\r]/.test(rule.fieldPath)) walk.causes.push(invalid(at(i, 'fieldPath'), goString(rule.fieldPath), 'fieldPath must not contain line breaks'));
      else if (rule.fieldPath.length > 0 && typeof validFieldPath(rule.fieldPath, s) !== 'string') walk.causes.push(invalid(at(i, 'fieldPath'), goString(rule.fieldPath), 'fieldPath must be a valid path'));
    }
    if (walk.causes.length > before) schemaErrors = true;
  });
  if (schemaErrors) return;
  if (!decl) {
    walk.causes.push(
      cause('InternalError', `${path}.x-kubernetes-validations`, `Internal error: rule declared on schema that does not support validation rules type: '${s.type ?? ''}' x-kubernetes-preserve-unknown-fields: '${s['x-kubernetes-preserve-unknown-fields'] === true}'`),
    );
    return;
  }
  const env = walk.types.clone();
  env.registerVariable('self', decl.celType).registerVariable('oldSelf', decl.celType);
  const optionalEnv = walk.types.clone();
  optionalEnv.registerVariable('self', decl.celType).registerVariable('oldSelf', `optional<${decl.celType}>`);
  const sizes = new Map<string, SizedType>([['self', decl], ['oldSelf', decl]]);

  rules.forEach((rule, i) => {
    const compiled: CompiledRule = { rule, transition: false };
    node.rules.push(compiled);
    const result = compileExpression(rule.optionalOldSelf ? optionalEnv : env, rule.rule, sizes);
    if ('error' in result) {
      compiled.error = `compilation failed: ${result.error}`;
      walk.causes.push(invalid(at(i, 'rule'), goRule(rule), compiled.error));
    } else if (result.program.type !== 'bool') {
      compiled.error = 'cel expression must evaluate to a bool';
      walk.causes.push(invalid(at(i, 'rule'), goRule(rule), compiled.error));
    } else {
      compiled.program = result.program;
      compiled.transition = result.program.references.has('oldSelf');
      const cost = Math.min(Number.MAX_SAFE_INTEGER, result.program.maxCost * cardinality);
      if (cost > walk.perExpressionLimit) walk.causes.push(forbidden(at(i, 'rule'), costErrorMessage('estimated rule cost', cost, walk.perExpressionLimit)));
      observeCost(walk, at(i, 'rule'), cost);
      if (compiled.transition && uncorrelatable !== undefined) {
        walk.causes.push(invalid(at(i, 'rule'), goString(rule.rule), `oldSelf cannot be used on the uncorrelatable portion of the schema within ${uncorrelatable}`));
      } else if (!compiled.transition && rule.optionalOldSelf !== undefined) {
        walk.causes.push(invalid(at(i, 'optionalOldSelf'), String(rule.optionalOldSelf), 'may not be set if oldSelf is not used in rule'));
      }
      if (compiled.transition) node.usesOldSelf = true;
    }
    if (rule.messageExpression && rule.messageExpression.trim().length > 0) {
      const message = compileExpression(env, rule.messageExpression, sizes);
      if ('error' in message) walk.causes.push(invalid(at(i, 'messageExpression'), goRule(rule), `messageExpression compilation failed: ${message.error}`));
      else if (message.program.type !== 'string') walk.causes.push(invalid(at(i, 'messageExpression'), goRule(rule), 'must evaluate to a string'));
      else {
        compiled.message = message.program;
        const cost = Math.min(Number.MAX_SAFE_INTEGER, message.program.maxCost * cardinality);
        if (cost > walk.perExpressionLimit) walk.causes.push(forbidden(at(i, 'messageExpression'), costErrorMessage('estimated messageExpression cost', cost, walk.perExpressionLimit)));
        observeCost(walk, at(i, 'messageExpression'), cost);
      }
    }
    if (rule.fieldPath) {
      const normalized = validFieldPath(rule.fieldPath, s);
      if (typeof normalized === 'string') compiled.fieldPath = normalized;
    }
  });
}

/** kube's ValidFieldPath: `.a.b['c']` against the schema, as a field path (a.b[c] or a.b.c), or an error. */
export function validFieldPath(jsonPath: string, schema: JSONSchemaProps): string | { error: string } {
  const tokens = jsonPath.match(/'(?:[^'\\]|\\.)*'|[.[\]]|[^.[\]']+/g) ?? [];
  let s: JSONSchemaProps | undefined = schema;
  let out = '';
  const step = (name: string): string | undefined => {
    if (s?.properties) {
      s = s.properties[name];
      if (!s) return 'does not refer to a valid field';
      out += out === '' ? name : `.${name}`;
    } else if (typeof s?.additionalProperties === 'object') {
      s = s.additionalProperties;
      out += `[${name}]`;
    } else return 'does not refer to a valid field';
    return undefined;
  };
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i] as string;
    if (tok === '.') {
      const name = tokens[++i];
      if (name === undefined) return { error: 'unexpected end of JSON path' };
      const err = step(name);
      if (err) return { error: err };
    } else if (tok === '[') {
      const quoted = tokens[++i];
      if (quoted === undefined || !/^'.*'$/.test(quoted)) return { error: `expected single quoted string but got ${quoted ?? ''}` };
      const err = step(quoted.slice(1, -1).replace(/\\(.)/g, '$1'));
      if (err) return { error: err };
      if (tokens[++i] !== ']') return { error: `expected ] but got ${tokens[i] ?? ''}` };
    } else return { error: `expected [ or . but got: ${tok}` };
  }
  return out;
}

// ---------------------------------------------------------------------------
// Running the rules on an object.

export interface RunOptions {
  /** kube's RuntimeCELCostBudget for the whole object, and PerCallLimit for one expression. */
  budget?: number;
  perCallLimit?: number;
}

export interface RunResult {
  causes: StatusCause[];
  /** Errors on values an update left unchanged (ratcheted), as kube's warnings: `<field>: <message>`. */
  warnings: string[];
}

interface Run {
  remaining: number;
  perCallLimit: number;
  causes: StatusCause[];
  warnings: string[];
  stopped: boolean;
}

/** Whether this node's value is unchanged from the old one (kube's ratcheting), asked only when a rule fails. */
type Unchanged = () => boolean;
const NEVER: Unchanged = () => false;

/**
 * Runs the compiled rules on `object` (and, on update, `oldObject`): kube's
 * causes, and the warnings of ratcheted errors.
 */
export function runSchemaValidations(compiled: CompiledSchemaValidations, object: unknown, oldObject?: unknown, options: RunOptions = {}): RunResult {
  const run: Run = { remaining: options.budget ?? RUNTIME_CEL_COST_BUDGET, perCallLimit: options.perCallLimit ?? PER_CALL_LIMIT, causes: [], warnings: [], stopped: false };
  if (compiled.root) validate(run, compiled.root, undefined, object, oldObject, oldObject === undefined ? NEVER : cachedEqual(object, oldObject));
  return { causes: run.causes, warnings: run.warnings };
}

function cachedEqual(a: unknown, b: unknown): Unchanged {
  let known: boolean | undefined;
  return () => (known ??= celEqual(a, b));
}

const child = (path: string | undefined, name: string) => (path === undefined ? name : `${path}.${name}`);
const fieldOf = (path: string | undefined) => path ?? '<nil>';

function validate(run: Run, node: ValidatorNode, path: string | undefined, obj: unknown, old: unknown, unchanged: Unchanged): void {
  if (obj === null || obj === undefined || run.stopped) return;
  if (node.rules.length > 0) validateRules(run, node, path, obj, old, unchanged);
  if (run.stopped) return;
  if (Array.isArray(obj) && node.items) {
    const oldItems = node.listMapKeys && Array.isArray(old) ? old : undefined;
    obj.forEach((item, i) => {
      const oldItem = oldItems ? oldItems.find((o) => sameKeys(o, item, node.listMapKeys as string[])) : undefined;
      // Items of a list that does not correlate are ratcheted with their list.
      const itemUnchanged = oldItems ? (oldItem === undefined ? NEVER : cachedEqual(item, oldItem)) : unchanged;
      validate(run, node.items as ValidatorNode, `${path ?? ''}[${i}]`, item, oldItem, itemUnchanged);
    });
  } else if (typeof obj === 'object' && !Array.isArray(obj)) {
    const record = obj as Record<string, unknown>;
    const oldRecord = old !== null && typeof old === 'object' && !Array.isArray(old) ? (old as Record<string, unknown>) : undefined;
    if (node.additionalProperties) {
      for (const [k, v] of Object.entries(record)) {
        const oldV = node.atomicMap ? undefined : oldRecord?.[k];
        validate(run, node.additionalProperties, `${path ?? ''}[${k}]`, v, oldV, node.atomicMap ? unchanged : oldV === undefined ? NEVER : cachedEqual(v, oldV));
      }
    }
    if (node.properties) {
      for (const [k, v] of Object.entries(record)) {
        const sub = node.properties.get(k);
        if (!sub) continue;
        const oldV = oldRecord?.[k];
        const ratchets = !(path === undefined && (k === 'apiVersion' || k === 'kind'));
        validate(run, sub, child(path, k), v, oldV, ratchets && oldV !== undefined ? cachedEqual(v, oldV) : NEVER);
      }
    }
  }
}

function sameKeys(a: unknown, b: unknown, keys: readonly string[]): boolean {
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  return keys.every((k) => (a as Record<string, unknown>)[k] === (b as Record<string, unknown>)[k]);
}

function validateRules(run: Run, node: ValidatorNode, path: string | undefined, obj: unknown, old: unknown, unchanged: Unchanged): void {
  const value = `"${node.type}"`;
  if (run.remaining <= 0) {
    run.causes.push(invalid(fieldOf(path), value, 'validation failed due to running out of cost budget, no further validation rules will be run'));
    run.stopped = true;
    return;
  }
  const self = toCel(obj, node.decl);
  const oldSelf = node.usesOldSelf && old !== undefined && old !== null ? toCel(old, node.decl) : undefined;
  for (const compiled of node.rules) {
    const { rule, program } = compiled;
    if (compiled.error !== undefined) {
      run.causes.push(invalid(fieldOf(path), value, `rule compile error: ${compiled.error}`));
      continue;
    }
    if (!program) continue;
    if (compiled.transition && oldSelf === undefined && !rule.optionalOldSelf) continue;
    const activation = rule.optionalOldSelf ? { self, oldSelf: oldSelf === undefined ? optionalNone() : optionalOf(oldSelf) } : { self, oldSelf };
    const ruleText = (rule.message ?? '').trim() || rule.rule.trim();
    let result: unknown;
    try {
      const ran = program.run(activation, run.perCallLimit);
      if (ran.cost > run.remaining) return outOfBudget(run, path, value);
      run.remaining -= ran.cost;
      result = ran.value;
    } catch (e) {
      if (!(e instanceof CelEvalError)) throw e;
      if (e.costExceeded) {
        run.causes.push(invalid(fieldOf(path), value, `'${e.message}': no further validation rules will be run due to call cost exceeds limit for rule: ${ruleText}`));
        run.stopped = true;
        return;
      }
      run.remaining -= e.cost;
      if (e.message.startsWith('no such overload')) {
        run.causes.push(invalid(fieldOf(path), value, `'${e.message}': call arguments did not match a supported operator, function or macro signature for rule: ${ruleText}`));
      } else run.causes.push(invalid(fieldOf(path), value, `${e.message} evaluating rule: ${ruleText}`));
      continue;
    }
    if (result === true) continue;

    const errorPath = compiled.fieldPath ? child(path, compiled.fieldPath) : path;
    let detail = (rule.message ?? '').trim() || `failed rule: ${ruleText}`;
    if (compiled.message) {
      const message = evalMessage(run, compiled.message, { self, oldSelf });
      if (message === 'stopped') {
        run.causes.push(invalid(fieldOf(errorPath), value, 'messageExpression evaluation failed due to running out of cost budget, no further validation rules will be run'));
        return;
      }
      if (message !== undefined) detail = message;
    }
    const error = fieldError(fieldOf(errorPath), value, detail, rule.reason);
    if (!compiled.transition && unchanged()) run.warnings.push(`${error.field}: ${error.message}`);
    else run.causes.push(error);
  }
}

function outOfBudget(run: Run, path: string | undefined, value: string): void {
  run.causes.push(invalid(fieldOf(path), value, 'validation failed due to running out of cost budget, no further validation rules will be run'));
  run.stopped = true;
}

/** The message a messageExpression gives, undefined to fall back to `message` (kube logs why), or 'stopped'. */
function evalMessage(run: Run, program: Program, activation: Record<string, unknown>): string | undefined | 'stopped' {
  try {
    const ran = program.run(activation, run.perCallLimit);
    if (ran.cost > run.remaining) {
      run.stopped = true;
      return 'stopped';
    }
    run.remaining -= ran.cost;
    if (typeof ran.value !== 'string') return undefined;
    const trimmed = ran.value.trim();
    if (trimmed.length === 0 || Buffer.byteLength(trimmed) > MAX_MESSAGE_EXPRESSION_BYTES || /\n/.test(trimmed)) return undefined;
    return trimmed;
  } catch (e) {
    if (e instanceof CelEvalError && e.costExceeded) {
      run.stopped = true;
      return 'stopped';
    }
    if (e instanceof CelEvalError) run.remaining -= e.cost;
    return undefined;
  }
}

function fieldError(field: string, value: string, detail: string, reason: string | undefined): StatusCause {
  switch (reason) {
    case 'FieldValueForbidden':
      return forbidden(field, detail);
    case 'FieldValueRequired':
      return required(field, detail);
    case 'FieldValueDuplicate':
      return cause('FieldValueDuplicate', field, `Duplicate value: ${value}`);
    default:
      return invalid(field, value, detail);
  }
}

const optionalNone = () => Optional.none();
const optionalOf = (v: unknown) => Optional.of(v);

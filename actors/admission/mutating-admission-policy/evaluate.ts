// One mutating policy invocation (a policy, a binding, one param), as kube's
// mutating/dispatcher.go and patch/ run it: its matchConditions, then each
// mutation in order on the object as the one before left it, under one
// runtime cost budget.
// - ApplyConfiguration: the expression builds an `Object{…}`; it is merged into
//   the object with server-side apply's merge (scheme/merge/typed.ts), and may
//   not set an atomic list, map or struct.
// - JSONPatch: the expression returns a list of `JSONPatch{op, path, from, value}`,
//   applied with fast-json-patch; a failed `test` leaves the object as it was.

import fastJsonPatch from 'fast-json-patch';
import type { KubeObject } from '../../../protocol/kube/meta.js';
import type { PolicyInput } from '../../../lib/cel/policy.js';
import { RUNTIME_CEL_COST_BUDGET } from '../../../lib/cel/cost.js';
import { Constructed, toJson } from '../../../lib/cel/object-construction.js';
import type { CompiledMutatingPolicy } from '../../../lib/cel/mutating-admission-policy.js';
import { atomOf, fieldNode, type Schema } from '../../../scheme/merge/atoms.js';
import { pathString, type PathElement } from '../../../scheme/merge/field-set.js';
import { merge, MergeTypeError } from '../../../scheme/merge/typed.js';
import type { SchemaNode } from '../../../scheme/schema.js';
import { operationError } from '../../store/patch.js';
import { matchConditions, OutOfBudget, run, type Budget } from '../validating-admission-policy/evaluate.js';

/** The merge schema of the object's kind (undefined for a kind without one: its shape is deduced). */
export interface Typed { schema: Schema; node: SchemaNode | undefined }

export type MutationResult =
  /** A matchCondition was false: the policy does not apply. */
  | { outcome: 'skipped' }
  | { outcome: 'applied'; object: KubeObject }
  /** A configuration or evaluation error, to be failed or ignored by the policy's failurePolicy. */
  | { outcome: 'error'; message: string };

/** Runs an invocation's mutations on a copy of `object`: the copy as they left it, or the first error. */
export function mutateInvocation(policy: CompiledMutatingPolicy, input: PolicyInput & { object: KubeObject }, typed: Typed): MutationResult {
  const budget: Budget = { remaining: RUNTIME_CEL_COST_BUDGET };
  try {
    const conditions = matchConditions(policy.matchConditions, policy.compiler.activation(input), budget);
    if (conditions === false) return { outcome: 'skipped' };
    if (conditions !== true) return { outcome: 'error', message: conditions.error };
    let object = input.object;
    for (const mutation of policy.mutations) {
      const r = run(mutation.compiled, mutation.expression, policy.compiler.activation({ ...input, object }), budget);
      if ('error' in r) return { outcome: 'error', message: r.error };
      const next = mutation.patchType === 'JSONPatch' ? applyJsonPatch(object, r.value) : applyConfiguration(object, r.value, typed);
      if (typeof next === 'string') return { outcome: 'error', message: next };
      object = next;
    }
    return { outcome: 'applied', object };
  } catch (e) {
    if (e instanceof OutOfBudget) return { outcome: 'error', message: e.message };
    throw e;
  }
}

function typeName(value: unknown): string {
  if (value instanceof Constructed) return value.typeName;
  if (Array.isArray(value)) return 'list';
  if (value instanceof Map || (value !== null && typeof value === 'object')) return 'map';
  return typeof value === 'bigint' ? 'int' : typeof value;
}

function applyConfiguration(object: KubeObject, value: unknown, typed: Typed): KubeObject | string {
  if (!(value instanceof Constructed) || value.typeName !== 'Object') return `unsupported return type from ApplyConfiguration expression: ${typeName(value)}`;
  let patch: Record<string, unknown>;
  try {
    patch = toJson(value, 'Object') as Record<string, unknown>;
  } catch (e) {
    return (e as Error).message;
  }
  patch.apiVersion = object.apiVersion;
  patch.kind = object.kind;
  const atomics = findAtomics(typed, typed.node, patch, []);
  if (atomics.length > 0) return `invalid ApplyConfiguration: may not mutate atomic arrays, maps or structs: ${atomics.join(', ')}`;
  try {
    return merge(typed.schema, typed.node, object, patch) as KubeObject;
  } catch (e) {
    if (e instanceof MergeTypeError) return `error applying patch: failed to merge patch: ${e.message}`;
    throw e;
  }
}

/** kube's validatePatch: the paths of the atomic lists, maps and structs an apply configuration sets. */
function findAtomics(typed: Typed, node: SchemaNode | undefined, value: unknown, path: PathElement[]): string[] {
  if (!node) return [];
  const atom = atomOf(typed.schema, node, value);
  const found: string[] = [];
  if (atom.kind === 'map' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    if (atom.atomic) found.push(pathString(path));
    for (const [key, v] of Object.entries(value)) {
      const field = fieldNode(atom, key);
      if (field) found.push(...findAtomics(typed, field, v, [...path, { f: key }]));
    }
  } else if (atom.kind === 'list' && Array.isArray(value)) {
    if (atom.type === 'atomic') found.push(pathString(path));
    value.forEach((v, i) => found.push(...findAtomics(typed, atom.element, v, [...path, { i }])));
  }
  return found;
}

function applyJsonPatch(object: KubeObject, value: unknown): KubeObject | string {
  if (!Array.isArray(value)) return 'type mismatch: JSONPatchType.expression should evaluate to array';
  const operations: fastJsonPatch.Operation[] = [];
  for (const item of value) {
    if (!(item instanceof Constructed) || item.typeName !== 'JSONPatch') {
      return `type mismatch: JSONPatchType.expression should evaluate to array of JSONPatch, got element of ${typeName(item)}`;
    }
    const fields = item.fields;
    const op: Record<string, unknown> = { op: String(fields.op ?? ''), path: String(fields.path ?? '') };
    if (typeof fields.from === 'string' && fields.from !== '') op.from = fields.from;
    if (fields.value !== undefined) op.value = toJson(fields.value);
    operations.push(op as unknown as fastJsonPatch.Operation);
  }
  try {
    return fastJsonPatch.applyPatch(structuredClone(object), operations, true, false).newDocument;
  } catch (e) {
    // A failed test leaves the object unpatched.
    if ((e as { name?: string }).name === 'TEST_OPERATION_FAILED') return object;
    return `JSONPatch: ${operationError(e)}`;
  }
}

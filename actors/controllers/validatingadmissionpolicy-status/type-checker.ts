// kube's ValidatingAdmissionPolicy type checker (admission/plugin/policy/
// validating/typechecking.go), the logic behind the status controller: the
// kinds a policy's matchConstraints.resourceRules name (no wildcards, no
// subresources, at most 10, sorted by group, version and kind), and for each
// kind whose schema is known, each validation's expression and
// messageExpression compiled with `object` and `oldObject` of that kind,
// `params` of the paramKind, `namespaceObject` as kube's Namespace type and the
// policy's variables. What fails to check becomes an expression warning at
// kube's fieldRef, its text `<group>/<version>, Kind=<kind>: <cel error>`, one
// paragraph per kind. Loaded by the controller only once a policy exists (CEL
// is not a server's cost until then).

import { PolicyCompiler } from '../../../lib/cel/policy.js';
import { selectedFields } from '../../../lib/cel/compile.js';
import { kubeEnvironment } from '../../../lib/cel/environment.js';
import { declareNamespaceObjectType, type DeclaredTypes } from '../../../lib/cel/resource-types.js';
import type { PolicySpec, RuleWithOperations } from '../../../lib/cel/validating-admission-policy.js';

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** admissionregistration.k8s.io/v1 ExpressionWarning. */
export interface ExpressionWarning {
  fieldRef: string;
  warning: string;
}

/** What the checker learns kinds and their CEL types from (kube's RESTMapper and SchemaResolver). */
export interface KindResolver {
  /** RESTMapper.KindsFor: the kinds a group, version and resource name serve (none when unknown). */
  kindsFor(group: string, version: string, resource: string): GroupVersionKind[];
  /** The kind's declared types, named `name`, of the fields the expressions select; undefined when its schema is not known. */
  typesOf(gvk: GroupVersionKind, name: string, fields: ReadonlySet<string>): DeclaredTypes | undefined;
}

/** kube's maxTypesToCheck. */
const MAX_TYPES_TO_CHECK = 10;

/** apimachinery's GroupVersionKind.String(): `apps/v1, Kind=Deployment`; the core group gives `/v1, Kind=Pod`. */
export const gvkString = (gvk: GroupVersionKind): string => `${gvk.group}/${gvk.version}, Kind=${gvk.kind}`;

const gvkKey = (gvk: GroupVersionKind): string => `${gvk.group}/${gvk.version}/${gvk.kind}`;

function compareGvk(a: GroupVersionKind, b: GroupVersionKind): number {
  const by = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
  return by(a.group, b.group) || by(a.version, b.version) || by(a.kind, b.kind);
}

/** A wildcard among a rule's groups or versions gives the rule up; among its resources, that entry is skipped (as are subresources). */
function ruleParts(rule: RuleWithOperations): { groups: string[]; versions: string[]; resources: string[] } | undefined {
  const groups = rule.apiGroups ?? [];
  const versions = rule.apiVersions ?? [];
  if (groups.some((g) => g.includes('*')) || versions.some((v) => v.includes('*'))) return undefined;
  const resources = (rule.resources ?? []).filter((r) => !/[*/]/.test(r));
  if (groups.length === 0 || versions.length === 0 || resources.length === 0) return undefined;
  return { groups: [...groups].sort(), versions: [...versions].sort(), resources: [...resources].sort() };
}

/** kube's typesToCheck: the kinds the policy's resourceRules name, sorted, at most ten. */
export function typesToCheck(spec: PolicySpec, resolver: Pick<KindResolver, 'kindsFor'>): GroupVersionKind[] {
  const found = new Map<string, GroupVersionKind>();
  const sorted = (): GroupVersionKind[] => [...found.values()].sort(compareGvk);
  for (const rule of spec.matchConstraints?.resourceRules ?? []) {
    const parts = ruleParts(rule);
    if (!parts) continue;
    // kube counts every kind it resolves (the same one twice too) towards the ten.
    let count = 0;
    for (const group of parts.groups) {
      for (const version of parts.versions) {
        for (const resource of parts.resources) {
          for (const gvk of resolver.kindsFor(group, version, resource)) {
            found.set(gvkKey(gvk), gvk);
            if (++count === MAX_TYPES_TO_CHECK) return sorted();
          }
        }
      }
    }
  }
  return sorted();
}

/** paramKind as a GVK (schema.ParseGroupVersion): undefined without one, or when its apiVersion does not parse. */
export function paramsGvk(spec: PolicySpec): GroupVersionKind | undefined {
  const paramKind = spec.paramKind;
  if (!paramKind) return undefined;
  const apiVersion = paramKind.apiVersion ?? '';
  const parts = apiVersion.split('/');
  if (parts.length > 2 || (parts.length === 2 && (parts[0] === '' || parts[1] === ''))) return undefined;
  const [group, version] = parts.length === 2 ? (parts as [string, string]) : ['', apiVersion];
  const gvk = { group, version, kind: paramKind.kind ?? '' };
  return gvk.group === '' && gvk.version === '' && gvk.kind === '' ? undefined : gvk;
}

/** The expressions kube checks, at their fieldRefs: each validation's expression, then its messageExpression when set. */
export function expressionsToCheck(spec: PolicySpec): { fieldRef: string; expression: string }[] {
  return (spec.validations ?? []).flatMap((v, i) => [
    { fieldRef: `spec.validations[${i}].expression`, expression: v.expression ?? '' },
    ...(v.messageExpression ? [{ fieldRef: `spec.validations[${i}].messageExpression`, expression: v.messageExpression }] : []),
  ]);
}

let namespaceObjectType: DeclaredTypes | undefined;

/**
 * One kind's part of the check: for each of `expressions`, cel-go's issues text when it does not
 * check with `object` of these types, else undefined. What fails inside the checker itself is kube's
 * "type checking error", never a failure of the policy.
 */
export function checkAgainstKind(spec: PolicySpec, expressions: readonly { expression: string }[], object: DeclaredTypes, params: DeclaredTypes | undefined): (string | undefined)[] {
  const internal = (e: unknown): string => `type checking error: ${e instanceof Error ? e.message : String(e)}`;
  let compiler: PolicyCompiler;
  try {
    namespaceObjectType ??= declareNamespaceObjectType();
    compiler = new PolicyCompiler({
      // Declared whenever the policy names a paramKind, dyn when its schema is unknown: kube's fix after 1.35
      // (1.33 leaves params undeclared then, and so warns on every use of it in a correct policy).
      hasParams: paramsGvk(spec) !== undefined,
      hasAuthorizer: true,
      variables: spec.variables ?? [],
      types: { object, params, namespaceObject: namespaceObjectType },
    });
  } catch (e) {
    return expressions.map(() => internal(e));
  }
  return expressions.map((e) => {
    try {
      return compiler.check(e.expression);
    } catch (error) {
      return internal(error);
    }
  });
}

/** The name a kind's root type is declared with: its Kind, and for params of another kind of the same name, `<Kind>Params`. */
const typeName = (gvk: GroupVersionKind, other?: GroupVersionKind): string =>
  other && other.kind === gvk.kind && gvkKey(other) !== gvkKey(gvk) ? `${gvk.kind}Params` : gvk.kind;

/**
 * kube's TypeChecker.Check: the policy's expression warnings, none when every expression checks
 * against every kind (or no kind is known). `yieldTurn` runs between kinds, so a long check does
 * not hold the server's event loop.
 */
export async function checkPolicy(spec: PolicySpec, resolver: KindResolver, yieldTurn: () => Promise<void> = async () => {}): Promise<ExpressionWarning[]> {
  const expressions = expressionsToCheck(spec);
  const results: string[][] = expressions.map(() => []);
  const paramKind = paramsGvk(spec);
  const parser = kubeEnvironment();
  const fields = new Set([...(spec.variables ?? []), ...expressions].flatMap((e) => [...selectedFields(parser, e.expression ?? '')]));
  for (const gvk of typesToCheck(spec, resolver)) {
    const object = resolver.typesOf(gvk, typeName(gvk), fields);
    if (!object) continue;
    const params = paramKind ? resolver.typesOf(paramKind, typeName(paramKind, gvk), fields) : undefined;
    checkAgainstKind(spec, expressions, object, params).forEach((error, i) => {
      if (error !== undefined) results[i]?.push(`${gvkString(gvk)}: ${error}\n`);
    });
    await yieldTurn();
  }
  return expressions.flatMap((e, i) => {
    const found = results[i] ?? [];
    return found.length === 0 ? [] : [{ fieldRef: e.fieldRef, warning: found.join('\n') }];
  });
}

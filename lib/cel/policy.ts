// CEL for admission policies (k8s.io/apiserver/pkg/admission/plugin/cel):
// expressions over object, oldObject, request, params, namespaceObject,
// authorizer (with authorizer.requestResource) and variables, where each of a
// policy's `variables` is compiled in order (it may use those before it) and
// evaluated lazily, once per admission, when an expression first reads it.

import { compileExpression, type Program } from './compile.js';
import type { SizedType } from './cost.js';
import { kubeEnvironment } from './environment.js';
import { Authorizer, ResourceCheck, type CelAuthorize } from './library/authz.js';
import type { CelEnvironment } from './library/types.js';
import { dynToCel } from './schema-types.js';
import { registerConstruction, rewriteConstruction } from './object-construction.js';
import { celTypeOf, registerDeclaredTypes, type DeclaredTypes } from './resource-types.js';
import type { UserInfo } from '../../protocol/kube/meta.js';

export type { CelAuthorize, CelAuthzAttributes, CelAuthzDecision } from './library/authz.js';

export interface PolicyVariable { name: string; expression: string }

export interface PolicyOptions {
  /** The policy has a paramKind: `params` is declared. */
  hasParams: boolean;
  /** `authorizer` is declared (validating policies: always). */
  hasAuthorizer?: boolean;
  variables?: readonly PolicyVariable[];
  /** Mutating policies: `Object{…}` and `JSONPatch{…}` construction (./object-construction.ts). */
  objectConstruction?: boolean;
  /**
   * Declared types for kube's type checker (the status controller): `object` and `oldObject` of one
   * matched kind, `params` of the paramKind, `namespaceObject` as kube's Namespace type. Absent: dyn,
   * as admission compiles them.
   */
  types?: { object?: DeclaredTypes; params?: DeclaredTypes; namespaceObject?: DeclaredTypes };
}

/** admission.k8s.io AdmissionRequest as CEL's `request` sees it. */
export interface PolicyRequest {
  uid: string;
  kind: { group: string; version: string; kind: string };
  resource: { group: string; version: string; resource: string };
  subResource: string;
  requestKind: { group: string; version: string; kind: string };
  requestResource: { group: string; version: string; resource: string };
  requestSubResource: string;
  name: string;
  namespace: string;
  operation: string;
  userInfo: UserInfo;
  dryRun: boolean;
  options?: unknown;
}

export interface PolicyInput {
  object?: unknown;
  oldObject?: unknown;
  request: PolicyRequest;
  params?: unknown;
  namespaceObject?: unknown;
  authorize?: CelAuthorize;
}

const GVK = { group: 'string', version: 'string', kind: 'string' };
const GVR = { group: 'string', version: 'string', resource: 'string' };
const REQUEST_SCHEMA = {
  uid: 'string',
  kind: GVK,
  resource: GVR,
  subResource: 'string',
  requestKind: GVK,
  requestResource: GVR,
  requestSubResource: 'string',
  name: 'string',
  namespace: 'string',
  operation: 'string',
  userInfo: { username: 'string', uid: 'string', groups: 'list<string>', extra: 'map<string, list<string>>' },
  dryRun: 'bool',
  options: 'dyn',
};

const UNSIZED: SizedType = { maxElements: 0 };

/** A type the checker printed, as a type a declaration accepts. */
const declarable = (t: string): string => (t === 'list' ? 'list<dyn>' : t === 'map' ? 'map<dyn, dyn>' : t);

export interface PolicyVariableResult { name: string; program?: Program; error?: string }

/** The compiled environment of one policy: its variables, and compile() for its expressions. */
export class PolicyCompiler {
  readonly variables: PolicyVariableResult[] = [];
  private readonly env: CelEnvironment;
  /** One class for `variables` in every environment of this policy: values made by one are read by all. */
  private readonly variablesCtor = class Variables extends Map<string, unknown> {
    constructor(private readonly thunks: Map<string, () => unknown>) {
      super();
    }
    override get(name: string): unknown {
      if (super.has(name)) return super.get(name);
      const thunk = this.thunks.get(name);
      if (thunk === undefined) return undefined;
      const value = thunk();
      super.set(name, value);
      return value;
    }
    override has(name: string): boolean {
      return this.thunks.has(name);
    }
  };
  private readonly sizes = new Map<string, SizedType>();
  /** With declared types: an environment holding them, cloned for each step (registering them costs, cloning does not). */
  private readonly typed: CelEnvironment | undefined;

  constructor(private readonly options: PolicyOptions) {
    if (options.types) {
      const base = kubeEnvironment();
      const declared = [options.types.object, options.types.params, options.types.namespaceObject].filter((d): d is DeclaredTypes => d !== undefined);
      // One kind can be both object and params: its types are registered once.
      for (const d of new Set(declared)) registerDeclaredTypes(base, d);
      this.typed = base;
    }
    let fields: Record<string, string> = {};
    for (const v of options.variables ?? []) {
      const env = this.environment(fields);
      const compiled = compileExpression(env, this.source(v.expression), this.sizes);
      if ('error' in compiled) {
        this.variables.push({ name: v.name, error: `compilation failed: ${compiled.error}` });
        fields = { ...fields, [v.name]: 'dyn' };
      } else {
        this.variables.push({ name: v.name, program: compiled.program });
        fields = { ...fields, [v.name]: declarable(compiled.program.type) };
      }
    }
    this.env = this.environment(fields);
  }

  private environment(variableFields: Record<string, string>): CelEnvironment {
    const env = this.typed ? this.typed.clone() : kubeEnvironment();
    const types = this.options.types;
    env
      .registerVariable('object', celTypeOf(types?.object))
      .registerVariable('oldObject', celTypeOf(types?.object))
      .registerVariable({ name: 'request', schema: REQUEST_SCHEMA } as never)
      .registerVariable('namespaceObject', celTypeOf(types?.namespaceObject))
      .registerType('kubernetes.variables', { ctor: this.variablesCtor, fields: variableFields } as never)
      .registerVariable('variables', 'kubernetes.variables');
    if (this.options.hasParams) env.registerVariable('params', celTypeOf(types?.params));
    if (this.options.hasAuthorizer ?? true) env.registerVariable('authorizer', 'kubernetes.authorization.Authorizer');
    if (this.options.objectConstruction) registerConstruction(env);
    return env;
  }

  /** The text compiled for an expression: construction rewritten where the policy allows it. */
  private source(expression: string): string {
    return this.options.objectConstruction ? rewriteConstruction(expression) : expression;
  }

  /** Compiles one expression; `expect` is the type kube requires of it (bool for validations). */
  compile(expression: string, expect?: 'bool' | 'string'): { program: Program } | { error: string } {
    const compiled = compileExpression(this.env, this.source(expression), this.sizes);
    if ('error' in compiled) return { error: `compilation failed: ${compiled.error}` };
    if (expect !== undefined && compiled.program.type !== expect && compiled.program.type !== 'dyn') {
      return { error: expect === 'bool' ? 'cel expression must evaluate to a bool' : 'must evaluate to string' };
    }
    return compiled;
  }

  /** kube's type check of one expression: cel-go's issues text, or undefined when it checks (any result type will do). */
  check(expression: string): string | undefined {
    const compiled = compileExpression(this.env, expression, this.sizes);
    return 'error' in compiled ? compiled.error : undefined;
  }

  /** The activation for one admission: CEL values of its inputs, and the variables, evaluated when first read. */
  activation(input: PolicyInput): Record<string, unknown> {
    const activation: Record<string, unknown> = {
      object: input.object === undefined ? null : dynToCel(input.object),
      oldObject: input.oldObject === undefined ? null : dynToCel(input.oldObject),
      request: { ...input.request, options: input.request.options === undefined ? null : dynToCel(input.request.options) },
      namespaceObject: input.namespaceObject === undefined ? null : dynToCel(input.namespaceObject),
    };
    if (this.options.hasParams) activation['params'] = input.params === undefined ? null : dynToCel(input.params);
    if (this.options.hasAuthorizer ?? true) {
      const authorize = input.authorize ?? (() => ({ allowed: false, reason: 'no authorizer' }));
      const authorizer = new Authorizer(authorize, input.request.userInfo);
      const r = input.request.resource;
      const requestResource = new ResourceCheck(authorizer, {
        apiGroup: r.group,
        resource: r.resource,
        subresource: input.request.subResource,
        namespace: input.request.namespace,
        name: input.request.name,
      });
      activation['authorizer'] = new Authorizer(authorize, input.request.userInfo, requestResource);
    }
    const thunks = new Map<string, () => unknown>();
    for (const v of this.variables) {
      thunks.set(v.name, () => {
        if (!v.program) throw new Error(`variable ${v.name} failed to compile`);
        return v.program.evaluate(activation);
      });
    }
    activation['variables'] = new this.variablesCtor(thunks);
    return activation;
  }
}

/** Evaluates a standalone expression in kube's environment, its variables dyn (specs and tools). */
export function evaluateExpression(expression: string, variables: Record<string, unknown> = {}): unknown {
  const env = kubeEnvironment();
  for (const name of Object.keys(variables)) env.registerVariable(name, 'dyn');
  const sizes = new Map<string, SizedType>(Object.keys(variables).map((k) => [k, UNSIZED]));
  const compiled = compileExpression(env, expression, sizes);
  if ('error' in compiled) throw new Error(compiled.error);
  const activation = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, dynToCel(v)]));
  return compiled.program.run(activation, Number.MAX_SAFE_INTEGER).value;
}

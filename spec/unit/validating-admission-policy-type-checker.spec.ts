// kube's ValidatingAdmissionPolicy type checker, the status controller's
// logic: which kinds a policy is checked against (no wildcards, no
// subresources, at most ten, sorted), which expressions (each validation's
// expression and messageExpression), and the warnings' fieldRef and text.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { definitions } from '../../scheme/definitions.js';
import { declareResourceTypes, resolveDefinition, type DeclaredTypes, type SchemaDefinitions } from '../../lib/cel/resource-types.js';
import type { JSONSchemaProps } from '../../lib/cel/schema-types.js';
import type { PolicySpec } from '../../lib/cel/validating-admission-policy.js';
import { checkPolicy, gvkString, paramsGvk, typesToCheck, type GroupVersionKind, type KindResolver } from '../../actors/controllers/validatingadmissionpolicy-status/type-checker.js';

/** Kinds by group/version/resource, and schemas by their definitions. */
const KINDS: Record<string, { kind: string; definition: string }> = {
  'apps/v1/deployments': { kind: 'Deployment', definition: 'io.k8s.api.apps.v1.Deployment' },
  'apps/v1/replicasets': { kind: 'ReplicaSet', definition: 'io.k8s.api.apps.v1.ReplicaSet' },
  '/v1/pods': { kind: 'Pod', definition: 'io.k8s.api.core.v1.Pod' },
  '/v1/configmaps': { kind: 'ConfigMap', definition: 'io.k8s.api.core.v1.ConfigMap' },
};

const resolver: KindResolver = {
  kindsFor(group, version, resource) {
    const found = KINDS[`${group}/${version}/${resource}`];
    return found ? [{ group, version, kind: found.kind }] : [];
  },
  typesOf(gvk: GroupVersionKind, name: string, fields: ReadonlySet<string>): DeclaredTypes | undefined {
    const found = Object.entries(KINDS).find(([key, k]) => key.startsWith(`${gvk.group}/${gvk.version}/`) && k.kind === gvk.kind)?.[1];
    const schema = found && resolveDefinition(definitions as unknown as SchemaDefinitions, found.definition);
    return schema ? declareResourceTypes(schema as JSONSchemaProps, name, fields) : undefined;
  },
};

const rule = (apiGroups: string[], apiVersions: string[], resources: string[]) => ({ apiGroups, apiVersions, resources, operations: ['CREATE'] });

describe('the kinds a policy is type-checked against', () => {
  it('every kind its resourceRules name, sorted by group, version and kind', () => {
    const spec: PolicySpec = { matchConstraints: { resourceRules: [rule(['apps'], ['v1'], ['replicasets', 'deployments']), rule([''], ['v1'], ['pods'])] } };
    assert.deepEqual(typesToCheck(spec, resolver).map(gvkString), ['/v1, Kind=Pod', 'apps/v1, Kind=Deployment', 'apps/v1, Kind=ReplicaSet']);
  });

  it('a wildcard group or version gives the rule up; a wildcard resource or a subresource is skipped; an unknown resource is nothing', () => {
    const spec: PolicySpec = {
      matchConstraints: { resourceRules: [rule(['*'], ['v1'], ['pods']), rule(['apps'], ['*'], ['deployments']), rule([''], ['v1'], ['*', 'pods/status', 'pods', 'widgets'])] },
    };
    assert.deepEqual(typesToCheck(spec, resolver).map(gvkString), ['/v1, Kind=Pod']);
  });

  it('at most ten kinds, counted as kube counts them', () => {
    const many: KindResolver = { kindsFor: (_g, _v, resource) => [{ group: 'example.com', version: 'v1', kind: resource }], typesOf: () => undefined };
    const resources = Array.from({ length: 12 }, (_, i) => `k${String(i).padStart(2, '0')}`);
    assert.equal(typesToCheck({ matchConstraints: { resourceRules: [rule(['example.com'], ['v1'], resources)] } }, many).length, 10);
  });

  it('paramKind as a GVK: the core group, a named group, or none when its apiVersion does not parse', () => {
    assert.deepEqual(paramsGvk({ paramKind: { apiVersion: 'v1', kind: 'ConfigMap' } }), { group: '', version: 'v1', kind: 'ConfigMap' });
    assert.deepEqual(paramsGvk({ paramKind: { apiVersion: 'example.com/v1', kind: 'Limit' } }), { group: 'example.com', version: 'v1', kind: 'Limit' });
    assert.equal(paramsGvk({ paramKind: { apiVersion: 'a/b/c', kind: 'X' } }), undefined);
    assert.equal(paramsGvk({}), undefined);
  });
});

describe('the expression warnings of a policy', () => {
  const deployments = { resourceRules: [rule(['apps'], ['v1'], ['deployments'])] };

  it('a type error is warned of at kube\'s fieldRef, its text the kind then cel-go\'s issue', async () => {
    const warnings = await checkPolicy({ matchConstraints: deployments, validations: [{ expression: 'object.spec.replicas == "3"' }] }, resolver);
    assert.deepEqual(warnings, [{
      fieldRef: 'spec.validations[0].expression',
      warning: 'apps/v1, Kind=Deployment: ERROR: <input>:1:22: found no matching overload for \'_==_\' applied to \'(int, string)\'\n | object.spec.replicas == "3"\n | .....................^\n',
    }]);
  });

  it('one paragraph per kind the expression fails on, in the kinds\' order', async () => {
    const spec: PolicySpec = { matchConstraints: { resourceRules: [rule(['apps'], ['v1'], ['deployments', 'replicasets']), rule([''], ['v1'], ['pods'])] }, validations: [{ expression: 'object.spec.replicas > 1' }] };
    const [warning, ...rest] = await checkPolicy(spec, resolver);
    assert.equal(rest.length, 0);
    assert.equal(warning?.fieldRef, 'spec.validations[0].expression');
    // A Pod has no spec.replicas; the two workloads do.
    assert.equal(warning?.warning, '/v1, Kind=Pod: ERROR: <input>:1:12: undefined field \'replicas\'\n | object.spec.replicas > 1\n | ...........^\n');
  });

  it('messageExpression is checked too, with params of the paramKind and the policy\'s variables', async () => {
    const spec: PolicySpec = {
      matchConstraints: deployments,
      paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
      variables: [{ name: 'replicas', expression: 'object.spec.replicas' }],
      validations: [
        { expression: 'variables.replicas <= int(params.data.max)', messageExpression: '"too many: " + string(variables.replicas)' },
        { expression: 'variables.replicas > 0', messageExpression: 'params.dta.max' },
        { expression: 'variables.replicas != "0"' },
      ],
    };
    const warnings = await checkPolicy(spec, resolver);
    assert.deepEqual(warnings.map((w) => w.fieldRef), ['spec.validations[1].messageExpression', 'spec.validations[2].expression']);
    assert.match(warnings[0]?.warning ?? '', /^apps\/v1, Kind=Deployment: ERROR: <input>:1:7: undefined field 'dta'\n/);
    // A variable has the type its expression checks to.
    assert.equal(warnings[1]?.warning, 'apps/v1, Kind=Deployment: ERROR: <input>:1:20: found no matching overload for \'_!=_\' applied to \'(int, string)\'\n | variables.replicas != "0"\n | ...................^\n');
  });

  it('a correct policy has none, with namespaceObject, request and authorizer in scope', async () => {
    const spec: PolicySpec = {
      matchConstraints: deployments,
      validations: [
        { expression: 'object.metadata.name.startsWith("web") && oldObject == null', message: 'm' },
        { expression: 'namespaceObject.metadata.labels["team"] == object.metadata.labels["team"]', messageExpression: '"in " + request.namespace' },
        { expression: 'authorizer.group("apps").resource("deployments").namespace(request.namespace).check("update").allowed()' },
        { expression: 'object.spec.strategy.rollingUpdate.maxSurge == "25%" || object.spec.strategy.rollingUpdate.maxSurge == 1' },
      ],
    };
    assert.deepEqual(await checkPolicy(spec, resolver), []);
  });

  it('nothing is checked where no kind is known: wildcard rules, or kinds without a schema', async () => {
    assert.deepEqual(await checkPolicy({ matchConstraints: { resourceRules: [rule(['*'], ['*'], ['*'])] }, validations: [{ expression: 'object.nope == 1' }] }, resolver), []);
    const unknown: KindResolver = { kindsFor: () => [{ group: 'example.com', version: 'v1', kind: 'Widget' }], typesOf: () => undefined };
    assert.deepEqual(await checkPolicy({ matchConstraints: deployments, validations: [{ expression: 'object.nope == 1' }] }, unknown), []);
  });

  it('a failure inside the checker is kube\'s "type checking error", not a failure of the check', async () => {
    // A type name the library refuses to register.
    const refused: KindResolver = { kindsFor: () => [{ group: 'example.com', version: 'v1', kind: 'X' }], typesOf: (_gvk, _name, fields) => declareResourceTypes({ type: 'object' }, 'X', fields) };
    const warnings = await checkPolicy({ matchConstraints: deployments, validations: [{ expression: 'object.a == 1' }] }, refused);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]?.warning ?? '', /^example\.com\/v1, Kind=X: type checking error: .+\n$/);
  });

  it('params of another kind of the same name are declared under a name of their own', async () => {
    const asked: string[] = [];
    const sameName: KindResolver = {
      kindsFor: () => [{ group: 'example.com', version: 'v1', kind: 'ConfigMap' }],
      typesOf(gvk, name, fields) {
        asked.push(`${gvkString(gvk)} as ${name}`);
        return declareResourceTypes(resolveDefinition(definitions as unknown as SchemaDefinitions, 'io.k8s.api.core.v1.ConfigMap') as JSONSchemaProps, name, fields);
      },
    };
    const spec: PolicySpec = { matchConstraints: { resourceRules: [rule(['example.com'], ['v1'], ['configmaps'])] }, paramKind: { apiVersion: 'v1', kind: 'ConfigMap' }, validations: [{ expression: 'object.data.x == params.data.y' }] };
    assert.deepEqual(await checkPolicy(spec, sameName), []);
    assert.deepEqual(asked, ['example.com/v1, Kind=ConfigMap as ConfigMap', '/v1, Kind=ConfigMap as ConfigMapParams']);
  });
});

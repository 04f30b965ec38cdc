// A kind's schema as the CEL types kube's policy type checker declares: refs
// filled in from the definitions, each object a type with typed fields, maps,
// lists, int-or-string as dyn, timestamps, and what kube leaves out (a property
// with no type of its own); a custom resource with ObjectMeta as its metadata;
// and those types registered on an environment, where they check expressions.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { definitions } from '../../scheme/definitions.js';
import {
  celTypeOf, customResourceSchema, declareNamespaceObjectType, declareResourceTypes, registerDeclaredTypes, resolveDefinition, type DeclaredTypes, type SchemaDefinitions,
} from '../../lib/cel/resource-types.js';
import type { Decl, JSONSchemaProps } from '../../lib/cel/schema-types.js';
import { kubeEnvironment } from '../../lib/cel/environment.js';
import { compileExpression, selectedFields } from '../../lib/cel/compile.js';

const builtins = definitions as unknown as SchemaDefinitions;

/** The declaration at a dotted path of JSON property names beneath `decl`. */
function at(decl: Decl | undefined, path: string): Decl | undefined {
  let current = decl;
  for (const name of path.split('.')) current = name === '[]' ? current?.elem : current?.properties?.get(name)?.decl;
  return current;
}

/** What `expression` checks to with `object` of these types: its type, or the error. */
function check(declared: DeclaredTypes, expression: string): string {
  const env = kubeEnvironment();
  registerDeclaredTypes(env, declared);
  env.registerVariable('object', celTypeOf(declared));
  const compiled = compileExpression(env, expression, new Map());
  return 'error' in compiled ? compiled.error : compiled.program.type;
}

describe('a kind\'s schema resolved from the definitions', () => {
  const deployment = resolveDefinition(builtins, 'io.k8s.api.apps.v1.Deployment') as JSONSchemaProps;

  it('fills in every ref, down to the pod template\'s containers', () => {
    assert.equal(deployment.properties?.['spec']?.properties?.['replicas']?.type, 'integer');
    const containers = deployment.properties?.['spec']?.properties?.['template']?.properties?.['spec']?.properties?.['containers'];
    assert.equal(containers?.items?.properties?.['image']?.type, 'string');
    assert.equal(JSON.stringify(deployment).includes('$ref'), false);
  });

  it('reads `format: int-or-string` as x-kubernetes-int-or-string, as kube\'s OpenAPI adaptor does', () => {
    const maxSurge = deployment.properties?.['spec']?.properties?.['strategy']?.properties?.['rollingUpdate']?.properties?.['maxSurge'];
    assert.equal(maxSurge?.['x-kubernetes-int-or-string'], true);
  });

  it('a ref inside itself becomes an empty object (JSONSchemaProps), as kube\'s PopulateRefs makes it', () => {
    const props = resolveDefinition(builtins, 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps') as JSONSchemaProps;
    assert.deepEqual(props.properties?.['not'], { type: 'object' });
  });

  it('an unknown definition, or a ref to one, is no schema (kube\'s ErrSchemaNotFound)', () => {
    assert.equal(resolveDefinition(builtins, 'io.example.v1.Nothing'), undefined);
    assert.equal(resolveDefinition({ Root: { type: 'object', properties: { x: { $ref: '#/definitions/Missing' } } } }, 'Root'), undefined);
  });

  it('a ref wrapped in allOf counts as the ref', () => {
    const resolved = resolveDefinition({ Root: { type: 'object', properties: { x: { allOf: [{ $ref: '#/definitions/X' }] } } }, X: { type: 'integer' } }, 'Root');
    assert.deepEqual(resolved?.properties?.['x'], { type: 'integer' });
  });
});

describe('the CEL types declared from a kind\'s schema', () => {
  const deployment = declareResourceTypes(resolveDefinition(builtins, 'io.k8s.api.apps.v1.Deployment') as JSONSchemaProps, 'Deployment');

  it('the root is an object type of the kind\'s name, each object beneath a type of its own', () => {
    assert.equal(deployment.root?.kind, 'object');
    assert.equal(deployment.root?.celType, 'Deployment');
    assert.equal(at(deployment.root, 'spec')?.celType, 'Deployment.spec');
    assert.ok(deployment.objects.length > 100, `${deployment.objects.length} object types`);
    // Children first: a type is registered after every type its fields name.
    const order = deployment.objects.map((d) => d.celType);
    assert.ok(order.indexOf('Deployment.spec') < order.indexOf('Deployment'));
  });

  it('integers, strings, booleans, maps, lists, int-or-string and timestamps, as SchemaDeclType makes them', () => {
    assert.equal(at(deployment.root, 'spec.replicas')?.celType, 'int');
    assert.equal(at(deployment.root, 'metadata.name')?.celType, 'string');
    assert.equal(at(deployment.root, 'spec.paused')?.celType, 'bool');
    assert.equal(at(deployment.root, 'metadata.labels')?.celType, 'map<string, string>');
    assert.equal(at(deployment.root, 'spec.template.spec.containers')?.celType, 'list<Deployment.spec.template.spec.containers.__items__>');
    assert.equal(at(deployment.root, 'spec.strategy.rollingUpdate.maxSurge')?.celType, 'dyn');
    assert.equal(at(deployment.root, 'metadata.creationTimestamp')?.celType, 'google.protobuf.Timestamp');
  });

  it('a built-in kind keeps all of ObjectMeta (labels, annotations, ...), not only name and generateName', () => {
    assert.ok(at(deployment.root, 'metadata')?.properties?.has('annotations'));
    assert.ok(at(deployment.root, 'metadata')?.properties?.has('ownerReferences'));
  });

  it('a property with no type of its own (x-kubernetes-preserve-unknown-fields alone) is left out, as kube leaves it', () => {
    const declared = declareResourceTypes({
      type: 'object',
      properties: { spec: { type: 'object', properties: { free: { 'x-kubernetes-preserve-unknown-fields': true }, open: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, size: { type: 'integer' } } } },
    }, 'Widget');
    assert.equal(at(declared.root, 'spec')?.properties?.has('free'), false);
    assert.equal(at(declared.root, 'spec.open')?.kind, 'object');
    assert.equal(at(declared.root, 'spec.size')?.celType, 'int');
    // A resource root always has apiVersion, kind, metadata.name and metadata.generateName.
    assert.equal(at(declared.root, 'apiVersion')?.celType, 'string');
    assert.equal(at(declared.root, 'metadata.generateName')?.celType, 'string');
  });

  it('a custom resource has ObjectMeta as its metadata, as its published OpenAPI does', () => {
    const schema = customResourceSchema(builtins, { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } }) as JSONSchemaProps;
    const declared = declareResourceTypes(schema, 'Widget');
    assert.equal(at(declared.root, 'metadata.labels')?.celType, 'map<string, string>');
    assert.equal(at(declared.root, 'spec.size')?.celType, 'int');
  });

  it('registered on an environment, they check expressions as cel-go does, at cel-go\'s columns', () => {
    assert.equal(check(deployment, 'object.spec.replicas > 1'), 'bool');
    assert.equal(check(deployment, 'object.spec.template.spec.containers.all(c, c.image.startsWith("registry/"))'), 'bool');
    assert.equal(check(deployment, 'object.spec.replicas == "3"'), 'ERROR: <input>:1:22: found no matching overload for \'_==_\' applied to \'(int, string)\'\n | object.spec.replicas == "3"\n | .....................^');
    assert.equal(check(deployment, 'object.spec.replica > 1'), 'ERROR: <input>:1:12: undefined field \'replica\'\n | object.spec.replica > 1\n | ...........^');
    assert.equal(check(deployment, 'has(object.spec.nope)'), 'ERROR: <input>:1:16: undefined field \'nope\'\n | has(object.spec.nope)\n | ...............^');
    // Any object may be compared with null (oldObject is null on a create).
    assert.equal(check(deployment, 'object.spec.strategy.rollingUpdate != null && null != object'), 'bool');
    // int-or-string is dyn: anything goes until it is evaluated.
    assert.equal(check(deployment, 'object.spec.strategy.rollingUpdate.maxSurge == "25%"'), 'bool');
  });

  it('declared for the fields expressions select, they check each expression as the whole schema does', () => {
    const expressions = [
      'object.spec.replicas == "3"',
      'object.spec.template.spec.containers.all(c, has(c.image) && c.?name.orValue("") != "")',
      'object.metadata.labels["app"] == object.spec.selector.matchLabels["app"]',
      'object.spec.strategy.rollingUpdate.maxSurge == 1 && object.spec.paused',
      'object.spec.template.spec.containers[0].resources.limits["cpu"] == "1"',
      'object.spec.template.spec.nodeName.size() > 0 && object.spec.template.spec.nodeNme == ""',
      'object.status == object.status || object.metadata.creationTimestamp < timestamp("2026-01-01T00:00:00Z")',
      'object.spec.template == null || object.spec.minReadySeconds + "s" == ""',
    ];
    const parser = kubeEnvironment();
    const fields = new Set(expressions.flatMap((e) => [...selectedFields(parser, e)]));
    assert.ok(fields.has('containers') && fields.has('image') && fields.has('name') && fields.has('nodeNme'));
    const pruned = declareResourceTypes(resolveDefinition(builtins, 'io.k8s.api.apps.v1.Deployment') as JSONSchemaProps, 'Deployment', fields);
    assert.ok(pruned.objects.length < 40, `${pruned.objects.length} object types`);
    for (const expression of expressions) assert.equal(check(pruned, expression), check(deployment, expression), expression);
  });

  it('namespaceObject is kube\'s hand-made Namespace type, its uid spelt UID', () => {
    const namespace = declareNamespaceObjectType();
    assert.equal(namespace.root?.celType, 'kubernetes.Namespace');
    assert.equal(at(namespace.root, 'metadata.UID')?.celType, 'string');
    assert.equal(at(namespace.root, 'metadata.ownerReferences'), undefined);
    assert.equal(at(namespace.root, 'status.phase')?.celType, 'string');
  });
});

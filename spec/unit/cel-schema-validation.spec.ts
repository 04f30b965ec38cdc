// A CRD's x-kubernetes-validations: compiled when the CRD is written, against
// CEL types declared from its structural schema, with kube's errors and cost
// limits; and run on each write of a custom resource, with kube's causes.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileSchemaValidations, runSchemaValidations, type JSONSchemaProps, type ValidationRule } from '../../lib/cel/validation.js';

const PATH = 'spec.versions[0].schema.openAPIV3Schema';

/** A resource schema whose spec carries `rules`. */
function specSchema(properties: Record<string, JSONSchemaProps>, rules: ValidationRule[], extra: JSONSchemaProps = {}): JSONSchemaProps {
  return { type: 'object', properties: { spec: { type: 'object', properties, 'x-kubernetes-validations': rules, ...extra } } };
}

function compile(schema: JSONSchemaProps) {
  const { compiled, errors } = compileSchemaValidations(schema, { path: PATH });
  assert.deepEqual(errors, [], 'the schema compiles');
  return compiled;
}

function compileErrors(schema: JSONSchemaProps) {
  return compileSchemaValidations(schema, { path: PATH }).errors.map((e) => `${e.field}: ${e.message}`);
}

const causesOf = (schema: JSONSchemaProps, object: unknown, old?: unknown) =>
  runSchemaValidations(compile(schema), object, old).causes.map((c) => `${c.field}: ${c.message}`);

describe('CEL rules: types declared from the schema', () => {
  it('a field the schema does not declare is a compile error, in cel-go\'s words at kube\'s path', () => {
    assert.deepEqual(compileErrors(specSchema({ replicas: { type: 'integer' } }, [{ rule: 'self.replics > 0' }])), [
      `${PATH}.properties[spec].x-kubernetes-validations[0].rule: Invalid value: apiextensions.ValidationRule{Rule:"self.replics > 0", Message:"", MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: compilation failed: ERROR: <input>:1:5: undefined field 'replics'\n | self.replics > 0\n | ....^`,
    ]);
  });

  it('a rule must be a bool; types must match', () => {
    const errors = compileErrors(specSchema({ name: { type: 'string' } }, [{ rule: 'self.name' }, { rule: 'self.name + 1 == 2' }, { rule: 'undeclared == 1' }]));
    assert.equal(errors.length, 3);
    assert.match(errors[0] as string, /x-kubernetes-validations\[0\]\.rule: .*: cel expression must evaluate to a bool$/);
    assert.match(errors[1] as string, /found no matching overload for '_\+_' applied to '\(string, int\)'/);
    assert.match(errors[2] as string, /undeclared reference to 'undeclared' \(in container ''\)/);
  });

  it('x-kubernetes-int-or-string is dyn: an int or a string at run time', () => {
    const schema = specSchema({ port: { 'x-kubernetes-int-or-string': true } }, [{ rule: 'type(self.port) == int ? self.port > 0 : self.port.startsWith("http")' }]);
    assert.deepEqual(causesOf(schema, { spec: { port: 8080 } }), []);
    assert.deepEqual(causesOf(schema, { spec: { port: 'http-alt' } }), []);
    assert.deepEqual(causesOf(schema, { spec: { port: 'grpc' } }), ['spec: Invalid value: "object": failed rule: type(self.port) == int ? self.port > 0 : self.port.startsWith("http")']);
  });

  it('a property with no type (preserve-unknown-fields alone) is not visible to rules', () => {
    assert.match(compileErrors(specSchema({ free: { 'x-kubernetes-preserve-unknown-fields': true } }, [{ rule: 'has(self.free)' }]))[0] as string, /undefined field 'free'/);
  });

  it('a resource root and an embedded resource have apiVersion, kind and metadata.name', () => {
    const schema: JSONSchemaProps = {
      type: 'object',
      'x-kubernetes-validations': [{ rule: 'self.metadata.name.startsWith("web-")', message: 'name must start with web-' }],
      properties: {
        spec: {
          type: 'object',
          properties: { template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true, 'x-kubernetes-validations': [{ rule: 'self.kind == "Pod"' }] } },
        },
      },
    };
    assert.deepEqual(causesOf(schema, { apiVersion: 'x/v1', kind: 'X', metadata: { name: 'db-1' }, spec: { template: { apiVersion: 'v1', kind: 'Service' } } }), [
      '<nil>: Invalid value: "object": name must start with web-',
      'spec.template: Invalid value: "object": failed rule: self.kind == "Pod"',
    ]);
  });

  it('objects inside lists and maps are typed too, and compare by value', () => {
    const schema = specSchema(
      { ports: { type: 'array', maxItems: 8, items: { type: 'object', properties: { name: { type: 'string', maxLength: 15 }, port: { type: 'integer' } } } } },
      [{ rule: 'self.ports.all(p, p.port > 0)' }, { rule: 'self.ports == oldSelf.ports', message: 'ports are immutable' }],
    );
    const ports = [{ name: 'http', port: 80 }];
    assert.deepEqual(causesOf(schema, { spec: { ports } }, { spec: { ports: [{ name: 'http', port: 80 }] } }), []);
    assert.deepEqual(causesOf(schema, { spec: { ports: [{ name: 'http', port: 0 }] } }, { spec: { ports } }), [
      'spec: Invalid value: "object": failed rule: self.ports.all(p, p.port > 0)',
      'spec: Invalid value: "object": ports are immutable',
    ]);
    assert.match(compileErrors(specSchema({ ports: { type: 'array', items: { type: 'object', properties: { port: { type: 'integer' } } } } }, [{ rule: 'self.ports.all(p, p.nme == "")' }]))[0] ?? '', /undefined field 'nme'/);
  });

  it('escapes property names as kube does: dashes, dots, slashes and CEL keywords', () => {
    const schema = specSchema({ 'max-size': { type: 'integer' }, namespace: { type: 'string' } }, [{ rule: 'self.max__dash__size > 1 && self.__namespace__ != ""' }]);
    assert.deepEqual(causesOf(schema, { spec: { 'max-size': 5, namespace: 'x' } }), []);
  });
});

describe('CEL rules: running them on an object', () => {
  const schema: JSONSchemaProps = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        'x-kubernetes-validations': [
          { rule: 'self.replicas <= self.maxReplicas', message: 'replicas must not exceed maxReplicas' },
          { rule: 'self.name.startsWith("a")', messageExpression: '"name " + self.name + " must start with a"' },
          { rule: 'self.replicas != 13', reason: 'FieldValueForbidden', message: 'unlucky', fieldPath: '.replicas' },
        ],
        properties: {
          replicas: { type: 'integer' },
          maxReplicas: { type: 'integer' },
          name: { type: 'string', maxLength: 10 },
          tags: { type: 'array', maxItems: 5, items: { type: 'string', maxLength: 10, 'x-kubernetes-validations': [{ rule: 'self.size() > 1' }] } },
          limits: { type: 'object', maxProperties: 5, additionalProperties: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self >= 0', reason: 'FieldValueRequired', message: 'must be positive' }] } },
        },
      },
    },
  };

  it('a failed rule is FieldValueInvalid at the rule\'s node, with its message, messageExpression or "failed rule"', () => {
    const { causes } = runSchemaValidations(compile(schema), { spec: { replicas: 5, maxReplicas: 3, name: 'bob', tags: ['ok', 'x'], limits: { cpu: -1 } } });
    assert.deepEqual(causes, [
      { reason: 'FieldValueInvalid', field: 'spec', message: 'Invalid value: "object": replicas must not exceed maxReplicas' },
      { reason: 'FieldValueInvalid', field: 'spec', message: 'Invalid value: "object": name bob must start with a' },
      { reason: 'FieldValueInvalid', field: 'spec.tags[1]', message: 'Invalid value: "string": failed rule: self.size() > 1' },
      { reason: 'FieldValueRequired', field: 'spec.limits[cpu]', message: 'Required value: must be positive' },
    ]);
  });

  it('reason and fieldPath place the cause where the rule says', () => {
    assert.deepEqual(causesOf(schema, { spec: { replicas: 13, maxReplicas: 20, name: 'abe' } }), ['spec.replicas: Forbidden: unlucky']);
  });

  it('an evaluation error names the rule: a missing field is "no such key"', () => {
    assert.deepEqual(causesOf(schema, { spec: { replicas: 1, maxReplicas: 3 } }), ['spec: Invalid value: "object": no such key: name evaluating rule: self.name.startsWith("a")']);
  });

  it('a messageExpression that fails falls back to the message', () => {
    const s = specSchema({ n: { type: 'string' } }, [{ rule: 'self.n == "x"', message: 'n must be x', messageExpression: 'self.missing' }]);
    assert.ok(compileErrors(s)[0]?.includes('messageExpression compilation failed'), 'an undeclared field in a messageExpression is a compile error');
    const ok = specSchema({ n: { type: 'string' }, m: { type: 'string' } }, [{ rule: 'self.n == "x"', message: 'n must be x', messageExpression: 'self.m' }]);
    assert.deepEqual(causesOf(ok, { spec: { n: 'y' } }), ['spec: Invalid value: "object": n must be x']);
  });
});

describe('CEL rules: transition rules and ratcheting', () => {
  const schema = specSchema({ replicas: { type: 'integer' }, mode: { type: 'string' } }, [
    { rule: 'self.replicas >= oldSelf.replicas', message: 'cannot scale down' },
    { rule: 'self.mode != "legacy"', message: 'legacy mode is no longer accepted' },
  ]);

  it('a rule using oldSelf runs only on update, where an old value correlates', () => {
    assert.deepEqual(causesOf(schema, { spec: { replicas: 1, mode: 'new' } }), []);
    assert.deepEqual(causesOf(schema, { spec: { replicas: 1, mode: 'new' } }, { spec: { replicas: 2, mode: 'new' } }), ['spec: Invalid value: "object": cannot scale down']);
  });

  it('optionalOldSelf runs the rule on create too, with oldSelf an optional', () => {
    const s = specSchema({ replicas: { type: 'integer' } }, [{ rule: '!oldSelf.hasValue() || self.replicas >= oldSelf.value().replicas', optionalOldSelf: true, message: 'cannot scale down' }]);
    assert.deepEqual(causesOf(s, { spec: { replicas: 1 } }), []);
    assert.deepEqual(causesOf(s, { spec: { replicas: 1 } }, { spec: { replicas: 2 } }), ['spec: Invalid value: "object": cannot scale down']);
  });

  it('an update that leaves an invalid value unchanged gets a warning, not a refusal', () => {
    const compiled = compile(schema);
    const old = { spec: { replicas: 2, mode: 'legacy' } };
    assert.deepEqual(runSchemaValidations(compiled, { spec: { replicas: 2, mode: 'legacy' } }, old), {
      causes: [],
      warnings: ['spec: Invalid value: "object": legacy mode is no longer accepted'],
    });
    assert.deepEqual(runSchemaValidations(compiled, { spec: { replicas: 3, mode: 'legacy' } }, old).causes.length, 1, 'a changed value is held to the rule');
  });

  it('oldSelf inside a list that does not correlate (not a map list) is refused at compile time', () => {
    const s: JSONSchemaProps = { type: 'object', properties: { spec: { type: 'object', properties: { items: { type: 'array', maxItems: 10, items: { type: 'string', maxLength: 10, 'x-kubernetes-validations': [{ rule: 'self == oldSelf' }] } } } } } };
    assert.deepEqual(compileErrors(s), [
      `${PATH}.properties[spec].properties[items].items.x-kubernetes-validations[0].rule: Invalid value: "self == oldSelf": oldSelf cannot be used on the uncorrelatable portion of the schema within ${PATH}.properties[spec].properties[items]`,
    ]);
  });

  it('optionalOldSelf without oldSelf in the rule is refused', () => {
    assert.deepEqual(compileErrors(specSchema({ a: { type: 'string' } }, [{ rule: 'self.a == "x"', optionalOldSelf: true }])), [
      `${PATH}.properties[spec].x-kubernetes-validations[0].optionalOldSelf: Invalid value: true: may not be set if oldSelf is not used in rule`,
    ]);
  });
});

describe('CEL rules: the rule fields kube checks', () => {
  it('empty rules, blank messages, unsupported reasons and bad field paths', () => {
    const errors = compileErrors(
      specSchema({ a: { type: 'string' } }, [
        { rule: ' ' },
        { rule: 'true', message: '  ' },
        { rule: 'true', reason: 'Nope' },
        { rule: 'true', fieldPath: '.b' },
        { rule: 'self.a\n == "x"' },
      ]),
    );
    assert.deepEqual(errors, [
      `${PATH}.properties[spec].x-kubernetes-validations[0].rule: Required value: rule is not specified`,
      `${PATH}.properties[spec].x-kubernetes-validations[1].message: Invalid value: "  ": message must be non-empty if specified`,
      `${PATH}.properties[spec].x-kubernetes-validations[2].reason: Unsupported value: "Nope": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"`,
      `${PATH}.properties[spec].x-kubernetes-validations[3].fieldPath: Invalid value: ".b": fieldPath must be a valid path`,
      `${PATH}.properties[spec].x-kubernetes-validations[4].message: Required value: message must be specified if rule contains line breaks`,
    ]);
  });
});

describe('CEL rules: cost', () => {
  const nested = (bounds: { maxItems?: number; maxLength?: number }): JSONSchemaProps =>
    specSchema({ names: { type: 'array', ...(bounds.maxItems ? { maxItems: bounds.maxItems } : {}), items: { type: 'string', ...(bounds.maxLength ? { maxLength: bounds.maxLength } : {}) } } }, [
      { rule: 'self.names.all(a, self.names.all(b, a == b || !a.startsWith(b)))' },
    ]);

  it('an O(n²) rule over an unbounded list is refused, as kube refuses it', () => {
    const errors = compileErrors(nested({}));
    assert.equal(
      errors[0],
      `${PATH}.properties[spec].x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of more than 100x (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)`,
    );
    assert.match(errors.at(-1) as string, new RegExp(`^${PATH.replace(/[[\].]/g, '\\$&')}: Forbidden: x-kubernetes-validations estimated rule & messageExpression cost total for entire OpenAPIv3 schema exceeds budget`));
  });

  it('the same rule with maxItems and maxLength is accepted', () => {
    assert.deepEqual(compileErrors(nested({ maxItems: 20, maxLength: 64 })), []);
  });

  it('a rule under a list counts once per item: the cost times the list\'s cardinality', () => {
    const perItem = (maxItems: number): JSONSchemaProps => ({
      type: 'object',
      properties: { spec: { type: 'object', properties: { items: { type: 'array', maxItems, items: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self.matches("^[a-z]+$")' }] } } } } },
    });
    assert.deepEqual(compileErrors(perItem(2)), []);
    assert.match(compileErrors(perItem(100_000))[0] ?? '', /estimated rule cost exceeds budget/);
  });

  it('the runtime budget stops further rules once spent', () => {
    const s = specSchema({ xs: { type: 'array', maxItems: 10, items: { type: 'integer' } } }, [{ rule: 'self.xs.all(x, x > 0)' }, { rule: 'self.xs.all(x, x < 100)' }]);
    const { compiled } = compileSchemaValidations(s);
    const result = runSchemaValidations(compiled, { spec: { xs: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] } }, undefined, { budget: 40 });
    assert.deepEqual(result.causes.map((c) => `${c.field}: ${c.message}`), ['spec: Invalid value: "object": validation failed due to running out of cost budget, no further validation rules will be run']);
    const limited = runSchemaValidations(compiled, { spec: { xs: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] } }, undefined, { perCallLimit: 10 });
    assert.deepEqual(limited.causes.map((c) => c.message), [
      "Invalid value: \"object\": 'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: self.xs.all(x, x > 0)",
    ]);
  });
});

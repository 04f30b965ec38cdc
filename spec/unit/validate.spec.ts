// Schema-driven validation: kube's name rules, required fields, types and unknown fields.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateName, validateObject } from '../../scheme/validate.js';
import { definitions } from '../../scheme/definitions.js';

describe('validation', () => {
  it('applies kube\'s DNS-1123 subdomain rule by default, and the label rule where a kind asks for it', () => {
    assert.deepEqual(validateName('my-config.v1', 'dns1123-subdomain'), []);
    assert.match(validateName('Bad_Name', 'dns1123-subdomain')[0]!, /^a lowercase RFC 1123 subdomain must consist of/);
    assert.match(validateName('has.dot', 'dns1123-label')[0]!, /^a lowercase RFC 1123 label must consist of/);
    assert.deepEqual(validateName('system:masters', 'path-segment'), []);
    assert.deepEqual(validateName('a/b', 'path-segment'), ["may not contain '/'"]);
  });
  it('reports missing required fields with their path', () => {
    const { causes } = validateObject({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r' }, rules: [{ resources: ['pods'] }] }, 'io.k8s.api.rbac.v1.Role', definitions);
    assert.deepEqual(causes, [{ type: 'FieldValueRequired', field: 'rules[0].verbs', message: 'Required value' }]);
  });
  it('reports a value of the wrong type', () => {
    const { causes } = validateObject({ metadata: { name: 'c' }, data: { a: 1 } }, 'io.k8s.api.core.v1.ConfigMap', definitions);
    assert.equal(causes.length, 1);
    assert.equal(causes[0]!.field, 'data[a]');
    assert.equal(causes[0]!.type, 'FieldValueTypeInvalid');
  });
  it('lists unknown fields by path, and leaves maps open', () => {
    const { unknownFields } = validateObject({ metadata: { name: 'c', bogus: 1 }, data: { anything: 'goes' }, extra: true }, 'io.k8s.api.core.v1.ConfigMap', definitions);
    assert.deepEqual(unknownFields.sort(), ['extra', 'metadata.bogus']);
  });
  it('checks label keys and values as kube does', () => {
    const { causes } = validateObject({ metadata: { name: 'c', labels: { 'ok/key': 'v', 'bad key': 'v' } } }, 'io.k8s.api.core.v1.ConfigMap', definitions);
    assert.equal(causes.length, 1);
    assert.equal(causes[0]!.field, 'metadata.labels');
  });
});

// What the server rejects before a write, and how it words it: kube's name and
// metadata rules, JSON types as kube's decoder sees them, required fields and
// unknown fields, all driven by the generated schema facts.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  isConfigMapKey,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  mergeCauses,
  pruneUnknownFields,
  validateConfigMapKeys,
  validateMetadataName,
  validateName,
  validateObject,
  validateObjectMetaFields,
} from '../../scheme/validate.js';
import { definitions } from '../../scheme/definitions.js';
import type { Definitions } from '../../scheme/schema.js';

const SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const NAME_PART =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const CONFIG_KEY =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

const CONFIG_MAP = 'io.k8s.api.core.v1.ConfigMap';
const SERVICE = 'io.k8s.api.core.v1.Service';
const ROLE = 'io.k8s.api.rbac.v1.Role';

describe('names', () => {
  it('accepts DNS-1123 subdomains for most kinds and words a bad one exactly as kube does', () => {
    assert.deepEqual(validateName('my-config.v1', 'dns1123-subdomain'), []);
    assert.deepEqual(validateName('Bad_Name', 'dns1123-subdomain'), [SUBDOMAIN]);
    assert.deepEqual(isDNS1123Subdomain('a'.repeat(254)), ['must be no more than 253 characters']);
    assert.deepEqual(isDNS1123Subdomain('-a'.repeat(127)), ['must be no more than 253 characters', SUBDOMAIN]);
  });

  it('holds label-named kinds (Namespace, Service) to 63 characters without dots', () => {
    assert.deepEqual(validateName('kube-system', 'dns1123-label'), []);
    assert.deepEqual(validateName('has.dot', 'dns1123-label'), ['must not contain dots']);
    assert.deepEqual(validateName('Upper', 'dns1123-label'), [LABEL]);
    assert.deepEqual(isDNS1123Label('a'.repeat(64)), ['must be no more than 63 characters']);
    assert.match(validateName('1abc', 'dns1035-label')[0]!, /^a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character/);
  });

  it('lets RBAC names be any path segment', () => {
    assert.deepEqual(validateName('system:masters', 'path-segment'), []);
    assert.deepEqual(validateName('a/b%', 'path-segment'), ["may not contain '/'", "may not contain '%'"]);
    assert.deepEqual(validateName('..', 'path-segment'), ["may not be '..'"]);
  });

  it('allows a trailing dash in generateName, since random characters follow it', () => {
    assert.deepEqual(validateName('web-', 'dns1123-subdomain', true), []);
    assert.deepEqual(validateName('web-', 'dns1123-subdomain'), [SUBDOMAIN]);
    assert.deepEqual(validateMetadataName({ generateName: 'web-' }, 'dns1123-subdomain'), [
      { reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' },
    ]);
  });

  it('reports a bad metadata.name as an Invalid cause quoting the value', () => {
    assert.deepEqual(validateMetadataName({ name: 'Bad_Name' }, 'dns1123-subdomain'), [
      { reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "Bad_Name": ${SUBDOMAIN}` },
    ]);
    assert.deepEqual(validateMetadataName({ name: 'ok', generateName: 'ok-' }, 'dns1123-subdomain'), []);
  });
});

describe('labels, annotations and finalizers', () => {
  it('checks label keys as qualified names, with kube\'s messages', () => {
    assert.deepEqual(isQualifiedName('app.kubernetes.io/name'), []);
    assert.deepEqual(isQualifiedName('bad key'), [NAME_PART]);
    assert.deepEqual(isQualifiedName('/x'), ['prefix part must be non-empty']);
    assert.deepEqual(isQualifiedName('Example.com/x'), [`prefix part ${SUBDOMAIN}`]);
    assert.deepEqual(isQualifiedName('a/'), ['name part must be non-empty', NAME_PART]);
    assert.match(isQualifiedName('a/b/c')[0]!, /^a qualified name must consist of .* with an optional DNS subdomain prefix and '\/' \(e\.g\. 'example\.com\/MyName'\)$/);
  });

  it('checks label values: empty is fine, 64 characters or a space is not', () => {
    assert.deepEqual(isValidLabelValue(''), []);
    assert.deepEqual(isValidLabelValue('v'.repeat(64)), ['must be no more than 63 characters']);
    assert.deepEqual(isValidLabelValue('bad value'), [LABEL_VALUE]);
  });

  it('reports bad labels at metadata.labels, quoting the offending key or value', () => {
    assert.deepEqual(validateObjectMetaFields({ labels: { 'bad key': 'ok', good: 'bad value' } }), [
      { reason: 'FieldValueInvalid', field: 'metadata.labels', message: `Invalid value: "bad key": ${NAME_PART}` },
      { reason: 'FieldValueInvalid', field: 'metadata.labels', message: `Invalid value: "bad value": ${LABEL_VALUE}` },
    ]);
  });

  it('allows upper case in annotation keys but caps all annotations at 256 KiB', () => {
    assert.deepEqual(validateObjectMetaFields({ annotations: { 'Example.com/Key': 'x' } }), []);
    assert.deepEqual(validateObjectMetaFields({ annotations: { big: 'x'.repeat(256 * 1024) } }), [
      { reason: 'FieldValueTooLong', field: 'metadata.annotations', message: 'Too long: must have at most 262144 bytes' },
    ]);
  });

  it('refuses orphan and foreground deletion finalizers together', () => {
    const [cause] = validateObjectMetaFields({ finalizers: ['orphan', 'foregroundDeletion'] });
    assert.equal(cause!.field, 'metadata.finalizers');
    assert.match(cause!.message, /^Invalid value: \[\]string\{"orphan", "foregroundDeletion"\}: finalizer orphan and foregroundDeletion cannot be both set$/);
  });

  it('requires apiVersion, kind, name and uid on owner references', () => {
    const causes = validateObjectMetaFields({ ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs' }] });
    assert.deepEqual(causes, [{ reason: 'FieldValueInvalid', field: 'metadata.ownerReferences.uid', message: 'Invalid value: "": uid must not be empty' }]);
  });
});

describe('ConfigMap and Secret keys', () => {
  it('accepts file-name-like keys and words a bad one as kube does', () => {
    assert.deepEqual(isConfigMapKey('key.name'), []);
    assert.deepEqual(isConfigMapKey('KEY_NAME-1'), []);
    assert.deepEqual(isConfigMapKey('bad key'), [CONFIG_KEY]);
    assert.deepEqual(isConfigMapKey('..hidden'), ["must not start with '..'"]);
    assert.deepEqual(isConfigMapKey('k'.repeat(254)), ['must be no more than 253 characters']);
  });

  it('reports each bad key at data[key]', () => {
    assert.deepEqual(validateConfigMapKeys({ ok: 'x', 'bad key': 'y' }, 'data'), [
      { reason: 'FieldValueInvalid', field: 'data[bad key]', message: `Invalid value: "bad key": ${CONFIG_KEY}` },
    ]);
  });
});

describe('schema types', () => {
  it('rejects a number where a string map value belongs, with the cause and the decoder\'s wording', () => {
    const result = validateObject({ metadata: { name: 'c' }, data: { a: 1 } }, CONFIG_MAP, definitions);
    assert.deepEqual(result.causes, [{ reason: 'FieldValueTypeInvalid', field: 'data[a]', message: 'Invalid value: "integer": data[a] in body must be of type string: "integer"' }]);
    assert.equal(result.decodeError, 'json: cannot unmarshal number into Go struct field ConfigMap.data of type string');
  });

  it('names the innermost struct and the field path the way kube\'s decoder does', () => {
    const port = validateObject({ spec: { ports: [{ port: '80' }] } }, SERVICE, definitions);
    assert.equal(port.causes[0]!.field, 'spec.ports[0].port');
    assert.equal(port.decodeError, 'json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32');
    const spec = validateObject({ spec: 'x' }, SERVICE, definitions);
    assert.equal(spec.decodeError, 'json: cannot unmarshal string into Go struct field Service.spec of type v1.ServiceSpec');
    const labels = validateObject({ metadata: { labels: { a: true } } }, CONFIG_MAP, definitions);
    assert.equal(labels.decodeError, 'json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.labels of type string');
    const list = validateObject({ spec: { ports: {} } }, SERVICE, definitions);
    assert.equal(list.decodeError, 'json: cannot unmarshal object into Go struct field ServiceSpec.spec.ports of type []v1.ServicePort');
  });

  it('rejects fractions and out-of-range numbers for int32 fields', () => {
    assert.equal(validateObject({ spec: { ports: [{ port: 1.5 }] } }, SERVICE, definitions).decodeError, 'json: cannot unmarshal number 1.5 into Go struct field ServicePort.spec.ports.port of type int32');
    const overflow = validateObject({ spec: { ports: [{ port: 3000000000 }] } }, SERVICE, definitions);
    assert.equal(overflow.decodeError, 'json: cannot unmarshal number 3000000000 into Go struct field ServicePort.spec.ports.port of type int32');
    assert.deepEqual(overflow.causes, [{ reason: 'FieldValueInvalid', field: 'spec.ports[0].port', message: 'Invalid value: 3000000000: spec.ports[0].port in body must be of type int32: "3000000000"' }]);
  });

  it('keeps only the first type error for the decoder, but lists every one as a cause', () => {
    const result = validateObject({ data: { a: 1, b: false } }, CONFIG_MAP, definitions);
    assert.deepEqual(result.causes.map((c) => c.field), ['data[a]', 'data[b]']);
    assert.match(result.decodeError!, /cannot unmarshal number/);
  });

  it('takes null anywhere as the zero value', () => {
    assert.deepEqual(validateObject({ metadata: { name: 'c', labels: null }, data: null, immutable: null }, CONFIG_MAP, definitions), { causes: [], unknownFields: [] });
  });

  it('takes an integer or a string for IntOrString, and nothing else', () => {
    assert.deepEqual(validateObject({ spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 81, targetPort: 'http' }] } }, SERVICE, definitions).causes, []);
    const result = validateObject({ spec: { ports: [{ port: 80, targetPort: true }] } }, SERVICE, definitions);
    assert.equal(result.causes[0]!.field, 'spec.ports[0].targetPort');
    assert.equal(result.decodeError, 'json: cannot unmarshal bool into Go value of type int32');
  });

  it('parses timestamps as RFC 3339 and words a bad one as Go\'s time parser does', () => {
    assert.deepEqual(validateObject({ metadata: { creationTimestamp: '2024-02-29T10:00:00Z' } }, CONFIG_MAP, definitions).causes, []);
    const bad = validateObject({ metadata: { creationTimestamp: 'yesterday' } }, CONFIG_MAP, definitions);
    assert.equal(bad.causes[0]!.field, 'metadata.creationTimestamp');
    assert.equal(bad.decodeError, 'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"');
    assert.equal(validateObject({ metadata: { creationTimestamp: '2024-13-01T00:00:00Z' } }, CONFIG_MAP, definitions).decodeError, 'parsing time "2024-13-01T00:00:00Z": month out of range');
    assert.equal(validateObject({ metadata: { creationTimestamp: '2023-02-29T00:00:00Z' } }, CONFIG_MAP, definitions).decodeError, 'parsing time "2023-02-29T00:00:00Z": day out of range');
    assert.equal(validateObject({ metadata: { creationTimestamp: '2024-01-01 00:00:00Z' } }, CONFIG_MAP, definitions).decodeError, 'parsing time "2024-01-01 00:00:00Z" as "2006-01-02T15:04:05Z07:00": cannot parse " 00:00:00Z" as "T"');
  });
});

describe('required fields', () => {
  it('reports a missing required list with its path', () => {
    const { causes } = validateObject({ metadata: { name: 'r' }, rules: [{ resources: ['pods'] }] }, ROLE, definitions);
    assert.deepEqual(causes, [{ reason: 'FieldValueRequired', field: 'rules[0].verbs', message: 'Required value' }]);
    assert.deepEqual(validateObject({ metadata: { name: 'r' }, rules: [{ verbs: ['get'] }] }, ROLE, definitions).causes, []);
  });

  it('leaves missing numbers and structs to per-kind validation, which words them differently', () => {
    assert.deepEqual(validateObject({ spec: { ports: [{ name: 'http' }] } }, SERVICE, definitions).causes, []);
    assert.deepEqual(validateObject({ metadata: { name: 'e' } }, 'io.k8s.api.core.v1.Event', definitions).causes, []);
  });

  it('never requires anything of status or metadata, which the server fills', () => {
    assert.deepEqual(validateObject({ status: { conditions: [{ reason: 'x' }] } }, 'io.k8s.api.core.v1.Namespace', definitions).causes, []);
    assert.deepEqual(validateObject({ metadata: { ownerReferences: [] } }, CONFIG_MAP, definitions).causes, []);
  });

  it('lets a kind\'s own cause for a field replace the generic Required one', () => {
    const generic = [{ reason: 'FieldValueRequired', field: 'rules[0].verbs', message: 'Required value' }];
    const specific = [{ reason: 'FieldValueRequired', field: 'rules[0].verbs', message: 'Required value: verbs must contain at least one value' }];
    assert.deepEqual(mergeCauses(generic, specific), specific);
    assert.deepEqual(mergeCauses(generic, []), generic);
  });
});

describe('unknown fields', () => {
  it('lists unknown fields by path as the strict decoder prints them, and leaves maps open', () => {
    const { unknownFields } = validateObject({ metadata: { name: 'c', bogus: 1 }, data: { anything: 'goes' }, extra: true }, CONFIG_MAP, definitions);
    assert.deepEqual(unknownFields, ['metadata.bogus', 'extra']);
    const service = validateObject({ spec: { ports: [{ port: 80 }, { port: 81, bogus: 'x' }], nope: {} } }, SERVICE, definitions);
    assert.deepEqual(service.unknownFields, ['spec.ports[1].bogus', 'spec.nope']);
  });

  it('does not look inside a value of the wrong type', () => {
    assert.deepEqual(validateObject({ spec: [{ bogus: 1 }] }, SERVICE, definitions).unknownFields, []);
  });

  it('keeps whatever sits under x-kubernetes-preserve-unknown-fields or additionalProperties: true', () => {
    const defs: Definitions = {
      'x.Thing': {
        type: 'object',
        properties: { open: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, spec: { $ref: '#/definitions/x.Spec' } },
      },
      'x.Spec': { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: true },
    };
    assert.deepEqual(validateObject({ open: { deep: { er: 1 } }, spec: { a: 'x', b: 2 }, c: 3 }, 'x.Thing', defs).unknownFields, ['c']);
  });

  it('drops unknown fields from the object, as decoding into kube\'s types does', () => {
    const object = { metadata: { name: 'c', bogus: 1 }, spec: { ports: [{ port: 80, bogus: 'x' }] }, extra: true };
    pruneUnknownFields(object, validateObject(object, SERVICE, definitions).unknownFields);
    assert.deepEqual(object, { metadata: { name: 'c' }, spec: { ports: [{ port: 80 }] } });
  });
});

describe('whole objects', () => {
  it('passes a well-formed ConfigMap with nothing to say', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default', labels: { app: 'web' }, annotations: { note: 'x' } }, data: { 'key.name': 'v' }, binaryData: { b: 'AAEC' } };
    assert.deepEqual(validateObject(cm, CONFIG_MAP, definitions), { causes: [], unknownFields: [] });
  });

  it('checks metadata labels as part of the object', () => {
    const { causes } = validateObject({ metadata: { name: 'c', labels: { 'ok/key': 'v', 'bad key': 'v' } } }, CONFIG_MAP, definitions);
    assert.deepEqual(causes, [{ reason: 'FieldValueInvalid', field: 'metadata.labels', message: `Invalid value: "bad key": ${NAME_PART}` }]);
  });
});

// kube's validation of a CustomResourceDefinition (apiextensions' ValidateCustomResourceDefinition
// and the structural-schema checks, then its x-kubernetes-validations compiled by lib/cel), with
// its field paths and wording; and its v1 defaults.

import type { StatusCause } from '../../protocol/kube/status.js';
import { isDNS1035Label, isDNS1123Subdomain } from '../validate.js';
import type { CrdNames, CrdVersion, CustomResourceDefinition, JSONSchemaProps } from './crd.js';
import { isEstablished } from './crd.js';
import { compileSchemaValidations } from '../../lib/cel/validation.js';
import { validateService, validateUrl } from '../kinds/webhook-configuration.js';

const required = (field: string, detail = ''): StatusCause => ({ reason: 'FieldValueRequired', field, message: detail ? `Required value: ${detail}` : 'Required value' });
const invalidValue = (field: string, value: unknown, detail: string): StatusCause => ({
  reason: 'FieldValueInvalid', field, message: `Invalid value: ${typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value)}: ${detail}`,
});
const forbidden = (field: string, detail: string): StatusCause => ({ reason: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` });
const unsupported = (field: string, value: unknown, supported: readonly string[]): StatusCause => ({
  reason: 'FieldValueNotSupported', field, message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
});

/** The v1 defaults kube's decoder applies: singular, listKind, conversion None, and the status' storedVersions start. */
export function defaultCrd(crd: CustomResourceDefinition): void {
  const spec = crd.spec;
  if (!spec || typeof spec !== 'object') return;
  if (spec.names && typeof spec.names === 'object') {
    if (!spec.names.singular && typeof spec.names.kind === 'string') spec.names.singular = spec.names.kind.toLowerCase();
    if (!spec.names.listKind && spec.names.kind) spec.names.listKind = `${spec.names.kind}List`;
  }
  spec.conversion ??= { strategy: 'None' };
  const service = spec.conversion.webhook?.clientConfig?.service;
  if (service && typeof service === 'object') service.port ??= 443;
  for (const version of Array.isArray(spec.versions) ? spec.versions : []) {
    for (const column of version.additionalPrinterColumns ?? []) column.priority ??= 0;
  }
}

function namesCauses(names: CrdNames | undefined, path: string): StatusCause[] {
  if (!names) return [required(path)];
  const causes: StatusCause[] = [];
  const dns = (field: string, value: string | undefined, mixedCase = false): void => {
    if (!value) return;
    const errors = isDNS1035Label(mixedCase ? value.toLowerCase() : value);
    if (errors.length > 0) causes.push(invalidValue(`${path}.${field}`, value, `${mixedCase ? 'may have mixed case, but should otherwise match: ' : ''}${errors.join(',')}`));
  };
  if (!names.plural) causes.push(required(`${path}.plural`));
  if (!names.singular) causes.push(required(`${path}.singular`));
  if (!names.kind) causes.push(required(`${path}.kind`));
  if (!names.listKind) causes.push(required(`${path}.listKind`));
  dns('plural', names.plural);
  dns('singular', names.singular);
  dns('kind', names.kind, true);
  dns('listKind', names.listKind, true);
  (names.shortNames ?? []).forEach((s, i) => dns(`shortNames[${i}]`, s));
  if (names.kind && names.kind === names.listKind) causes.push(invalidValue(`${path}.listKind`, names.listKind, 'kind and listKind may not be the same'));
  (names.categories ?? []).forEach((s, i) => dns(`categories[${i}]`, s));
  return causes;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The structural-schema rules and kube's forbidden OpenAPI features, for one schema node. */
function schemaCauses(schema: JSONSchemaProps, path: string, level: 'root' | 'property' | 'items' | 'other', causes: StatusCause[]): void {
  const intOrString = schema['x-kubernetes-int-or-string'] === true;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'];
  if (!schema.type && !intOrString && preserve !== true) {
    if (level === 'root') causes.push(required(`${path}.type`, 'must not be empty at the root'));
    else if (level === 'property') causes.push(required(`${path}.type`, 'must not be empty for specified object fields'));
    else if (level === 'items') causes.push(required(`${path}.type`, 'must not be empty for specified array items'));
  }
  if (level === 'root' && schema.type && schema.type !== 'object') causes.push(invalidValue(`${path}.type`, schema.type, 'must be object at the root'));
  if (preserve === false) causes.push(invalidValue(`${path}.x-kubernetes-preserve-unknown-fields`, false, 'must be true or undefined'));
  if (intOrString && schema.type) causes.push(invalidValue(`${path}.type`, schema.type, 'must be empty to be structural'));
  if (schema['x-kubernetes-embedded-resource'] === true && schema.type !== 'object') causes.push(invalidValue(`${path}.type`, schema.type ?? '', 'must be object if x-kubernetes-embedded-resource is true'));
  if (schema.type === 'array' && schema.items === undefined) causes.push(required(`${path}.items`, 'must be specified'));
  if (schema.uniqueItems === true) causes.push(forbidden(`${path}.uniqueItems`, 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'));
  if (schema.$ref !== undefined) causes.push(forbidden(`${path}.$ref`, '$ref is not supported'));
  if (schema.id) causes.push(forbidden(`${path}.id`, 'id is not supported'));
  if (schema.type === 'null') causes.push(forbidden(`${path}.type`, 'type cannot be set to null'));
  for (const unsupportedKey of ['additionalItems', 'patternProperties', 'definitions', 'dependencies']) {
    if (schema[unsupportedKey] !== undefined) causes.push(forbidden(`${path}.${unsupportedKey}`, `${unsupportedKey} is not supported`));
  }
  if (Array.isArray(schema.items)) causes.push(forbidden(`${path}.items`, 'items must be a schema object and not an array'));
  const listType = schema['x-kubernetes-list-type'];
  if (listType !== undefined && !['atomic', 'set', 'map'].includes(listType)) causes.push(unsupported(`${path}.x-kubernetes-list-type`, listType, ['atomic', 'set', 'map']));
  if (listType === 'map' && (schema['x-kubernetes-list-map-keys'] ?? []).length === 0) causes.push(required(`${path}.x-kubernetes-list-map-keys`, 'must not be empty if x-kubernetes-list-type is map'));
  if (schema.additionalProperties !== undefined && schema.properties && Object.keys(schema.properties).length > 0 && schema.additionalProperties !== true) {
    causes.push(forbidden(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'));
  }
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    if (!isObject(child)) continue;
    const childPath = `${path}.properties[${name}]`;
    if (level === 'root' && name === 'metadata') {
      const keys = Object.keys(child.properties ?? {});
      if (keys.some((k) => k !== 'name' && k !== 'generateName') || Object.keys(child).some((k) => !['type', 'properties', 'description'].includes(k))) {
        causes.push(forbidden(childPath, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
      }
      continue;
    }
    schemaCauses(child, childPath, 'property', causes);
  }
  if (isObject(schema.items)) schemaCauses(schema.items as JSONSchemaProps, `${path}.items`, 'items', causes);
  if (isObject(schema.additionalProperties)) schemaCauses(schema.additionalProperties as JSONSchemaProps, `${path}.additionalProperties`, 'property', causes);
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) (schema[key] ?? []).forEach((s, i) => isObject(s) && schemaCauses(s, `${path}.${key}[${i}]`, 'other', causes));
}

/**
 * The rules' compile errors. A schema the CEL library cannot declare types for (it throws) is
 * refused with the library's reason rather than stored with rules that could never run.
 */
function celCauses(schema: JSONSchemaProps, path: string): StatusCause[] {
  try {
    return compileSchemaValidations(schema, { path }).errors;
  } catch (e) {
    return [{ reason: 'FieldValueInvalid', field: `${path}.x-kubernetes-validations`, message: `Invalid value: "": compilation failed: ${e instanceof Error ? e.message : String(e)}` }];
  }
}

const SIMPLE_PATH = /^(\.[A-Za-z0-9_-]+)+$/;
const COLUMN_TYPES = ['integer', 'number', 'string', 'boolean', 'date'];

function versionCauses(version: CrdVersion, path: string, causes: StatusCause[]): void {
  for (const message of isDNS1035Label(version.name ?? '')) causes.push(invalidValue(`${path}.name`, version.name ?? '', message));
  const schema = version.schema?.openAPIV3Schema;
  if (!isObject(schema)) causes.push(required(`${path}.schema.openAPIV3Schema`, 'schemas are required'));
  else {
    const before = causes.length;
    schemaCauses(schema, `${path}.schema.openAPIV3Schema`, 'root', causes);
    // x-kubernetes-validations compile (with kube's static cost limits) only on a structural schema.
    if (causes.length === before) causes.push(...celCauses(schema, `${path}.schema.openAPIV3Schema`));
  }
  const scale = version.subresources?.scale;
  if (scale) {
    const sub = `${path}.subresources.scale`;
    const check = (field: 'specReplicasPath' | 'statusReplicasPath' | 'labelSelectorPath', under: '.spec.' | '.status.', optional = false): void => {
      const value = scale[field];
      if (!value) {
        if (!optional) causes.push(required(`${sub}.${field}`));
        return;
      }
      if (!value.startsWith('.')) causes.push(invalidValue(`${sub}.${field}`, value, 'must be a simple json path starting with .'));
      else if (!value.startsWith(under)) causes.push(invalidValue(`${sub}.${field}`, value, `should be a json path under ${under.slice(0, -1)}`));
    };
    check('specReplicasPath', '.spec.');
    check('statusReplicasPath', '.status.');
    check('labelSelectorPath', '.status.', true);
  }
  (version.additionalPrinterColumns ?? []).forEach((column, i) => {
    const col = `${path}.additionalPrinterColumns[${i}]`;
    if (!column.name) causes.push(required(`${col}.name`));
    if (!column.type) causes.push(required(`${col}.type`));
    else if (!COLUMN_TYPES.includes(column.type)) causes.push(unsupported(`${col}.type`, column.type, COLUMN_TYPES));
    if (column.format && !['int32', 'int64', 'float', 'double', 'byte', 'date', 'date-time', 'password'].includes(column.format)) {
      causes.push(unsupported(`${col}.format`, column.format, ['int32', 'int64', 'float', 'double', 'byte', 'date', 'date-time', 'password']));
    }
    if (!column.jsonPath) causes.push(required(`${col}.JSONPath`));
    if (column.priority !== undefined && column.priority < 0) causes.push(invalidValue(`${col}.priority`, column.priority, 'must be greater than or equal to 0'));
  });
  const selectable = version.selectableFields ?? [];
  if (selectable.length > 8) causes.push({ reason: 'FieldValueTooMany', field: `${path}.selectableFields`, message: `Too many: ${selectable.length}: must have at most 8 items` });
  const seen = new Set<string>();
  selectable.forEach((f, i) => {
    const field = `${path}.selectableFields[${i}].jsonPath`;
    if (!f.jsonPath) return causes.push(required(field));
    if (!SIMPLE_PATH.test(f.jsonPath)) causes.push(invalidValue(field, f.jsonPath, 'must be a simple json path starting with .'));
    else if (f.jsonPath === '.metadata.name' || f.jsonPath === '.metadata.namespace') causes.push(invalidValue(field, f.jsonPath, 'must not select the metadata.name or metadata.namespace fields'));
    if (seen.has(f.jsonPath)) causes.push({ reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${JSON.stringify(f.jsonPath)}` });
    seen.add(f.jsonPath);
  });
}

/** Every cause kube's CRD validation finds, on create (`old` undefined) or update. */
export function validateCrd(crd: CustomResourceDefinition, old: CustomResourceDefinition | undefined): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = crd.spec;
  if (!isObject(spec)) return [required('spec')];
  const names = spec.names;
  if (names?.plural && spec.group && crd.metadata.name !== `${names.plural}.${spec.group}`) {
    causes.push(invalidValue('metadata.name', crd.metadata.name ?? '', 'must be spec.names.plural+"."+spec.group'));
  }
  if (!spec.group) causes.push(required('spec.group'));
  else {
    for (const message of isDNS1123Subdomain(spec.group)) causes.push(invalidValue('spec.group', spec.group, message));
    if (!spec.group.includes('.')) causes.push(invalidValue('spec.group', spec.group, 'should be a domain with at least one dot'));
  }
  if (!spec.scope) causes.push(required('spec.scope'));
  else if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') causes.push(unsupported('spec.scope', spec.scope, ['Cluster', 'Namespaced']));
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  if (versions.length === 0) causes.push(required('spec.versions', 'must have exactly one version marked as storage version'));
  else if (versions.filter((v) => v.storage).length !== 1) causes.push(invalidValue('spec.versions', 'array', 'must have exactly one version marked as storage version'));
  const versionNames = new Set<string>();
  versions.forEach((version, i) => {
    if (versionNames.has(version.name)) causes.push({ reason: 'FieldValueDuplicate', field: `spec.versions[${i}].name`, message: `Duplicate value: ${JSON.stringify(version.name)}` });
    versionNames.add(version.name);
    versionCauses(version, `spec.versions[${i}]`, causes);
  });
  if (versions.length > 0 && !versions.some((v) => v.served)) causes.push(invalidValue('spec.versions', 'array', 'must have at least one version marked as served'));
  causes.push(...namesCauses(names, 'spec.names'));
  const conversion = spec.conversion;
  if (conversion) {
    if (conversion.strategy !== 'None' && conversion.strategy !== 'Webhook') causes.push(unsupported('spec.conversion.strategy', conversion.strategy, ['None', 'Webhook']));
    if (conversion.strategy === 'None' && conversion.webhook) causes.push(forbidden('spec.conversion.webhook', 'should not be set when strategy is not set to Webhook'));
    if (conversion.strategy === 'Webhook') {
      const config = conversion.webhook?.clientConfig;
      if (!config) causes.push(required('spec.conversion.webhook.clientConfig', 'required when strategy is set to Webhook'));
      else if ((config.url === undefined) === (config.service === undefined)) causes.push(required('spec.conversion.webhook.clientConfig', 'exactly one of url or service is required'));
      else if (typeof config.url === 'string') causes.push(...validateUrl(config.url, 'spec.conversion.webhook.clientConfig.url'));
      else if (isObject(config.service)) causes.push(...validateService(config.service, 'spec.conversion.webhook.clientConfig.service'));
      const reviewVersions = conversion.webhook?.conversionReviewVersions ?? [];
      if (reviewVersions.length === 0) causes.push(required('spec.conversion.webhook.conversionReviewVersions', 'must contain at least one version'));
      else if (!reviewVersions.some((v) => v === 'v1' || v === 'v1beta1')) {
        causes.push(invalidValue('spec.conversion.webhook.conversionReviewVersions', reviewVersions, 'must include at least one of v1, v1beta1'));
      }
    }
  }
  if (spec.preserveUnknownFields === true) causes.push(invalidValue('spec.preserveUnknownFields', true, 'cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead'));
  if (old && isObject(old.spec)) {
    const immutable = (field: string, now: unknown, before: unknown): void => {
      if (JSON.stringify(now) !== JSON.stringify(before)) causes.push(invalidValue(field, now, 'field is immutable'));
    };
    immutable('spec.group', spec.group, old.spec.group);
    immutable('spec.names.plural', names?.plural, old.spec.names?.plural);
    if (isEstablished(old)) {
      immutable('spec.scope', spec.scope, old.spec.scope);
      immutable('spec.names.kind', names?.kind, old.spec.names?.kind);
    }
  }
  const stored = crd.status?.storedVersions ?? [];
  stored.forEach((v, i) => {
    if (!versionNames.has(v)) causes.push(invalidValue(`status.storedVersions[${i}]`, v, 'must appear in spec.versions'));
  });
  return causes;
}

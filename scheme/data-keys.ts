import type { StatusCause } from '../protocol/kube/status.js';

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const CONFIG_KEY_MESSAGE =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

/** kube's IsConfigMapKey, applied to every key of a ConfigMap's or Secret's data map. */
export function validateDataKeys(map: unknown, fieldName: string): StatusCause[] {
  if (!map || typeof map !== 'object') return [];
  const causes: StatusCause[] = [];
  for (const key of Object.keys(map)) {
    if (key.length > 253) {
      causes.push({ type: 'FieldValueInvalid', field: `${fieldName}[${key}]`, message: `Invalid value: "${key}": must be no more than 253 characters` });
    } else if (!CONFIG_KEY.test(key)) {
      causes.push({ type: 'FieldValueInvalid', field: `${fieldName}[${key}]`, message: `Invalid value: "${key}": ${CONFIG_KEY_MESSAGE}` });
    } else if (key === '.' || key === '..' || key.startsWith('..')) {
      causes.push({ type: 'FieldValueInvalid', field: `${fieldName}[${key}]`, message: `Invalid value: "${key}": must not be '.' or '..' or start with '..'` });
    }
  }
  return causes;
}

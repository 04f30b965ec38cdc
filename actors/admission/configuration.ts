// --admission-control-config-file: an AdmissionConfiguration
// (apiserver.config.k8s.io/v1, or the older apiserver.k8s.io/v1alpha1) naming
// each plugin's configuration, inline (`configuration`) or in a file (`path`,
// relative to the configuration file's own directory). Read once, in
// CompletingOptions, so a bad file is one line and exit 1.

import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { yaml } from '../../lib/lazy-yaml.js';

const API_VERSIONS = ['apiserver.config.k8s.io/v1', 'apiserver.k8s.io/v1alpha1'];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function readStructured(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`unable to read ${what} from ${JSON.stringify(path)} [${(e as Error).message}]`);
  }
  try {
    return yaml().parse(text);
  } catch (e) {
    throw new Error(`unable to decode ${what} from ${JSON.stringify(path)}: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** Each plugin's configuration by name; throws with the line to print. */
export function readAdmissionConfiguration(path: string): Map<string, unknown> {
  const file = readStructured(path, 'admission control configuration');
  const configs = new Map<string, unknown>();
  if (!isRecord(file) || file.kind !== 'AdmissionConfiguration' || !API_VERSIONS.includes(String(file.apiVersion))) {
    throw new Error(`${JSON.stringify(path)} is not an AdmissionConfiguration of ${API_VERSIONS.join(' or ')}`);
  }
  const plugins = file.plugins ?? [];
  if (!Array.isArray(plugins)) throw new Error(`${JSON.stringify(path)}: plugins must be a list`);
  for (const entry of plugins) {
    if (!isRecord(entry) || typeof entry.name !== 'string' || entry.name === '') throw new Error(`${JSON.stringify(path)}: every plugin needs a name`);
    if (entry.configuration !== undefined) configs.set(entry.name, entry.configuration);
    else if (typeof entry.path === 'string' && entry.path !== '') {
      const target = isAbsolute(entry.path) ? entry.path : resolve(dirname(path), entry.path);
      configs.set(entry.name, readStructured(target, `admission plugin ${JSON.stringify(entry.name)} configuration`));
    }
  }
  return configs;
}

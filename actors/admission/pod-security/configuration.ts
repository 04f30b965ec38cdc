// PodSecurity's configuration: the PodSecurityConfiguration an
// AdmissionConfiguration gives the plugin (pod-security.admission.config.k8s.io
// v1, v1beta1 or v1alpha1). `defaults` is the policy of a namespace without
// labels (privileged:latest for each mode unless set); `exemptions` lists the
// usernames, namespaces and runtime classes PodSecurity leaves alone. Without
// a configuration the plugin runs with kube's defaults and no exemptions.

import { isDNS1123Label, isDNS1123Subdomain } from '../../../scheme/validate.js';
import { LEVEL_ERROR, parseLevel, parseVersion, VERSION_ERROR, type Policy } from './levels.js';

export const CONFIGURATION_GROUP = 'pod-security.admission.config.k8s.io';
const VERSIONS = ['v1', 'v1beta1', 'v1alpha1'];

export interface PodSecurityConfiguration {
  defaults: Policy;
  exemptions: { usernames: ReadonlySet<string>; namespaces: ReadonlySet<string>; runtimeClasses: ReadonlySet<string> };
}

export const DEFAULT_CONFIGURATION: PodSecurityConfiguration = {
  defaults: { enforce: { level: 'privileged', version: 'latest' }, audit: { level: 'privileged', version: 'latest' }, warn: { level: 'privileged', version: 'latest' } },
  exemptions: { usernames: new Set(), namespaces: new Set(), runtimeClasses: new Set() },
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const quote = (v: unknown): string => JSON.stringify(v);

/** A list of names, each checked by `validate`; duplicates are errors, as kube's are. */
function names(errors: string[], path: string, value: unknown, validate: (name: string) => string | undefined): Set<string> {
  const seen = new Set<string>();
  if (value === undefined || value === null) return seen;
  if (!Array.isArray(value)) {
    errors.push(`${path}: Invalid value: ${quote(value)}: must be a list of strings`);
    return seen;
  }
  value.forEach((name: unknown, i) => {
    const text = typeof name === 'string' ? name : '';
    const problem = typeof name === 'string' ? validate(text) : 'must be a string';
    if (problem) errors.push(`${path}[${i}]: Invalid value: ${quote(name)}: ${problem}`);
    else if (seen.has(text)) errors.push(`${path}[${i}]: Duplicate value: ${quote(text)}`);
    else seen.add(text);
  });
  return seen;
}

const joined = (problems: string[]): string | undefined => (problems.length > 0 ? problems.join(', ') : undefined);

/**
 * Reads a PodSecurityConfiguration; throws, in kube's words, what is wrong with it
 * (the server prints it as one line and exits).
 */
export function parseConfiguration(raw: unknown): PodSecurityConfiguration {
  if (raw === undefined || raw === null) return DEFAULT_CONFIGURATION;
  if (!isRecord(raw)) throw new Error('PodSecurity configuration error: expected a PodSecurityConfiguration object');
  const { apiVersion, kind } = raw;
  if (typeof apiVersion !== 'string' || !VERSIONS.map((v) => `${CONFIGURATION_GROUP}/${v}`).includes(apiVersion) || kind !== 'PodSecurityConfiguration') {
    throw new Error(`PodSecurity configuration error: no kind "${String(kind)}" is registered for version "${String(apiVersion)}"`);
  }
  const errors: string[] = [];
  const defaults = isRecord(raw.defaults) ? raw.defaults : {};
  const policy = structuredClone(DEFAULT_CONFIGURATION.defaults);
  // kube validates them in this order
  for (const mode of ['enforce', 'warn', 'audit'] as const) {
    const level = defaults[mode] || 'privileged';
    const version = defaults[`${mode}-version`] || 'latest';
    const parsedLevel = typeof level === 'string' ? parseLevel(level) : undefined;
    const parsedVersion = typeof version === 'string' ? parseVersion(version) : undefined;
    if (parsedLevel) policy[mode].level = parsedLevel;
    else errors.push(`defaults.${mode}: Invalid value: ${quote(level)}: ${LEVEL_ERROR}`);
    if (parsedVersion) policy[mode].version = parsedVersion;
    else errors.push(`defaults.${mode}-version: Invalid value: ${quote(version)}: ${VERSION_ERROR}`);
  }
  const exemptions = isRecord(raw.exemptions) ? raw.exemptions : {};
  const configuration: PodSecurityConfiguration = {
    defaults: policy,
    exemptions: {
      namespaces: names(errors, 'exemptions.namespaces', exemptions.namespaces, (n) => joined(isDNS1123Label(n))),
      runtimeClasses: names(errors, 'exemptions.runtimeClasses', exemptions.runtimeClasses, (n) => joined(isDNS1123Subdomain(n))),
      usernames: names(errors, 'exemptions.usernames', exemptions.usernames, (n) => (n === '' ? 'username must not be empty' : undefined)),
    },
  };
  if (errors.length > 0) throw new Error(`PodSecurity invalid: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}`);
  return configuration;
}

// Every admission plugin kubeactor knows, in kube-apiserver's order
// (AllOrderedPlugins): the admission actor runs the enabled ones in this
// order, every mutating phase first, then every validating phase.
// Adding a plugin: a file beside this one exporting its registration, and a
// line here at kube's position. `defaultOn` is kube's default-enabled set.

import type { PluginRegistration } from './plugin.js';
import { NAMESPACE_LIFECYCLE } from './namespace-lifecycle.js';
import { LIMIT_RANGER } from './limit-ranger.js';
import { SERVICE_ACCOUNT } from './service-account.js';
import { PRIORITY } from './priority.js';
import { RESOURCE_QUOTA } from './resource-quota.js';
import { OWNER_REFERENCES_PERMISSION_ENFORCEMENT } from './owner-references-permission-enforcement.js';
import { STORAGE_OBJECT_IN_USE_PROTECTION } from './storage-object-in-use-protection.js';
import { CERTIFICATE_SUBJECT_RESTRICTION } from './certificate-subject-restriction.js';
import { CERTIFICATE_SIGNING } from './certificate-signing.js';
import { CERTIFICATE_APPROVAL } from './certificate-approval.js';
import { DEFAULT_INGRESS_CLASS } from './default-ingress-class.js';
import { RUNTIME_CLASS } from './runtime-class.js';
import { PERSISTENT_VOLUME_CLAIM_RESIZE } from './persistent-volume-claim-resize.js';
import { DEFAULT_STORAGE_CLASS } from './default-storage-class.js';
import { DEFAULT_TOLERATION_SECONDS } from './default-toleration-seconds.js';
import { ALWAYS_PULL_IMAGES } from './always-pull-images.js';
import { TAINT_NODES_BY_CONDITION } from './taint-nodes-by-condition.js';
import { VALIDATING_ADMISSION_POLICY } from './validating-admission-policy.js';
import { MUTATING_ADMISSION_POLICY } from './mutating-admission-policy.js';
import { MUTATING_ADMISSION_WEBHOOK } from './webhook/mutating.js';
import { VALIDATING_ADMISSION_WEBHOOK } from './webhook/validating.js';
import { POD_SECURITY_PLUGIN } from './pod-security.js';
import { NODE_RESTRICTION } from './node-restriction.js';

export const PLUGINS: readonly PluginRegistration[] = [
  NAMESPACE_LIFECYCLE,
  LIMIT_RANGER,
  SERVICE_ACCOUNT,
  NODE_RESTRICTION,
  TAINT_NODES_BY_CONDITION,
  ALWAYS_PULL_IMAGES,
  POD_SECURITY_PLUGIN,
  PRIORITY,
  DEFAULT_TOLERATION_SECONDS,
  DEFAULT_STORAGE_CLASS,
  STORAGE_OBJECT_IN_USE_PROTECTION,
  OWNER_REFERENCES_PERMISSION_ENFORCEMENT,
  PERSISTENT_VOLUME_CLAIM_RESIZE,
  RUNTIME_CLASS,
  CERTIFICATE_APPROVAL,
  CERTIFICATE_SIGNING,
  CERTIFICATE_SUBJECT_RESTRICTION,
  DEFAULT_INGRESS_CLASS,
  MUTATING_ADMISSION_POLICY,
  MUTATING_ADMISSION_WEBHOOK,
  VALIDATING_ADMISSION_POLICY,
  VALIDATING_ADMISSION_WEBHOOK,
  RESOURCE_QUOTA,
];

export const PLUGIN_NAMES: readonly string[] = PLUGINS.map((p) => p.name);

/**
 * kube's enabledPluginNames: the default-on plugins and --enable-admission-plugins, less
 * --disable-admission-plugins (an explicit enable wins), in registry order.
 */
export function enabledPlugins(enable: readonly string[], disable: readonly string[], plugins: readonly PluginRegistration[] = PLUGINS): PluginRegistration[] {
  return plugins.filter((p) => enable.includes(p.name) || (p.defaultOn && !disable.includes(p.name)));
}

/** kube's AdmissionOptions.Validate, one line per problem. */
export function admissionFlagErrors(enable: readonly string[], disable: readonly string[], plugins: readonly PluginRegistration[] = PLUGINS): string[] {
  const known = new Set(plugins.map((p) => p.name));
  const errors = [
    ...enable.filter((n) => !known.has(n)).map((n) => `enable-admission-plugins plugin ${JSON.stringify(n)} is unknown`),
    ...disable.filter((n) => !known.has(n)).map((n) => `disable-admission-plugins plugin ${JSON.stringify(n)} is unknown`),
  ];
  const overlap = [...new Set(enable.filter((n) => disable.includes(n)))].sort();
  if (overlap.length > 0) errors.push(`[${overlap.join(' ')}] in enable-admission-plugins and disable-admission-plugins overlapped`);
  return errors;
}

/** Whether an option error is one of admission's (kube-apiserver exits 1 on them). */
export const isAdmissionOptionError = (error: string): boolean =>
  /^(enable|disable)-admission-plugins plugin |in enable-admission-plugins and disable-admission-plugins overlapped$|^failed to read plugin config: |^couldn't init admission plugin /.test(error);

/** kube's InitPlugin errors: each enabled plugin's configuration checked before the server starts. */
export function admissionConfigErrors(plugins: readonly PluginRegistration[], configs: ReadonlyMap<string, unknown>): string[] {
  const errors: string[] = [];
  for (const plugin of plugins) {
    try {
      plugin.checkConfig?.(configs.get(plugin.name));
    } catch (e) {
      errors.push(`couldn't init admission plugin ${JSON.stringify(plugin.name)}: ${(e as Error).message}`);
    }
  }
  return errors;
}

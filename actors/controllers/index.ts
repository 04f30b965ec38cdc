// The built-in controllers kubeactor runs, in start order, and kube-controller-manager's
// --controllers syntax for choosing them. Adding a controller: a folder beside this
// file and a line here (and its role in ./policy.ts).

import type { ControllerDescriptor } from './controller.js';
import { namespaceController } from './namespace/namespace-controller.js';
import { serviceAccountController } from './serviceaccount/serviceaccount-controller.js';
import { rootCaCertPublisher } from './root-ca-cert-publisher/root-ca-cert-publisher.js';
import { garbageCollector } from './garbagecollector/garbage-collector.js';
import { clusterRoleAggregation } from './clusterrole-aggregation/clusterrole-aggregation.js';
import { serviceAccountTokenController } from './serviceaccount-token/serviceaccount-token-controller.js';
import { resourceQuotaController } from './resourcequota/resourcequota-controller.js';
import { pvcProtectionController } from './pvc-protection/pvc-protection-controller.js';
import { pvProtectionController } from './pv-protection/pv-protection-controller.js';
import { ttlAfterFinishedController } from './ttl-after-finished/ttl-after-finished-controller.js';
import { bootstrapSignerController } from './bootstrapsigner/bootstrap-signer-controller.js';
import { tokenCleanerController } from './tokencleaner/token-cleaner-controller.js';
import { csrSigningController } from './csrsigning/csr-signing-controller.js';
import { csrApprovingController } from './csrapproving/csr-approving-controller.js';
import { validatingAdmissionPolicyStatusController } from './validatingadmissionpolicy-status/validatingadmissionpolicy-status-controller.js';

export const CONTROLLERS: readonly ControllerDescriptor[] = [
  namespaceController,
  serviceAccountController,
  rootCaCertPublisher,
  garbageCollector,
  clusterRoleAggregation,
  serviceAccountTokenController,
  resourceQuotaController,
  pvcProtectionController,
  pvProtectionController,
  ttlAfterFinishedController,
  bootstrapSignerController,
  tokenCleanerController,
  csrSigningController,
  csrApprovingController,
  validatingAdmissionPolicyStatusController,
];

/** Every name --controllers knows, canonical and aliases. */
export function knownControllerNames(controllers: readonly ControllerDescriptor[] = CONTROLLERS): string[] {
  return controllers.flatMap((c) => [c.name, ...c.aliases]);
}

/**
 * kube-controller-manager's IsControllerEnabled: the first entry naming a controller (by its name or an
 * alias, `-` in front to disable) decides; otherwise `*` enables it, unless kube leaves it off by default.
 */
export function isControllerEnabled(controller: ControllerDescriptor, flag: readonly string[]): boolean {
  const names = [controller.name, ...controller.aliases];
  let star = false;
  for (const entry of flag) {
    if (names.includes(entry)) return true;
    if (entry.startsWith('-') && names.includes(entry.slice(1))) return false;
    if (entry === '*') star = true;
  }
  return star && !controller.disabledByDefault;
}

/** The --controllers entries kube would refuse, as its message words it. */
export function unknownControllers(flag: readonly string[], controllers: readonly ControllerDescriptor[] = CONTROLLERS): string[] {
  const known = new Set(knownControllerNames(controllers));
  return flag.filter((entry) => entry !== '*' && !known.has(entry.replace(/^-/, ''))).map((entry) => `${JSON.stringify(entry.replace(/^-/, ''))} is not in the list of known controllers`);
}

// Every built-in resource kube-apiserver 1.33 can serve, in discovery order,
// and those it serves with default flags (every GA version; 1.33 enables no
// beta API by default). Each is its generated description
// (scheme/kinds/generic.ts) unless a file here, or a workload description in
// scheme/kinds/workloads/, describes it; the workload descriptions win.
// Adding a kind's behaviour: describe it in a file beside this one and list it
// in `described`.

import type { KindDescription } from '../kind-description.js';
import { generatedResources } from '../generated/resources.js';
import { describeGenerated } from './generic.js';
import { GROUP_PRIORITY, UNSERVED_GROUPS, VERSION_PRIORITY } from './facts.js';
import { workloadKinds } from './workloads/index.js';
import { namespace } from './namespace.js';
import { configMap } from './configmap.js';
import { secret } from './secret.js';
import { serviceAccount } from './service-account.js';
import { service } from './service.js';
import { endpoints } from './endpoints.js';
import { event } from './event.js';
import { customResourceDefinition } from './custom-resource-definition.js';
import { role, clusterRole, roleBinding, clusterRoleBinding } from './rbac.js';
import { mutatingAdmissionPolicy, mutatingAdmissionPolicyBinding, validatingAdmissionPolicy, validatingAdmissionPolicyBinding } from './admission-policy.js';
import { mutatingWebhookConfiguration, validatingWebhookConfiguration } from './webhook-configuration.js';
import { apiService } from './apiservice.js';
import { resourceQuota } from './resource-quota.js';
import { selfSubjectAccessReview, selfSubjectRulesReview, subjectAccessReview, selfSubjectReview } from './reviews.js';

const described: readonly KindDescription[] = [
  apiService,
  configMap,
  customResourceDefinition,
  endpoints,
  event,
  namespace,
  resourceQuota,
  secret,
  serviceAccount,
  service,
  selfSubjectReview,
  selfSubjectAccessReview,
  selfSubjectRulesReview,
  subjectAccessReview,
  clusterRoleBinding,
  clusterRole,
  roleBinding,
  role,
  validatingAdmissionPolicy,
  validatingAdmissionPolicyBinding,
  mutatingAdmissionPolicy,
  mutatingAdmissionPolicyBinding,
  mutatingWebhookConfiguration,
  validatingWebhookConfiguration,
];

const gvrKey = (k: { group: string; version: string; plural: string }): string => `${k.group}/${k.version}/${k.plural}`;

/** kube's version order: GA before beta before alpha, higher numbers first. */
function versionRank(version: string): [number, number, number] {
  const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(version);
  if (!m) return [0, 0, 0];
  const stability = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
  return [stability, Number(m[1]), Number(m[3] ?? 0)];
}

function compareVersions(group: string, a: string, b: string): number {
  const pa = VERSION_PRIORITY[`${group}/${a}`];
  const pb = VERSION_PRIORITY[`${group}/${b}`];
  if (pa !== undefined && pb !== undefined && pa !== pb) return pb - pa;
  const [ra, rb] = [versionRank(a), versionRank(b)];
  for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return rb[i]! - ra[i]!;
  return 0;
}

/** Discovery order: groups by priority (ties by name), versions by priority, resources by name. */
export function discoveryOrder(a: KindDescription, b: KindDescription): number {
  if (a.group !== b.group) {
    const pa = GROUP_PRIORITY[a.group] ?? 0;
    const pb = GROUP_PRIORITY[b.group] ?? 0;
    return pa !== pb ? pb - pa : a.group < b.group ? -1 : 1;
  }
  if (a.version !== b.version) return compareVersions(a.group, a.version, b.version);
  return a.plural < b.plural ? -1 : a.plural > b.plural ? 1 : 0;
}

/** A GA version: what kube-apiserver 1.33 serves without --runtime-config. */
export const isGeneralAvailability = (version: string): boolean => /^v\d+$/.test(version);

function register(): KindDescription[] {
  const own = new Map<string, KindDescription>();
  for (const kind of described) own.set(gvrKey(kind), kind);
  for (const kind of workloadKinds) own.set(gvrKey(kind), kind);
  const kinds = generatedResources
    .filter((r) => !UNSERVED_GROUPS.has(r.group))
    .map((r) => {
      const kind = own.get(gvrKey(r));
      if (!kind) return describeGenerated(r);
      return kind.subresources ? kind : { ...kind, subresources: r.subresources };
    });
  return kinds.sort(discoveryOrder);
}

/** Every resource of every version upstream's 1.33 spec has (alpha and beta included), in discovery order. */
export const allKinds: readonly KindDescription[] = register();

/** What kube-apiserver 1.33 serves with default flags. */
export const builtinKinds: readonly KindDescription[] = allKinds.filter((k) => isGeneralAvailability(k.version));


// The RBAC each controller needs, as kube's bootstrap controller policy grants
// it: a ClusterRole `system:controller:<service account>` bound to that
// service account in kube-system (kube-controller-manager's
// --use-service-account-credentials), and `system:kube-controller-manager`
// for what runs with the manager's own user (the token controller).
// Written by the rbac/bootstrap-roles post-start hook, with kube's policy.

import type { KubeObject } from '../../protocol/kube/meta.js';

const RBAC = 'rbac.authorization.k8s.io';
const API_VERSION = `${RBAC}/v1`;
export const CONTROLLER_MANAGER_USER = 'system:kube-controller-manager';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

const rule = (verbs: string[], apiGroups: string[], resources: string[]): Rule => ({ apiGroups, resources, verbs });
const EVENTS = [rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events'])];

/** Service account → its rules. */
const CONTROLLER_ROLES: Record<string, Rule[]> = {
  'certificate-controller': [
    rule(['delete', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests']),
    rule(['update'], ['certificates.k8s.io'], ['certificatesigningrequests/approval', 'certificatesigningrequests/status']),
    rule(['approve', 'sign'], ['certificates.k8s.io'], ['signers']),
    rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
    ...EVENTS,
  ],
  'clusterrole-aggregation-controller': [rule(['escalate', 'get', 'list', 'patch', 'update', 'watch'], [RBAC], ['clusterroles'])],
  'generic-garbage-collector': [rule(['delete', 'get', 'list', 'patch', 'update', 'watch'], ['*'], ['*']), ...EVENTS],
  'namespace-controller': [
    rule(['delete', 'deletecollection', 'get', 'list', 'watch'], ['*'], ['*']),
    rule(['update'], [''], ['namespaces', 'namespaces/finalize', 'namespaces/status']),
  ],
  'pv-protection-controller': [rule(['get', 'list', 'update', 'watch'], [''], ['persistentvolumes']), ...EVENTS],
  'pvc-protection-controller': [rule(['get', 'list', 'update', 'watch'], [''], ['persistentvolumeclaims']), rule(['get', 'list', 'watch'], [''], ['pods']), ...EVENTS],
  'resourcequota-controller': [rule(['list', 'watch'], ['*'], ['*']), rule(['update'], [''], ['resourcequotas/status']), ...EVENTS],
  'root-ca-cert-publisher': [rule(['create', 'update'], [''], ['configmaps']), ...EVENTS],
  'service-account-controller': [rule(['create'], [''], ['serviceaccounts']), ...EVENTS],
  'ttl-after-finished-controller': [rule(['delete', 'get', 'list', 'watch'], ['batch'], ['jobs']), ...EVENTS],
  // kube grants these two as Roles in kube-system and kube-public; here one ClusterRole each, with the same verbs.
  'bootstrap-signer': [rule(['get', 'list', 'watch'], [''], ['secrets']), rule(['get', 'list', 'watch', 'update'], [''], ['configmaps']), ...EVENTS],
  'token-cleaner': [rule(['delete', 'get', 'list', 'watch'], [''], ['secrets']), ...EVENTS],
  'validatingadmissionpolicy-status-controller': [
    rule(['get', 'list', 'watch'], ['admissionregistration.k8s.io'], ['validatingadmissionpolicies']),
    rule(['get', 'patch', 'update'], ['admissionregistration.k8s.io'], ['validatingadmissionpolicies/status']),
    ...EVENTS,
  ],
};

const metadata = (name: string): KubeObject['metadata'] => ({
  name,
  labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
  annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
});

/** Roles first, then the bindings that name them. */
export function controllerPolicy(): KubeObject[] {
  const roles: KubeObject[] = [];
  const bindings: KubeObject[] = [];
  for (const [account, rules] of Object.entries(CONTROLLER_ROLES)) {
    const name = `system:controller:${account}`;
    roles.push({ apiVersion: API_VERSION, kind: 'ClusterRole', metadata: metadata(name), rules });
    bindings.push({
      apiVersion: API_VERSION, kind: 'ClusterRoleBinding', metadata: metadata(name),
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name: account, namespace: 'kube-system' }],
    });
  }
  roles.push({
    apiVersion: API_VERSION, kind: 'ClusterRole', metadata: metadata(CONTROLLER_MANAGER_USER),
    rules: [
      rule(['create', 'delete', 'get', 'list', 'update', 'watch'], [''], ['secrets']), rule(['get', 'list', 'watch'], [''], ['serviceaccounts']),
      // leader election (kube names the Lease in resourceNames; --leader-elect-resource-name may rename it here)
      rule(['create', 'get', 'update'], ['coordination.k8s.io'], ['leases']),
      ...EVENTS,
    ],
  });
  bindings.push({
    apiVersion: API_VERSION, kind: 'ClusterRoleBinding', metadata: metadata(CONTROLLER_MANAGER_USER),
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: CONTROLLER_MANAGER_USER },
    subjects: [{ apiGroup: RBAC, kind: 'User', name: CONTROLLER_MANAGER_USER }],
  });
  // kube's bootstrap roles for the CSR subresources csrapproving asks about (bound by whoever joins nodes, as kubeadm does).
  for (const subresource of ['nodeclient', 'selfnodeclient']) {
    roles.push({
      apiVersion: API_VERSION, kind: 'ClusterRole', metadata: metadata(`system:certificates.k8s.io:certificatesigningrequests:${subresource}`),
      rules: [rule(['create'], ['certificates.k8s.io'], [`certificatesigningrequests/${subresource}`])],
    });
  }
  return [...roles, ...bindings];
}

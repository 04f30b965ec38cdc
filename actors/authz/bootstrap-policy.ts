// The RBAC objects every cluster starts with (kube's bootstrap policy),
// written as data. Each carries kube's bootstrapping label and autoupdate
// annotation.

import type { KubeObject } from '../../protocol/kube/meta.js';
import type { PolicyRule } from './rbac.js';

const RBAC = 'rbac.authorization.k8s.io';
const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];

const meta = (name: string, labels: Record<string, string> = {}): KubeObject['metadata'] => ({
  name,
  labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults', ...labels },
  annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
});

function clusterRole(name: string, rules: PolicyRule[], extra: Partial<KubeObject> = {}, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: meta(name, labels), rules, ...extra };
}

function clusterRoleBinding(name: string, role: string, groups: string[]): KubeObject {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: meta(name),
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
    subjects: groups.map((g) => ({ apiGroup: RBAC, kind: 'Group', name: g })),
  };
}

const aggregatedTo = (role: string): Record<string, string> => ({ [`rbac.authorization.k8s.io/aggregate-to-${role}`]: 'true' });

/** The namespaced workloads and config that view, edit and admin cover. */
const VIEWABLE: PolicyRule[] = [
  { apiGroups: [''], resources: ['configmaps', 'endpoints', 'persistentvolumeclaims', 'pods', 'replicationcontrollers', 'serviceaccounts', 'services', 'events', 'limitranges', 'resourcequotas', 'namespaces', 'pods/log', 'pods/status'], verbs: READ },
  { apiGroups: ['apps'], resources: ['deployments', 'daemonsets', 'replicasets', 'statefulsets', 'deployments/scale', 'statefulsets/scale', 'replicasets/scale'], verbs: READ },
  { apiGroups: ['batch'], resources: ['cronjobs', 'jobs'], verbs: READ },
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'networkpolicies'], verbs: READ },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: READ },
];

const EDITABLE: PolicyRule[] = [
  { apiGroups: [''], resources: ['configmaps', 'endpoints', 'persistentvolumeclaims', 'pods', 'replicationcontrollers', 'serviceaccounts', 'services', 'secrets', 'pods/exec', 'pods/attach', 'pods/portforward'], verbs: WRITE },
  { apiGroups: [''], resources: ['secrets'], verbs: READ },
  { apiGroups: ['apps'], resources: ['deployments', 'daemonsets', 'replicasets', 'statefulsets', 'deployments/scale', 'statefulsets/scale', 'replicasets/scale'], verbs: WRITE },
  { apiGroups: ['batch'], resources: ['cronjobs', 'jobs'], verbs: WRITE },
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'networkpolicies'], verbs: WRITE },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: WRITE },
  { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] },
];

const ADMINISTRABLE: PolicyRule[] = [
  { apiGroups: [RBAC], resources: ['roles', 'rolebindings'], verbs: [...READ, ...WRITE] },
  { apiGroups: ['authorization.k8s.io'], resources: ['localsubjectaccessreviews'], verbs: ['create'] },
];

export function bootstrapPolicy(): KubeObject[] {
  return [
    clusterRole('cluster-admin', [
      { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
      { nonResourceURLs: ['*'], verbs: ['*'] },
    ]),
    clusterRole('system:discovery', [
      { nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'], verbs: ['get'] },
    ]),
    clusterRole('system:basic-user', [
      { apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], verbs: ['create'] },
      { apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'], verbs: ['create'] },
    ]),
    clusterRole('system:public-info-viewer', [
      { nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'], verbs: ['get'] },
    ]),
    clusterRole('system:aggregate-to-view', VIEWABLE, {}, aggregatedTo('view')),
    clusterRole('system:aggregate-to-edit', EDITABLE, {}, aggregatedTo('edit')),
    clusterRole('system:aggregate-to-admin', ADMINISTRABLE, {}, aggregatedTo('admin')),
    // Aggregated roles: their rules are the union of the roles their selectors pick.
    clusterRole('view', VIEWABLE, { aggregationRule: { clusterRoleSelectors: [{ matchLabels: aggregatedTo('view') }] } }, aggregatedTo('edit')),
    clusterRole('edit', [...VIEWABLE, ...EDITABLE], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: aggregatedTo('edit') }] } }, aggregatedTo('admin')),
    clusterRole('admin', [...VIEWABLE, ...EDITABLE, ...ADMINISTRABLE], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: aggregatedTo('admin') }] } }),
    clusterRoleBinding('cluster-admin', 'cluster-admin', ['system:masters']),
    clusterRoleBinding('system:discovery', 'system:discovery', ['system:authenticated']),
    clusterRoleBinding('system:basic-user', 'system:basic-user', ['system:authenticated']),
    clusterRoleBinding('system:public-info-viewer', 'system:public-info-viewer', ['system:authenticated', 'system:unauthenticated']),
  ];
}

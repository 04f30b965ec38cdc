// The RBAC objects every cluster starts with: the part of kube's bootstrap
// policy a lone API server needs. Lists are sorted, as kube's rule builder
// leaves them, so the objects read the same as a real cluster's.

import type { KubeObject } from '../../protocol/kube/meta.js';
import { aggregateClusterRoles, type PolicyRule } from './rbac.js';

const RBAC = 'rbac.authorization.k8s.io';
const API_VERSION = `${RBAC}/v1`;

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const READ_WRITE = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const BOOTSTRAPPING_LABEL = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
const AUTOUPDATE_ANNOTATION = { 'rbac.authorization.kubernetes.io/autoupdate': 'true' };

type AggregateTarget = 'admin' | 'edit' | 'view';
const aggregateTo = (role: AggregateTarget): Record<string, string> => ({ [`${RBAC}/aggregate-to-${role}`]: 'true' });

function metadata(name: string, labels: Record<string, string> = {}): KubeObject['metadata'] {
  return { name, labels: { ...BOOTSTRAPPING_LABEL, ...labels }, annotations: { ...AUTOUPDATE_ANNOTATION } };
}

const rule = (verbs: string[], apiGroups: string[], resources: string[]): PolicyRule => ({ apiGroups, resources, verbs });
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ nonResourceURLs, verbs });

interface ClusterRoleSpec {
  name: string;
  rules: PolicyRule[];
  labels?: Record<string, string>;
  aggregatesFrom?: AggregateTarget;
}

const CLUSTER_ROLES: readonly ClusterRoleSpec[] = [
  {
    name: 'cluster-admin',
    rules: [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])],
  },
  {
    // Just enough to negotiate API versions.
    name: 'system:discovery',
    rules: [urls(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'])],
  },
  {
    // Lets any signed-in user learn about themselves.
    name: 'system:basic-user',
    rules: [
      rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
      rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
    ],
  },
  {
    // What even anonymous callers may read: health and version.
    name: 'system:public-info-viewer',
    rules: [urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])],
  },
  {
    // The service account issuer's discovery documents, for relying parties.
    name: 'system:service-account-issuer-discovery',
    rules: [urls(['get'], ['/.well-known/openid-configuration', '/.well-known/openid-configuration/', '/openid/v1/jwks', '/openid/v1/jwks/'])],
  },
  {
    // Scrapers: kube's system:monitoring group reads metrics and every health check.
    name: 'system:monitoring',
    rules: [urls(['get'], ['/healthz', '/healthz/*', '/livez', '/livez/*', '/metrics', '/metrics/slis', '/readyz', '/readyz/*'])],
  },
  {
    name: 'system:aggregate-to-admin',
    labels: aggregateTo('admin'),
    rules: [
      rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']),
      rule(READ_WRITE, [RBAC], ['rolebindings', 'roles']),
    ],
  },
  {
    // Everything a namespace's users do, but not its quota, limits or /status.
    name: 'system:aggregate-to-edit',
    labels: aggregateTo('edit'),
    rules: [
      rule(READ, [''], ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy']),
      rule(['impersonate'], [''], ['serviceaccounts']),
      rule(WRITE, [''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy']),
      rule(['create'], [''], ['pods/eviction']),
      rule(WRITE, [''], [
        'configmaps', 'events', 'persistentvolumeclaims', 'replicationcontrollers', 'replicationcontrollers/scale',
        'secrets', 'serviceaccounts', 'services', 'services/proxy',
      ]),
      rule(['create'], [''], ['serviceaccounts/token']),
      rule(WRITE, ['apps'], [
        'daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets', 'replicasets/scale',
        'statefulsets', 'statefulsets/scale',
      ]),
      rule(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
      rule(WRITE, ['batch'], ['cronjobs', 'jobs']),
      rule(WRITE, ['extensions'], [
        'daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'ingresses', 'networkpolicies',
        'replicasets', 'replicasets/scale', 'replicationcontrollers/scale',
      ]),
      rule(WRITE, ['policy'], ['poddisruptionbudgets']),
      rule(WRITE, ['networking.k8s.io'], ['ingresses', 'networkpolicies']),
      rule(READ_WRITE, ['coordination.k8s.io'], ['leases']),
    ],
  },
  {
    // Read-only, and only what cannot be used to escalate: no secrets.
    name: 'system:aggregate-to-view',
    labels: aggregateTo('view'),
    rules: [
      rule(READ, [''], [
        'configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods',
        'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status',
      ]),
      rule(READ, [''], [
        'bindings', 'events', 'limitranges', 'namespaces/status', 'pods/log', 'pods/status',
        'replicationcontrollers/status', 'resourcequotas', 'resourcequotas/status',
      ]),
      // Reading namespaces through a RoleBinding shows which namespaces one may use.
      rule(READ, [''], ['namespaces']),
      rule(READ, ['discovery.k8s.io'], ['endpointslices']),
      rule(READ, ['apps'], [
        'controllerrevisions', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status',
        'replicasets', 'replicasets/scale', 'replicasets/status', 'statefulsets', 'statefulsets/scale', 'statefulsets/status',
      ]),
      rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
      rule(READ, ['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
      rule(READ, ['extensions'], [
        'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses',
        'ingresses/status', 'networkpolicies', 'replicasets', 'replicasets/scale', 'replicasets/status',
        'replicationcontrollers/scale',
      ]),
      rule(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
      rule(READ, ['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies']),
    ],
  },
  // The user-facing roles are unions of the roles labelled for them; admin
  // takes in edit, and edit takes in view, through the same labels.
  { name: 'admin', rules: [], aggregatesFrom: 'admin' },
  { name: 'edit', rules: [], labels: aggregateTo('admin'), aggregatesFrom: 'edit' },
  { name: 'view', rules: [], labels: aggregateTo('edit'), aggregatesFrom: 'view' },
];

const CLUSTER_ROLE_BINDINGS: readonly { name: string; groups: readonly string[] }[] = [
  { name: 'cluster-admin', groups: ['system:masters'] },
  { name: 'system:basic-user', groups: ['system:authenticated'] },
  { name: 'system:discovery', groups: ['system:authenticated'] },
  { name: 'system:monitoring', groups: ['system:monitoring'] },
  { name: 'system:service-account-issuer-discovery', groups: ['system:serviceaccounts'] },
  { name: 'system:public-info-viewer', groups: ['system:authenticated', 'system:unauthenticated'] },
];

function clusterRoleObject(spec: ClusterRoleSpec): KubeObject {
  const object: KubeObject = { apiVersion: API_VERSION, kind: 'ClusterRole', metadata: metadata(spec.name, spec.labels), rules: spec.rules };
  if (spec.aggregatesFrom) object.aggregationRule = { clusterRoleSelectors: [{ matchLabels: aggregateTo(spec.aggregatesFrom) }] };
  return object;
}

/** The bootstrap ClusterRoles, aggregated roles already filled; fresh copies on each call. */
export function bootstrapClusterRoles(): KubeObject[] {
  const roles = CLUSTER_ROLES.map(clusterRoleObject);
  // Filled as kube's aggregation controller would fill them, so they read
  // right before anything has run.
  const effective = aggregateClusterRoles(roles);
  const filled = roles.map((role) => (role.aggregationRule ? { ...role, rules: effective.get(role.metadata.name!) ?? [] } : role));
  // Rules share the verb lists above; callers get their own copies to change.
  return structuredClone(filled);
}

export function bootstrapClusterRoleBindings(): KubeObject[] {
  return CLUSTER_ROLE_BINDINGS.map(({ name, groups }) => ({
    apiVersion: API_VERSION,
    kind: 'ClusterRoleBinding',
    metadata: metadata(name),
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name },
    subjects: groups.map((group) => ({ apiGroup: RBAC, kind: 'Group', name: group })),
  }));
}

/** Every bootstrap object, roles before the bindings that refer to them. */
export function bootstrapPolicy(): KubeObject[] {
  return [...bootstrapClusterRoles(), ...bootstrapClusterRoleBindings()];
}

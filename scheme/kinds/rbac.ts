// The four RBAC kinds. Their names are path segments, not DNS names, as in kube.

import type { KindDescription, ColumnSpec } from '../kind-description.js';
import type { KubeObject } from '../../protocol/kube/meta.js';
import type { StatusCause } from '../../protocol/kube/status.js';
import { ageColumn, createdAtColumn, field, nameColumn } from '../columns.js';
import { ALL_VERBS } from '../verbs.js';

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

function subjectsOf(o: KubeObject, kind: string): string {
  return ((o.subjects as Subject[] | undefined) ?? [])
    .filter((s) => s.kind === kind)
    .map((s) => (kind === 'ServiceAccount' ? `${s.namespace ?? ''}/${s.name}` : s.name))
    .join(', ');
}

const bindingColumns: readonly ColumnSpec[] = [
  nameColumn,
  { name: 'Role', type: 'string', description: 'The role bound.', cell: (o) => `${field(o, 'roleRef', 'kind')}/${field(o, 'roleRef', 'name')}` },
  ageColumn,
  { name: 'Users', type: 'string', priority: 1, description: 'Users bound.', cell: (o) => subjectsOf(o, 'User') },
  { name: 'Groups', type: 'string', priority: 1, description: 'Groups bound.', cell: (o) => subjectsOf(o, 'Group') },
  { name: 'ServiceAccounts', type: 'string', priority: 1, description: 'Service accounts bound.', cell: (o) => subjectsOf(o, 'ServiceAccount') },
];

/** kube's rbac/v1 defaulting: roleRef and User/Group subjects are in the RBAC group unless they say otherwise. */
function defaultBinding(object: KubeObject): void {
  const roleRef = object.roleRef as { apiGroup?: string } | undefined;
  if (roleRef && !roleRef.apiGroup) roleRef.apiGroup = 'rbac.authorization.k8s.io';
  for (const subject of (object.subjects as (Subject & { apiGroup?: string })[] | undefined) ?? []) {
    if (subject.apiGroup === undefined && (subject.kind === 'User' || subject.kind === 'Group')) subject.apiGroup = 'rbac.authorization.k8s.io';
  }
}

/** kube's ValidateRoleBindingUpdate: a binding's roleRef cannot change (escalation checks rely on it). */
function validateBinding(object: KubeObject, old: KubeObject | undefined): StatusCause[] {
  if (!old) return [];
  const ref = (o: KubeObject): { apiGroup?: unknown; kind?: unknown; name?: unknown } => (o.roleRef ?? {}) as never;
  const now = ref(object);
  const before = ref(old);
  if (now.apiGroup === before.apiGroup && now.kind === before.kind && now.name === before.name) return [];
  const text = (v: unknown): string => JSON.stringify(typeof v === 'string' ? v : '');
  return [{ reason: 'FieldValueInvalid', field: 'roleRef', message: `Invalid value: rbac.RoleRef{APIGroup:${text(now.apiGroup)}, Kind:${text(now.kind)}, Name:${text(now.name)}}: cannot change roleRef` }];
}

const rbacKind = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  shortNames: [],
  categories: [],
  verbs: ALL_VERBS,
  servedBy: 'store',
  tracksGeneration: false,
  nameFormat: 'path-segment',
} as const;

export const role: KindDescription = {
  ...rbacKind,
  kind: 'Role',
  plural: 'roles',
  singular: 'role',
  namespaced: true,
  definition: 'io.k8s.api.rbac.v1.Role',
  columns: [nameColumn, createdAtColumn],
};

export const clusterRole: KindDescription = {
  ...rbacKind,
  kind: 'ClusterRole',
  plural: 'clusterroles',
  singular: 'clusterrole',
  namespaced: false,
  definition: 'io.k8s.api.rbac.v1.ClusterRole',
  columns: [nameColumn, createdAtColumn],
};

export const roleBinding: KindDescription = {
  ...rbacKind,
  kind: 'RoleBinding',
  plural: 'rolebindings',
  singular: 'rolebinding',
  namespaced: true,
  definition: 'io.k8s.api.rbac.v1.RoleBinding',
  columns: bindingColumns,
  defaults: defaultBinding,
  validate: validateBinding,
};

export const clusterRoleBinding: KindDescription = {
  ...rbacKind,
  kind: 'ClusterRoleBinding',
  plural: 'clusterrolebindings',
  singular: 'clusterrolebinding',
  namespaced: false,
  definition: 'io.k8s.api.rbac.v1.ClusterRoleBinding',
  columns: bindingColumns,
  defaults: defaultBinding,
  validate: validateBinding,
};

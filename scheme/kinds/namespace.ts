import type { KindDescription } from '../kind-description.js';
import { ageColumn, field, nameColumn } from '../columns.js';
import { ALL_VERBS } from '../verbs.js';

export const namespace: KindDescription = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  plural: 'namespaces',
  singular: 'namespace',
  shortNames: ['ns'],
  categories: [],
  namespaced: false,
  verbs: ALL_VERBS.filter((v) => v !== 'deletecollection'),
  definition: 'io.k8s.api.core.v1.Namespace',
  servedBy: 'store',
  tracksGeneration: false,
  nameFormat: 'dns1123-label',
  columns: [
    nameColumn,
    { name: 'Status', type: 'string', description: 'The phase of the namespace.', cell: (o) => field(o, 'status', 'phase') ?? '' },
    ageColumn,
  ],
  // spec.finalizers holds the namespace controller's finalizer: a deleted
  // namespace goes only once the controller has emptied it.
  pendingFinalizers: (object) => [...(object.metadata.finalizers ?? []), ...(((object.spec as { finalizers?: string[] } | undefined)?.finalizers) ?? [])],
  beginDeletion(object) {
    object.status = { ...(object.status as object | undefined), phase: 'Terminating' };
  },
  defaults(object) {
    // kube's namespace strategy labels every namespace with its name (selectors match on it).
    if (object.metadata.name) object.metadata.labels = { ...object.metadata.labels, 'kubernetes.io/metadata.name': object.metadata.name };
    // The namespace controller's finalizer: deletion waits until the namespace is emptied.
    const spec = (object.spec ??= {}) as Record<string, unknown>;
    spec.finalizers ??= ['kubernetes'];
    const status = (object.status ?? {}) as { phase?: string };
    object.status = { ...status, phase: object.metadata.deletionTimestamp ? 'Terminating' : 'Active' };
  },
};

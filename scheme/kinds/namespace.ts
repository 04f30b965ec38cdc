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
  defaults(object) {
    // The namespace controller's finalizer: deletion waits until the namespace is emptied.
    const spec = (object.spec ??= {}) as Record<string, unknown>;
    spec.finalizers ??= ['kubernetes'];
    object.status = { ...(object.status as object | undefined), phase: 'Active' };
  },
};

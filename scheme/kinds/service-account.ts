import type { KindDescription } from '../kind-description.js';
import { ageColumn, nameColumn } from '../columns.js';
import { ALL_VERBS } from '../verbs.js';

export const serviceAccount: KindDescription = {
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  plural: 'serviceaccounts',
  singular: 'serviceaccount',
  shortNames: ['sa'],
  categories: [],
  namespaced: true,
  verbs: ALL_VERBS,
  definition: 'io.k8s.api.core.v1.ServiceAccount',
  servedBy: 'store',
  tracksGeneration: false,
  columns: [
    nameColumn,
    { name: 'Secrets', type: 'string', description: 'Number of secrets.', cell: (o) => (Array.isArray(o.secrets) ? o.secrets.length : 0) },
    ageColumn,
  ],
};

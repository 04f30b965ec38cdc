import type { KindDescription } from '../kind-description.js';
import { ageColumn, countKeys, nameColumn } from '../columns.js';
import { ALL_VERBS } from '../verbs.js';
import { validateConfigMapKeys } from '../validate.js';

export const configMap: KindDescription = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  singular: 'configmap',
  shortNames: ['cm'],
  categories: [],
  namespaced: true,
  verbs: ALL_VERBS,
  definition: 'io.k8s.api.core.v1.ConfigMap',
  servedBy: 'store',
  tracksGeneration: false,
  columns: [
    nameColumn,
    { name: 'Data', type: 'integer', description: 'Number of data and binaryData keys.', cell: (o) => countKeys(o.data, o.binaryData) },
    ageColumn,
  ],
  validate: (object) => [...validateConfigMapKeys(object.data, 'data'), ...validateConfigMapKeys(object.binaryData, 'binaryData')],
};

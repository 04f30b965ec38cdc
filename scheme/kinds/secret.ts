import type { KindDescription } from '../kind-description.js';
import { ageColumn, countKeys, nameColumn } from '../columns.js';
import { ALL_VERBS } from '../verbs.js';
import { validateConfigMapKeys } from '../validate.js';

export const secret: KindDescription = {
  group: '',
  version: 'v1',
  kind: 'Secret',
  plural: 'secrets',
  singular: 'secret',
  shortNames: [],
  categories: [],
  namespaced: true,
  verbs: ALL_VERBS,
  definition: 'io.k8s.api.core.v1.Secret',
  servedBy: 'store',
  tracksGeneration: false,
  columns: [
    nameColumn,
    { name: 'Type', type: 'string', description: 'The type of the secret.', cell: (o) => o.type ?? '' },
    { name: 'Data', type: 'integer', description: 'Number of data keys.', cell: (o) => countKeys(o.data) },
    ageColumn,
  ],
  defaults(object) {
    object.type ??= 'Opaque';
    // stringData is write-only: kube folds it into data on every write.
    const stringData = object.stringData as Record<string, string> | undefined;
    if (stringData && typeof stringData === 'object') {
      const data = (object.data ??= {}) as Record<string, string>;
      for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v)).toString('base64');
      delete object.stringData;
    }
  },
  validate: (object) => validateConfigMapKeys(object.data, 'data'),
};

import type { KindDescription } from '../kind-description.js';
import { ageColumn, nameColumn } from '../columns.js';
import { ALL_VERBS } from '../verbs.js';

interface Subset {
  addresses?: { ip: string }[];
  ports?: { port: number }[];
}

export const endpoints: KindDescription = {
  group: '',
  version: 'v1',
  kind: 'Endpoints',
  plural: 'endpoints',
  storagePrefix: 'services/endpoints',
  singular: 'endpoints',
  shortNames: ['ep'],
  categories: [],
  namespaced: true,
  verbs: ALL_VERBS,
  definition: 'io.k8s.api.core.v1.Endpoints',
  servedBy: 'store',
  tracksGeneration: false,
  columns: [
    nameColumn,
    {
      name: 'Endpoints',
      type: 'string',
      description: 'Endpoint addresses.',
      cell: (o) =>
        ((o.subsets as Subset[] | undefined) ?? [])
          .flatMap((s) => (s.addresses ?? []).flatMap((a) => (s.ports ?? []).map((p) => `${a.ip}:${p.port}`)))
          .join(',') || '<none>',
    },
    ageColumn,
  ],
};

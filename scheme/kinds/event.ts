import type { KindDescription } from '../kind-description.js';
import { ageOf, field, nameColumn } from '../columns.js';
import { ALL_VERBS } from '../verbs.js';

export const event: KindDescription = {
  group: '',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  singular: 'event',
  shortNames: ['ev'],
  categories: [],
  namespaced: true,
  verbs: ALL_VERBS,
  definition: 'io.k8s.api.core.v1.Event',
  servedBy: 'store',
  tracksGeneration: false,
  garbageCollectionPolicy: 'Unsupported',
  columns: [
    {
      name: 'Last Seen',
      type: 'string',
      description: 'Time since the event was last seen.',
      cell: (o) => ageOf(o.lastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp),
    },
    { name: 'Type', type: 'string', description: 'Normal or Warning.', cell: (o) => o.type ?? '' },
    { name: 'Reason', type: 'string', description: 'Why the event happened.', cell: (o) => o.reason ?? '' },
    {
      name: 'Object',
      type: 'string',
      description: 'The object the event is about.',
      cell: (o) => `${String(field(o, 'involvedObject', 'kind') ?? '').toLowerCase()}/${field(o, 'involvedObject', 'name') ?? ''}`,
    },
    { name: 'Message', type: 'string', description: 'What happened.', cell: (o) => o.message ?? '' },
    { ...nameColumn, priority: 1 },
  ],
};

// apps/v1 ReplicaSet: replicas 1 and its pod template's defaults,
// ValidateReplicaSet with its immutable selector, and kube's printer:
// DESIRED CURRENT READY AGE, then CONTAINERS IMAGES SELECTOR.

import type { ColumnSpec, KindDescription } from '../../kind-description.js';
import { ageColumn, nameColumn } from '../../columns.js';
import { ALL_VERBS } from '../../verbs.js';
import { child, nonNegative } from './field-errors.js';
import { containerColumns, integerColumn, selectorColumn } from './columns.js';
import { defaultTemplateOf, immutableSelector, replicaTemplate, requiredSelector, specOf } from './controller.js';

/** DESIRED, CURRENT and READY: kube's columns for ReplicaSets and ReplicationControllers alike. */
export const replicaColumns: readonly ColumnSpec[] = [
    integerColumn('Desired', 'Replicas wanted.', 'spec', 'replicas'),
    integerColumn('Current', 'Replicas that exist.', 'status', 'replicas'),
    integerColumn('Ready', 'Replicas that are ready.', 'status', 'readyReplicas'),
];

export const replicaSet: KindDescription = {
  group: 'apps',
  version: 'v1',
  kind: 'ReplicaSet',
  plural: 'replicasets',
  singular: 'replicaset',
  shortNames: ['rs'],
  categories: ['all'],
  namespaced: true,
  verbs: ALL_VERBS,
  definition: 'io.k8s.api.apps.v1.ReplicaSet',
  servedBy: 'store',
  tracksGeneration: true,
  columns: [
    nameColumn,
    ...replicaColumns,
    ageColumn,
    ...containerColumns(['spec', 'template', 'spec']),
    selectorColumn(['spec', 'selector']),
  ],
  defaults(object) {
    const spec = child(object, 'spec');
    spec.replicas ??= 1;
    defaultTemplateOf(spec);
  },
  prepareForCreate(object) {
    object.status = { replicas: 0 };
  },
  validate(object, old) {
    const spec = specOf(object);
    const causes = [
      ...nonNegative(spec.replicas, 'spec.replicas'),
      ...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'),
      ...requiredSelector(spec, 'deployment'),
      ...replicaTemplate(spec, 'ReplicaSet'),
    ];
    if (old) causes.push(...immutableSelector(spec, specOf(old)));
    return causes;
  },
};

// core/v1 ReplicationController: SetDefaults_ReplicationController (selector
// and labels from the template, replicas 1) and its template's defaults,
// ValidateReplicationController, and kube's printer: DESIRED CURRENT READY
// AGE, then CONTAINERS IMAGES SELECTOR.

import type { KindDescription } from '../../kind-description.js';
import { ageColumn, field, nameColumn } from '../../columns.js';
import { ALL_VERBS } from '../../verbs.js';
import { child, goStringMap, invalid, isObj, nonNegative, required } from './field-errors.js';
import { containerColumns } from './columns.js';
import { replicaColumns } from './replica-set.js';
import { defaultTemplateOf, SELECTOR_MISMATCH, specOf, templateLabels } from './controller.js';
import { alwaysRestarts, validatePodTemplate } from './pod-spec.js';
import { formatLabels, validateLabels } from './selector.js';

export const replicationController: KindDescription = {
  group: '',
  version: 'v1',
  kind: 'ReplicationController',
  plural: 'replicationcontrollers',
  singular: 'replicationcontroller',
  shortNames: ['rc'],
  categories: ['all'],
  namespaced: true,
  verbs: ALL_VERBS,
  definition: 'io.k8s.api.core.v1.ReplicationController',
  servedBy: 'store',
  tracksGeneration: true,
  columns: [
    nameColumn,
    ...replicaColumns,
    ageColumn,
    ...containerColumns(['spec', 'template', 'spec']),
    { name: 'Selector', type: 'string', priority: 1, description: 'The label selector.', cell: (o) => formatLabels(field(o, 'spec', 'selector')) },
  ],
  defaults(object) {
    const spec = child(object, 'spec');
    const labels = templateLabels(spec.template);
    if (isObj(labels)) {
      if (!isObj(spec.selector) || Object.keys(spec.selector).length === 0) spec.selector = { ...labels };
      if (!object.metadata.labels || Object.keys(object.metadata.labels).length === 0) object.metadata.labels = { ...labels } as Record<string, string>;
    }
    spec.replicas ??= 1;
    defaultTemplateOf(spec);
  },
  prepareForCreate(object) {
    object.status = { replicas: 0 };
  },
  validate(object) {
    const spec = specOf(object);
    const causes = [...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds')];
    const selector = isObj(spec.selector) ? spec.selector : {};
    if (Object.keys(selector).length === 0) causes.push(required('spec.selector'));
    else causes.push(...validateLabels(selector, 'spec.selector'));
    causes.push(...nonNegative(spec.replicas, 'spec.replicas'));
    if (!isObj(spec.template)) return [...causes, required('spec.template')];
    const labels = templateLabels(spec.template);
    const set = isObj(labels) ? labels : {};
    if (Object.keys(selector).length > 0 && !Object.entries(selector).every(([k, v]) => set[k] === v)) {
      causes.push(invalid('spec.template.metadata.labels', undefined, SELECTOR_MISMATCH, goStringMap(labels)));
    }
    causes.push(...validatePodTemplate(spec.template, 'spec.template'));
    causes.push(
      ...alwaysRestarts(spec.template, 'spec.template').map((c) =>
        c.reason === 'FieldValueForbidden' ? { ...c, message: 'Forbidden: activeDeadlineSeconds in ReplicationController is not Supported' } : c,
      ),
    );
    return causes;
  },
};

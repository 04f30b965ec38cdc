// core/v1 PodTemplate: its template's defaults and validation, and kube's
// printer: CONTAINERS IMAGES POD LABELS.

import type { KindDescription } from '../../kind-description.js';
import { field, nameColumn } from '../../columns.js';
import { ALL_VERBS } from '../../verbs.js';
import { objects } from './field-errors.js';
import { defaultPodTemplate, validatePodTemplate } from './pod-spec.js';
import { formatLabels } from './selector.js';

const containers = (o: Parameters<typeof field>[0]): ReturnType<typeof objects> => objects(field(o, 'template', 'spec', 'containers'));

export const podTemplate: KindDescription = {
  group: '',
  version: 'v1',
  kind: 'PodTemplate',
  plural: 'podtemplates',
  singular: 'podtemplate',
  shortNames: [],
  categories: [],
  namespaced: true,
  verbs: ALL_VERBS,
  definition: 'io.k8s.api.core.v1.PodTemplate',
  servedBy: 'store',
  tracksGeneration: true,
  columns: [
    nameColumn,
    { name: 'Containers', type: 'string', description: 'Names of each container in the template.', cell: (o) => containers(o).map((c) => String(c.name ?? '')).join(',') },
    { name: 'Images', type: 'string', description: 'Images referenced by each container in the template.', cell: (o) => containers(o).map((c) => String(c.image ?? '')).join(',') },
    { name: 'Pod Labels', type: 'string', description: 'The labels of the pods made from the template.', cell: (o) => formatLabels(field(o, 'template', 'metadata', 'labels')) },
  ],
  defaults(object) {
    defaultPodTemplate(object.template ??= {});
  },
  validate: (object) => validatePodTemplate(object.template, 'template'),
};

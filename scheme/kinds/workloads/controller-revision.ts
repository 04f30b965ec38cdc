// apps/v1 ControllerRevision: an immutable snapshot of a controller's state
// (data, revision), and kube's printer: CONTROLLER REVISION AGE.

import type { KindDescription } from '../../kind-description.js';
import { ageColumn, nameColumn } from '../../columns.js';
import { ALL_VERBS } from '../../verbs.js';
import { IMMUTABLE, invalid, nonNegative, required, sameJson } from './field-errors.js';

/** The controller owner's `kind.group/name`, as kube's formatResourceName writes it. */
function controllerOf(o: { metadata: { ownerReferences?: { apiVersion: string; kind: string; name: string; controller?: boolean }[] } }): string {
  const owner = (o.metadata.ownerReferences ?? []).find((r) => r.controller === true);
  if (!owner) return '<none>';
  const group = owner.apiVersion.includes('/') ? owner.apiVersion.slice(0, owner.apiVersion.indexOf('/')) : '';
  return `${(group ? `${owner.kind}.${group}` : owner.kind).toLowerCase()}/${owner.name}`;
}

export const controllerRevision: KindDescription = {
  group: 'apps',
  version: 'v1',
  kind: 'ControllerRevision',
  plural: 'controllerrevisions',
  singular: 'controllerrevision',
  shortNames: [],
  categories: [],
  namespaced: true,
  verbs: ALL_VERBS,
  definition: 'io.k8s.api.apps.v1.ControllerRevision',
  servedBy: 'store',
  tracksGeneration: false,
  columns: [
    nameColumn,
    { name: 'Controller', type: 'string', description: 'The controller that owns the revision.', cell: controllerOf },
    { name: 'Revision', type: 'integer', description: 'The revision of the state.', cell: (o) => (typeof o.revision === 'number' ? o.revision : 0) },
    ageColumn,
  ],
  validate(object, old) {
    const causes = [...nonNegative(object.revision, 'revision')];
    if (object.data === undefined || object.data === null) causes.push(required('data', 'data is mandatory'));
    // kube prints the raw bytes with Go's %#v here; their type is named, not spelled out.
    if (old && !sameJson(object.data, old.data)) causes.push(invalid('data', undefined, IMMUTABLE, 'runtime.RawExtension{...}'));
    return causes;
  },
};

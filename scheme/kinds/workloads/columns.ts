// Cells the workload kinds' printers share (pkg/printers/internalversion):
// a pod template's containers and images, a selector, status counters.

import type { KubeObject } from '../../../protocol/kube/meta.js';
import type { ColumnSpec } from '../../kind-description.js';
import { field } from '../../columns.js';
import { isObj, objects } from './field-errors.js';
import { formatLabelSelector } from './selector.js';

function containersAt(o: KubeObject, path: readonly string[]): ReturnType<typeof objects> {
  return objects(field(o, ...path, 'containers'));
}

/** CONTAINERS and IMAGES (wide) of the pod spec at `path`. */
export function containerColumns(path: readonly string[]): ColumnSpec[] {
  return [
    { name: 'Containers', type: 'string', priority: 1, description: 'Names of each container in the template.', cell: (o) => containersAt(o, path).map((c) => String(c.name ?? '')).join(',') },
    { name: 'Images', type: 'string', priority: 1, description: 'Images referenced by each container in the template.', cell: (o) => containersAt(o, path).map((c) => String(c.image ?? '')).join(',') },
  ];
}

/** SELECTOR (wide): the label selector at `path`, as kube prints it. */
export function selectorColumn(path: readonly string[]): ColumnSpec {
  return { name: 'Selector', type: 'string', priority: 1, description: 'The label selector.', cell: (o) => formatLabelSelector(field(o, ...path)) };
}

/** A whole number from the object, 0 when absent, as Go's zero values print. */
export function count(o: KubeObject, ...path: string[]): number {
  const value = field(o, ...path);
  return typeof value === 'number' ? value : 0;
}

export function integerColumn(name: string, description: string, ...path: string[]): ColumnSpec {
  return { name, type: 'integer', description, cell: (o) => count(o, ...path) };
}

export function hasCondition(o: KubeObject, type: string): boolean {
  return objects(field(o, 'status', 'conditions')).some((c) => c.type === type && c.status === 'True');
}

export function isObjectAt(o: KubeObject, ...path: string[]): boolean {
  return isObj(field(o, ...path));
}

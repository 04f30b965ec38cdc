// The description of a resource that has no file of its own: its generated
// facts (kind, scope, verbs, subresources, schema) with the hand-kept ones
// (short names, categories), stored, validated against its schema, shown with
// kube's printer columns (scheme/kinds/printers.ts) or its default table. A kind
// with its own file overrides this one.

import type { GeneratedResource } from '../generated-resource.js';
import type { KindDescription, ServedBy } from '../kind-description.js';
import type { Verb } from '../../protocol/messages/request.js';
import { CATEGORIES, SHORT_NAMES } from './facts.js';
import { PRINTERS } from './printers.js';

/** Kinds that are not stored: the actor that owns the decision answers them. */
const ANSWERED_BY: Readonly<Record<string, ServedBy>> = {
  'authentication.k8s.io/tokenreviews': 'authn',
  'authentication.k8s.io/selfsubjectreviews': 'authn',
  'authorization.k8s.io/localsubjectaccessreviews': 'authz',
  'authorization.k8s.io/selfsubjectaccessreviews': 'authz',
  'authorization.k8s.io/selfsubjectrulesreviews': 'authz',
  'authorization.k8s.io/subjectaccessreviews': 'authz',
  '/componentstatuses': 'supervisor',
};

/** Kinds with no objects of their own, answered by another resource's store. */
const ANSWERED_BY_STORE_OF: Readonly<Record<string, { group: string; plural: string }>> = {
  '/bindings': { group: '', plural: 'pods' },
};

export const resourceKey = (group: string, plural: string): string => `${group}/${plural}`;

export function describeGenerated(resource: GeneratedResource): KindDescription {
  const key = resourceKey(resource.group, resource.plural);
  const hasStatus = resource.subresources.some((s) => s.name === 'status');
  return {
    group: resource.group,
    version: resource.version,
    kind: resource.kind,
    plural: resource.plural,
    singular: resource.kind.toLowerCase(),
    shortNames: SHORT_NAMES[key] ?? [],
    categories: CATEGORIES[key] ?? [],
    namespaced: resource.namespaced,
    verbs: resource.verbs as readonly Verb[],
    definition: resource.definition,
    servedBy: ANSWERED_BY[key] ?? 'store',
    subresources: resource.subresources,
    ...(ANSWERED_BY_STORE_OF[key] ? { answeredByStoreOf: ANSWERED_BY_STORE_OF[key] } : {}),
    // kube's strategies move metadata.generation on spec changes for the kinds that split spec from status.
    tracksGeneration: hasStatus,
    ...PRINTERS[key],
  };
}

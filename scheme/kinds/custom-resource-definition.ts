// apiextensions.k8s.io/v1 CustomResourceDefinition: served by the apiextensions
// server, validated as kube validates it (scheme/custom/crd-validation.ts).
// Its strategy keeps status.storedVersions holding the storage version, and a
// delete marks it with the customresourcecleanup finalizer, which the CRD
// controller (actors/crd-controller/) clears once every custom resource is gone.

import type { KubeObject } from '../../protocol/kube/meta.js';
import type { KindDescription } from '../kind-description.js';
import { ALL_VERBS } from '../verbs.js';
import { CLEANUP_FINALIZER, storageVersionOf, type CustomResourceDefinition } from '../custom/crd.js';
import { defaultCrd, validateCrd } from '../custom/crd-validation.js';

const asCrd = (object: KubeObject): CustomResourceDefinition => object as CustomResourceDefinition;

/** kube's strategy: the storage version is always among status.storedVersions. */
function recordStorageVersion(crd: CustomResourceDefinition): void {
  const storage = Array.isArray(crd.spec?.versions) ? storageVersionOf(crd)?.name : undefined;
  if (!storage) return;
  crd.status ??= {};
  const stored = crd.status.storedVersions ?? [];
  if (!stored.includes(storage)) crd.status.storedVersions = [...stored, storage];
}

export const customResourceDefinition: KindDescription = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  namespaced: false,
  verbs: ALL_VERBS,
  definition: 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition',
  servedBy: 'store',
  // Where kube's apiextensions server keeps them: under the group, as for every resource it serves.
  storagePrefix: 'apiextensions.k8s.io/customresourcedefinitions',
  subresources: [{ name: 'status', kind: 'CustomResourceDefinition', verbs: ['get', 'patch', 'update'] }],
  tracksGeneration: true,
  defaults: (object) => {
    defaultCrd(asCrd(object));
    recordStorageVersion(asCrd(object));
  },
  validate: (object, old) => validateCrd(asCrd(object), old && asCrd(old)),
  // A delete only marks the CRD: its custom resources go first (kube's REST.Delete adds the finalizer).
  pendingFinalizers: (object) => {
    const finalizers = object.metadata.finalizers ?? [];
    return object.metadata.deletionTimestamp || finalizers.includes(CLEANUP_FINALIZER) ? finalizers : [...finalizers, CLEANUP_FINALIZER];
  },
  beginDeletion: (object) => {
    const finalizers = object.metadata.finalizers ?? [];
    if (!finalizers.includes(CLEANUP_FINALIZER)) object.metadata.finalizers = [...finalizers, CLEANUP_FINALIZER];
  },
};

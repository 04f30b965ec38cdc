// The CRD controller: apiextensions-apiserver's naming, establishing and
// finalizing controllers in one reconciler actor under the supervisor.
//
// Watches: customresourcedefinitions. Key: a CRD's name.
// Reconcile, for one CRD:
//   - gone: the supervisor stops serving it (customresource.unserve); the other
//     CRDs of its group are looked at again, as it may have freed their names.
//   - being deleted (the customresourcecleanup finalizer): Terminating (from then on
//     creates are refused, customresource.serve with terminating), then every
//     custom resource is deleted through its store, and once none is left the
//     finalizer goes and with it the CRD.
//   - otherwise: its names are checked against the accepted names of the other
//     CRDs of its group. A clash sets NamesAccepted False with kube's reason
//     (PluralConflict, SingularConflict, ShortNamesConflict, KindConflict,
//     ListKindConflict). Accepted names are served at once (customresource.serve:
//     store, routing, discovery and OpenAPI), then NamesAccepted and Established
//     are written True in one status update.
// Sends: customresource.serve / unserve to the supervisor; requests straight to
//   the CRD store and the custom resources' stores, as kube's apiextensions
//   controllers use its loopback client and storage.
// States: the reconciler's (Syncing → Running → Stopped).

import type { KubeObject } from '../../protocol/kube/meta.js';
import type { CustomResourceMessage } from '../../protocol/messages/custom-resources.js';
import { jsonOf, loopback } from '../../lib/loopback.js';
import { reconcilerMachine, resourceKey, terminateReconciler, type ReconcilerLogic, type View } from '../controllers/reconciler.js';
import type { ControllerInput } from '../controllers/controller.js';
import { expectStatus } from '../controllers/http-errors.js';
import { CLEANUP_FINALIZER, conditionOf, crdWithAcceptedNames, CRD_GROUP, CRD_RESOURCE, type CrdCondition, type CrdNames, type CustomResourceDefinition } from '../../scheme/custom/crd.js';
import { servedCustomResource } from '../../scheme/custom/custom-resource-kind.js';
import { timestamp } from '../store/strategy.js';

export interface CrdControllerInput extends ControllerInput {
  /** The supervisor, which starts and stops the custom resources' stores. */
  supervisor: { send(message: CustomResourceMessage): void };
}

const CRDS = resourceKey(CRD_RESOURCE, CRD_GROUP);
const crdWhere = (name: string, subresource?: string) => ({ apiGroup: CRD_GROUP, apiVersion: 'v1', namespace: '', resource: CRD_RESOURCE, name, ...(subresource ? { subresource } : {}) });

/** The names already accepted by the other CRDs of the group: resource names, and kinds. */
function namesInUse(view: View, crd: CustomResourceDefinition): { resources: Set<string>; kinds: Set<string> } {
  const resources = new Set<string>();
  const kinds = new Set<string>();
  for (const other of view.list(CRDS) as CustomResourceDefinition[]) {
    if (other.spec.group !== crd.spec.group || other.metadata.name === crd.metadata.name) continue;
    const accepted = other.status?.acceptedNames;
    if (!accepted) continue;
    for (const name of [accepted.plural, accepted.singular, ...(accepted.shortNames ?? [])]) if (name) resources.add(name);
    for (const name of [accepted.kind, accepted.listKind]) if (name) kinds.add(name);
  }
  return { resources, kinds };
}

/** kube's calculateNamesAndConditions: the names this CRD may have, and the NamesAccepted condition. */
function acceptNames(view: View, crd: CustomResourceDefinition): { names: CrdNames; accepted: CrdCondition } {
  const used = namesInUse(view, crd);
  const requested = crd.spec.names;
  const before = crd.status?.acceptedNames;
  const names: CrdNames = { ...(before ?? { plural: '', kind: '' }) };
  let conflict: { reason: string; message: string } | undefined;
  const fresh = (wanted: string | undefined, had: string | undefined, inUse: Set<string>): string | undefined =>
    wanted === had || !wanted || !inUse.has(wanted) ? undefined : `"${wanted}" is already in use`;
  const check = (field: 'plural' | 'singular' | 'kind' | 'listKind', reason: string, inUse: Set<string>): void => {
    const problem = fresh(requested[field], before?.[field], inUse);
    if (problem) conflict = { reason, message: problem };
    else if (requested[field] !== undefined) names[field] = requested[field]!;
  };
  check('plural', 'PluralConflict', used.resources);
  check('singular', 'SingularConflict', used.resources);
  const shortProblems = (requested.shortNames ?? [])
    .filter((s) => !(before?.shortNames ?? []).includes(s) && used.resources.has(s))
    .map((s) => `"${s}" is already in use`);
  if (shortProblems.length > 0) conflict = { reason: 'ShortNamesConflict', message: shortProblems.length === 1 ? shortProblems[0]! : `[${shortProblems.join(', ')}]` };
  else if (requested.shortNames) names.shortNames = requested.shortNames;
  else delete names.shortNames;
  check('kind', 'KindConflict', used.kinds);
  check('listKind', 'ListKindConflict', used.kinds);
  if (requested.categories) names.categories = requested.categories;
  else delete names.categories;
  const accepted: CrdCondition = conflict
    ? { type: 'NamesAccepted', status: 'False', ...conflict }
    : { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' };
  return { names, accepted };
}

/** Sets a condition, keeping its lastTransitionTime when its status did not change. */
function setCondition(conditions: CrdCondition[], condition: CrdCondition, now: string): CrdCondition[] {
  const old = conditions.find((c) => c.type === condition.type);
  const next = { ...condition, lastTransitionTime: old && old.status === condition.status ? old.lastTransitionTime ?? now : now };
  return old ? conditions.map((c) => (c.type === condition.type ? next : c)) : [...conditions, next];
}

const sameCondition = (a: CrdCondition | undefined, b: CrdCondition): boolean => !!a && a.status === b.status && a.reason === b.reason && a.message === b.message;

async function writeStatus(input: ControllerInput, crd: CustomResourceDefinition, status: CustomResourceDefinition['status']): Promise<void> {
  const store = input.store(CRD_RESOURCE, CRD_GROUP);
  if (!store) return;
  const body = { ...crd, status } as KubeObject;
  // 409 or 404: the CRD changed or went meanwhile, and that change brings its own reconcile.
  expectStatus(`updating the status of customresourcedefinition ${crd.metadata.name}`, await loopback(store, 'update', crdWhere(crd.metadata.name ?? '', 'status'), body), 200, 404, 409);
}

/** Deletes every custom resource of a terminating CRD; true once none is left. */
async function deleteInstances(input: ControllerInput, crd: CustomResourceDefinition): Promise<boolean> {
  const served = servedCustomResource(crdWithAcceptedNames(crd));
  const store = served && input.store(served.plural, served.group);
  if (!served || !store) return true;
  const where = { apiGroup: served.group, apiVersion: served.storage.version, namespace: '', resource: served.plural };
  expectStatus(`deleting the ${served.name} custom resources`, await loopback(store, 'deletecollection', where), 200);
  const left = jsonOf<{ items: unknown[] }>(expectStatus(`listing the ${served.name} custom resources`, await loopback(store, 'list', where), 200));
  return left.items.length === 0;
}

async function finalize(input: CrdControllerInput, crd: CustomResourceDefinition): Promise<void | number> {
  const now = timestamp(new Date(input.clock.now()));
  const terminating: CrdCondition = { type: 'Terminating', status: 'True', reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' };
  if (!sameCondition(conditionOf(crd, 'Terminating'), terminating)) {
    await writeStatus(input, crd, { ...crd.status, conditions: setCondition(crd.status?.conditions ?? [], terminating, now) });
    return;
  }
  // kube's crdHandler refuses creates once the CRD's Terminating condition is True.
  const served = servedCustomResource(crdWithAcceptedNames(crd));
  if (served) input.supervisor.send({ type: 'customresource.serve', resource: { ...served, terminating: true } });
  if (!(await deleteInstances(input, crd))) return 1000;
  const store = input.store(CRD_RESOURCE, CRD_GROUP);
  if (!store) return;
  const body = { ...crd, metadata: { ...crd.metadata, finalizers: (crd.metadata.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER) } } as KubeObject;
  expectStatus(`removing the finalizer of customresourcedefinition ${crd.metadata.name}`, await loopback(store, 'update', crdWhere(crd.metadata.name ?? ''), body), 200, 404, 409);
}

const logic: ReconcilerLogic = {
  id: 'crd-controller',
  watches: [{ plural: CRD_RESOURCE, group: CRD_GROUP }],
  workers: 1,
  keysOf: (_resource, object, deleted, view) => {
    const crd = object as CustomResourceDefinition;
    // A CRD that goes (or changes its accepted names) may free names the others of its group asked for.
    const group = deleted || crd.status?.acceptedNames ? (view.list(CRDS) as CustomResourceDefinition[]).filter((o) => o.spec.group === crd.spec.group && o.metadata.name !== crd.metadata.name) : [];
    return [crd.metadata.name ?? '', ...group.filter((o) => conditionOf(o, 'NamesAccepted')?.status !== 'True').map((o) => o.metadata.name ?? '')];
  },
  async reconcile(name, view, plainInput) {
    const input = plainInput as CrdControllerInput;
    const crd = view.get(CRDS, '', name) as CustomResourceDefinition | undefined;
    if (!crd) {
      input.supervisor.send({ type: 'customresource.unserve', name });
      return;
    }
    if (crd.metadata.deletionTimestamp) return finalize(input, crd);
    const { names, accepted } = acceptNames(view, crd);
    const now = timestamp(new Date(input.clock.now()));
    let conditions = setCondition(crd.status?.conditions ?? [], accepted, now);
    if (accepted.status === 'True') {
      const served = servedCustomResource({ ...crd, spec: { ...crd.spec, names } });
      if (served) input.supervisor.send({ type: 'customresource.serve', resource: served });
      conditions = setCondition(conditions, { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' }, now);
    } else if (conditionOf(crd, 'Established')?.status !== 'True') {
      conditions = setCondition(conditions, { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' }, now);
    }
    const status = { ...crd.status, conditions, acceptedNames: names, storedVersions: crd.status?.storedVersions ?? [] };
    if (JSON.stringify(status) !== JSON.stringify({ ...crd.status, conditions: crd.status?.conditions ?? [], acceptedNames: crd.status?.acceptedNames, storedVersions: crd.status?.storedVersions ?? [] })) {
      await writeStatus(input, crd, status);
    }
  },
};

export const crdControllerMachine = reconcilerMachine(logic);
export const terminateCrdController = terminateReconciler;

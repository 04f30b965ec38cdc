// garbage-collector-controller (kube-controller-manager's `garbagecollector`):
// ownerReferences, enforced. It watches every stored kind of the scheme, so a
// kind added later is covered without a change here.
//
// - background: a dependent whose owners are all gone (or never existed: a
//   dangling reference) is deleted, with its own propagation;
// - foreground: an owner marked with `foregroundDeletion` waits while its
//   dependents are deleted (in the foreground themselves when they have
//   dependents); once none with blockOwnerDeletion is left, the finalizer goes;
// - orphan: an owner marked with `orphan` has its references removed from
//   every dependent, then the finalizer goes;
// - a dependent that keeps another live owner only loses its references to
//   the gone and the waiting ones;
// - kube's scope rules: a namespaced dependent's namespaced owner is looked up
//   in the dependent's namespace (one found only in another namespace counts
//   as absent); a cluster-scoped dependent naming a namespaced kind is never
//   collected; both get an OwnerRefInvalidNamespace warning Event.
//
// Watches: every stored kind; its view keeps objects with ownerReferences or a
//   GC finalizer being worked on (the store sends only objects whose bytes name
//   either, so a million ConfigMaps with neither are never parsed for it);
//   deletions of any object reach it.
// Key: `<resource>|<namespace>|<name>`.
// Acts as: system:serviceaccount:kube-system:generic-garbage-collector.

import type { KubeObject, OwnerReference } from '../../../protocol/kube/meta.js';
import type { KindDescription } from '../../../scheme/kind-description.js';
import { jsonOf, serviceAccountUser } from '../../../lib/loopback.js';
import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER } from '../../store/propagation.js';
import { reconcilerMachine, resourceKey, terminateReconciler, type ReconcilerLogic, type View, type Watch } from '../reconciler.js';
import type { ControllerDescriptor, ControllerInput } from '../controller.js';
import { expectStatus } from '../http-errors.js';
import { OwnershipGraph, ownerReferencesOf, type OwnerState } from './ownership-graph.js';

export const GARBAGE_COLLECTOR = 'garbage-collector-controller';

const finalizing = (o: KubeObject, finalizer: string): boolean => !!o.metadata.deletionTimestamp && (o.metadata.finalizers ?? []).includes(finalizer);
/** What a store need send for `relevant`: objects naming owners, or being deleted (a finalizer needs a deletionTimestamp). */
const RELEVANT_FILTER = { withKeys: ['ownerReferences', 'deletionTimestamp'] };
const relevant = (o: KubeObject): boolean => ownerReferencesOf(o).length > 0 || finalizing(o, FOREGROUND_FINALIZER) || finalizing(o, ORPHAN_FINALIZER);

interface Target {
  kind: KindDescription;
  namespace: string;
  name: string;
}

function splitKey(input: ControllerInput, key: string): Target | undefined {
  const [resource = '', namespace = '', name = ''] = key.split('|');
  const dot = resource.indexOf('.');
  const plural = dot < 0 ? resource : resource.slice(0, dot);
  const group = dot < 0 ? '' : resource.slice(dot + 1);
  const kind = input.scheme.kinds.find((k) => k.plural === plural && k.group === group && k.servedBy === 'store');
  return kind ? { kind, namespace, name } : undefined;
}

const whereOf = (t: Target) => ({ apiGroup: t.kind.group, apiVersion: t.kind.version, namespace: t.namespace, resource: t.kind.plural, name: t.name });

function kindOfReference(input: ControllerInput, ref: OwnerReference): KindDescription | undefined {
  const slash = ref.apiVersion.indexOf('/');
  const group = slash < 0 ? '' : ref.apiVersion.slice(0, slash);
  const version = slash < 0 ? ref.apiVersion : ref.apiVersion.slice(slash + 1);
  const kind = input.scheme.byKind(group, version, ref.kind);
  return kind?.servedBy === 'store' ? kind : undefined;
}

/** kube's isDangling, and whether the owner waits on its dependents: one lookup per owner, shared. */
function ownerState(input: ControllerInput, graph: OwnershipGraph, dependent: KubeObject, ref: OwnerReference): Promise<OwnerState> {
  const kind = kindOfReference(input, ref);
  if (!kind) return Promise.resolve('unknown');
  const dependentNamespace = dependent.metadata.namespace ?? '';
  if (kind.namespaced && !dependentNamespace) return Promise.resolve('invalid');
  const namespace = kind.namespaced ? dependentNamespace : '';
  let byNamespace = graph.lookups.get(ref.uid);
  if (!byNamespace) graph.lookups.set(ref.uid, (byNamespace = new Map()));
  let lookup = byNamespace.get(namespace);
  if (!lookup) {
    lookup = (async (): Promise<OwnerState> => {
      const reply = await input.client.request('get', { apiGroup: kind.group, apiVersion: kind.version, namespace, resource: kind.plural, name: ref.name });
      if (reply.status !== 404) {
        expectStatus(`looking up owner ${kind.plural}/${ref.name}`, reply, 200);
        const owner = jsonOf(reply);
        if (owner.metadata.uid === ref.uid) return finalizing(owner, FOREGROUND_FINALIZER) ? 'waiting' : 'present';
      }
      if (!kind.namespaced) return 'absent';
      // An owner in another namespace is a reference kube calls invalid: find it by name to say so.
      const where = { apiGroup: kind.group, apiVersion: kind.version, namespace: '', resource: kind.plural };
      const all = await input.client.request('list', where, { query: { fieldSelector: `metadata.name=${ref.name}` } });
      expectStatus(`looking for owner ${kind.plural}/${ref.name} in every namespace`, all, 200);
      return (jsonOf<{ items?: KubeObject[] }>(all).items ?? []).some((o) => o.metadata.uid === ref.uid) ? 'elsewhere' : 'absent';
    })();
    byNamespace.set(namespace, lookup);
    // A failed lookup is not remembered: the retry asks again.
    lookup.catch(() => byNamespace!.get(namespace) === lookup && byNamespace!.delete(namespace));
  }
  return lookup;
}

async function deleteObject(input: ControllerInput, target: Target, uid: string, propagationPolicy: string): Promise<void> {
  const body = { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy, preconditions: { uid } };
  // 404: gone already; 409: another object of that name now (the precondition held).
  expectStatus(`deleting ${target.kind.plural} ${target.namespace}/${target.name}`, await input.client.request('delete', whereOf(target), { body }), 200, 202, 404, 409);
}

/** Writes `object` back with its resourceVersion: a 409 (this view was behind) retries once the newer one is in. */
async function update(input: ControllerInput, target: Target, object: KubeObject, what: string): Promise<void> {
  const reply = await input.client.request('update', whereOf(target), { body: object });
  expectStatus(what, reply, 200, 404);
}

function withoutFinalizer(object: KubeObject, finalizer: string): KubeObject {
  return { ...object, metadata: { ...object.metadata, finalizers: (object.metadata.finalizers ?? []).filter((f) => f !== finalizer) } };
}

function withoutOwners(object: KubeObject, uids: ReadonlySet<string>): KubeObject {
  const refs = ownerReferencesOf(object).filter((r) => !uids.has(r.uid));
  const { ownerReferences: _, ...metadata } = object.metadata;
  return { ...object, metadata: refs.length > 0 ? { ...metadata, ownerReferences: refs } : metadata };
}

/** kube's reportInvalidNamespaceOwnerRef: a warning Event about the dependent. */
async function reportInvalid(input: ControllerInput, graph: OwnershipGraph, dependent: KubeObject, ref: OwnerReference): Promise<void> {
  const id = `${dependent.metadata.uid}/${ref.uid}`;
  if (graph.reported.has(id)) return;
  const namespace = dependent.metadata.namespace ?? '';
  const now = input.clock.now();
  const time = new Date(Math.floor(now / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  const event: KubeObject = {
    apiVersion: 'v1', kind: 'Event',
    metadata: { name: `${dependent.metadata.name}.${(BigInt(now) * 1_000_000n).toString(16)}`, namespace: namespace || 'default' },
    involvedObject: { apiVersion: dependent.apiVersion, kind: dependent.kind, name: dependent.metadata.name, ...(namespace ? { namespace } : {}), uid: dependent.metadata.uid },
    reason: 'OwnerRefInvalidNamespace',
    message: `ownerRef [${ref.apiVersion}/${ref.kind}, namespace: ${namespace}, name: ${ref.name}, uid: ${ref.uid}] does not exist in namespace ${JSON.stringify(namespace)}`,
    type: 'Warning',
    source: { component: GARBAGE_COLLECTOR },
    firstTimestamp: time, lastTimestamp: time, count: 1,
    reportingComponent: GARBAGE_COLLECTOR, reportingInstance: '',
  };
  const reply = await input.client.request('create', { apiGroup: '', namespace: namespace || 'default', resource: 'events' }, { body: event });
  expectStatus('recording an OwnerRefInvalidNamespace event', reply, 201, 409);
  graph.reported.add(id);
}

/** kube's attemptToDeleteItem, for an object with owners and no deletion under way. */
async function attemptToDelete(input: ControllerInput, graph: OwnershipGraph, target: Target, object: KubeObject): Promise<void> {
  const refs = ownerReferencesOf(object);
  const states = await Promise.all(refs.map((ref) => ownerState(input, graph, object, ref)));
  const solid: OwnerReference[] = [];
  const gone = new Set<string>();
  const waiting: OwnerReference[] = [];
  for (const [i, ref] of refs.entries()) {
    const state = states[i]!;
    if (state === 'absent' || state === 'elsewhere') gone.add(ref.uid);
    else if (state === 'waiting') waiting.push(ref);
    else solid.push(ref);
    if (state === 'invalid' || state === 'elsewhere') await reportInvalid(input, graph, object, ref);
  }
  const uid = object.metadata.uid ?? '';
  if (solid.length > 0) {
    // Another owner keeps it: only the references to the gone and the waiting owners go.
    if (gone.size === 0 && waiting.length === 0) return;
    for (const ref of waiting) gone.add(ref.uid);
    await update(input, target, withoutOwners(object, gone), `removing owner references from ${target.kind.plural} ${target.namespace}/${target.name}`);
    return;
  }
  if (waiting.length > 0 && graph.hasDependents(uid)) {
    // Its owner waits in the foreground: so does its deletion, for its own dependents.
    await deleteObject(input, target, uid, 'Foreground');
    return;
  }
  const finalizers = object.metadata.finalizers ?? [];
  const policy = finalizers.includes(ORPHAN_FINALIZER) ? 'Orphan' : finalizers.includes(FOREGROUND_FINALIZER) ? 'Foreground' : 'Background';
  await deleteObject(input, target, uid, policy);
}

function dependentsIn(view: View, graph: OwnershipGraph, input: ControllerInput, uid: string): { target: Target; object: KubeObject }[] {
  const found: { target: Target; object: KubeObject }[] = [];
  for (const key of graph.dependentsOf(uid)) {
    const target = splitKey(input, key);
    const object = target && view.get(resourceKey(target.kind.plural, target.kind.group), target.namespace, target.name);
    if (target && object) found.push({ target, object });
  }
  return found;
}

const logic: ReconcilerLogic<OwnershipGraph> = {
  id: GARBAGE_COLLECTOR,
  watches: (input): Watch[] => input.scheme.kinds.filter((k) => k.servedBy === 'store').map((k) => ({ plural: k.plural, group: k.group, keep: relevant, filter: RELEVANT_FILTER, unkeptDeletes: true })),
  createState: () => new OwnershipGraph(),
  // kube's --concurrent-gc-syncs.
  workers: 20,
  keysOf(resource, object, deleted, _view, graph) {
    const key = `${resource}|${object.metadata.namespace ?? ''}|${object.metadata.name ?? ''}`;
    const uid = object.metadata.uid ?? '';
    const before = graph.update(key, deleted ? undefined : object);
    graph.forgetLookups(uid);
    const keys: string[] = [];
    if (!deleted) keys.push(key);
    // An owner going (or gone): its dependents look at their owners again.
    if (deleted || object.metadata.deletionTimestamp) keys.push(...graph.dependentsOf(uid));
    // A dependent gone, or no longer naming an owner: an owner waiting on it looks again.
    const now = new Set(deleted ? [] : ownerReferencesOf(object).map((r) => r.uid));
    for (const owner of before) {
      const ownerKey = !now.has(owner) ? graph.keyOf(owner) : undefined;
      if (ownerKey) keys.push(ownerKey);
    }
    return keys;
  },
  async reconcile(key, view, input, graph) {
    const target = splitKey(input, key);
    if (!target) return;
    const object = view.get(resourceKey(target.kind.plural, target.kind.group), target.namespace, target.name);
    if (!object) return;
    const uid = object.metadata.uid ?? '';
    if (finalizing(object, FOREGROUND_FINALIZER)) {
      // kube's processDeletingDependentsItem: done once no dependent blocks it.
      const blocking = dependentsIn(view, graph, input, uid).filter(({ object: d }) => ownerReferencesOf(d).some((r) => r.uid === uid && r.blockOwnerDeletion));
      if (blocking.length === 0) await update(input, target, withoutFinalizer(object, FOREGROUND_FINALIZER), `removing ${FOREGROUND_FINALIZER} from ${target.kind.plural} ${target.namespace}/${target.name}`);
      return;
    }
    if (finalizing(object, ORPHAN_FINALIZER)) {
      // kube's orphanDependents, then the finalizer.
      const owner = new Set([uid]);
      await Promise.all(dependentsIn(view, graph, input, uid).map(({ target: t, object: d }) => update(input, t, withoutOwners(d, owner), `orphaning ${t.kind.plural} ${t.namespace}/${t.name}`)));
      await update(input, target, withoutFinalizer(object, ORPHAN_FINALIZER), `removing ${ORPHAN_FINALIZER} from ${target.kind.plural} ${target.namespace}/${target.name}`);
      return;
    }
    if (object.metadata.deletionTimestamp || ownerReferencesOf(object).length === 0) return;
    await attemptToDelete(input, graph, target, object);
  },
};

export const garbageCollector: ControllerDescriptor = {
  name: GARBAGE_COLLECTOR,
  aliases: ['garbagecollector'],
  user: serviceAccountUser('generic-garbage-collector'),
  machine: reconcilerMachine(logic),
  terminate: terminateReconciler as (context: never) => void,
};

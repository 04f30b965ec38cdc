// kube's NodeRestriction admission plugin (plugin/pkg/admission/noderestriction),
// the Node authorizer's partner: a node identity (user system:node:<name> in
// group system:nodes) may only change what is its own.
//   - nodes: only its own Node; on create no configSource and no restricted
//     labels; on update no new configSource, no taint change, no restricted label change;
//   - pods: create only mirror pods bound to itself, owned by its Node (uid checked),
//     referring to no service account, secret, configmap, clustertrustbundle or claim;
//     delete and evict only pods bound to itself; pods/status only of its pods,
//     without relabelling; no other pod subresource;
//   - persistentvolumeclaims: only status, and in status only capacity and conditions;
//   - leases: only in kube-node-lease, only the one named after itself;
//   - csinodes: only the one named after itself.
// Anyone else goes through untouched. A mutating plugin, as kube's is (Admit).
// Watches: pods (node and uid, for deletes and evictions) and nodes (uid, for mirror pods).
// Not checked: serviceaccounts/token requests (the token request never reaches admission here).

import type { KubeObject, UserInfo } from '../../protocol/kube/meta.js';
import { forbidden, notFound } from '../../protocol/kube/status.js';
import type { AdmissionAttributes } from '../../protocol/messages/admission.js';
import type { ApiRequest } from '../../protocol/messages/request.js';
import { ALLOW, type PluginRegistration, type PluginVerdict } from './plugin.js';

const NODE_PREFIX = 'system:node:';
const NODE_LEASE_NAMESPACE = 'kube-node-lease';
const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

/** kube's nodeidentifier: the node's name, '' for a node user it cannot name, undefined for anyone else. */
export function nodeIdentity(user: UserInfo): string | undefined {
  if (!user.username.startsWith(NODE_PREFIX) || !user.groups.includes('system:nodes')) return undefined;
  return user.username.slice(NODE_PREFIX.length);
}

/** Labels a kubelet may set on its own Node (k8s.io/kubelet's well-known labels). */
const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname', 'topology.kubernetes.io/zone', 'topology.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone', 'failure-domain.beta.kubernetes.io/region',
  'beta.kubernetes.io/instance-type', 'node.kubernetes.io/instance-type',
  'kubernetes.io/os', 'kubernetes.io/arch', 'beta.kubernetes.io/os', 'beta.kubernetes.io/arch',
]);
const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

const labelNamespace = (key: string): string => (key.includes('/') ? key.slice(0, key.indexOf('/')) : '');
const inNamespace = (ns: string, domain: string): boolean => ns === domain || ns.endsWith(`.${domain}`);

/** Modified label keys a node may not touch, sorted (kube's getForbiddenLabels). */
function forbiddenLabels(labels: Record<string, string> = {}, old: Record<string, string> = {}): string[] {
  const modified = new Set<string>();
  for (const [k, v] of Object.entries(labels)) if (old[k] !== v) modified.add(k);
  for (const [k, v] of Object.entries(old)) if (labels[k] !== v) modified.add(k);
  return [...modified].filter((key) => {
    const ns = labelNamespace(key);
    if (inNamespace(ns, 'node-restriction.kubernetes.io')) return true;
    const kubernetes = inNamespace(ns, 'kubernetes.io') || inNamespace(ns, 'k8s.io');
    return kubernetes && !KUBELET_LABELS.has(key) && !KUBELET_LABEL_NAMESPACES.some((d) => inNamespace(ns, d));
  }).sort();
}

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Whether a pod refers to a secret, or to a configmap (kube's VisitPodSecretNames / VisitPodConfigmapNames). */
function podReferences(spec: Spec): { secrets: boolean; configMaps: boolean; trustBundles: boolean; claims: boolean } {
  let secrets = (spec.imagePullSecrets ?? []).length > 0;
  let configMaps = false;
  let trustBundles = false;
  let claims = false;
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? []), ...(spec.ephemeralContainers ?? [])]) {
    for (const e of c?.env ?? []) {
      if (e?.valueFrom?.secretKeyRef) secrets = true;
      if (e?.valueFrom?.configMapKeyRef) configMaps = true;
    }
    for (const e of c?.envFrom ?? []) {
      if (e?.secretRef) secrets = true;
      if (e?.configMapRef) configMaps = true;
    }
  }
  for (const v of spec.volumes ?? []) {
    if (v?.secret) secrets = true;
    if (v?.configMap) configMaps = true;
    if (v?.persistentVolumeClaim) claims = true;
    if (v?.csi?.nodePublishSecretRef || v?.azureFile?.secretName) secrets = true;
    for (const source of ['cephfs', 'cinder', 'flexVolume', 'rbd', 'iscsi', 'scaleIO', 'storageos']) if (v?.[source]?.secretRef) secrets = true;
    for (const s of v?.projected?.sources ?? []) {
      if (s?.secret) secrets = true;
      if (s?.configMap) configMaps = true;
      if (s?.clusterTrustBundle) trustBundles = true;
    }
  }
  return { secrets, configMaps, trustBundles, claims };
}

const isCore = (a: AdmissionAttributes, resource: string): boolean => a.resource.group === '' && a.resource.resource === resource;
const same = (x: unknown, y: unknown): boolean => JSON.stringify(x ?? null) === JSON.stringify(y ?? null);

/** The resources the plugin restricts: anything else a node writes passes. */
function restricted(a: AdmissionAttributes): boolean {
  if (a.resource.group === '') return ['pods', 'nodes', 'persistentvolumeclaims'].includes(a.resource.resource);
  return (a.resource.group === 'coordination.k8s.io' && a.resource.resource === 'leases') || (a.resource.group === 'storage.k8s.io' && a.resource.resource === 'csinodes');
}

const HANDLED = new Set(['CREATE', 'UPDATE', 'DELETE']);

export const NODE_RESTRICTION: PluginRegistration = {
  name: 'NodeRestriction',
  defaultOn: true,
  create() {
    /** Bound pods' node and uid, by `namespace/name`; nodes' uid, by name. */
    const pods = new Map<string, { node: string; uid: string }>();
    const nodes = new Map<string, string>();
    const keep = (plural: string, o: KubeObject, gone: boolean): void => {
      const meta = o.metadata;
      if (plural === 'nodes') {
        if (gone) nodes.delete(meta.name ?? '');
        else nodes.set(meta.name ?? '', meta.uid ?? '');
        return;
      }
      const key = `${meta.namespace ?? ''}/${meta.name ?? ''}`;
      if (gone) pods.delete(key);
      else pods.set(key, { node: (o.spec as Spec | undefined)?.nodeName ?? '', uid: meta.uid ?? '' });
    };

    /** kube's admission.NewForbidden: the resource (no subresource) and the name, else the object's, else "Unknown". */
    const refuse = (a: AdmissionAttributes, why: string, object?: KubeObject): PluginVerdict => ({
      allowed: false,
      status: forbidden({ group: a.resource.group, resource: a.resource.resource }, a.name || object?.metadata.name || object?.metadata.generateName || 'Unknown', why),
    });

    /** The checks that need no object: names, namespaces, subresources, and pods known from the store. */
    const byAttributes = (node: string, a: AdmissionAttributes): PluginVerdict => {
      if (node === '') return refuse(a, `could not determine node from user "${a.userInfo.username}"`);
      if (isCore(a, 'pods')) {
        if (a.subresource === 'eviction') {
          if (a.operation !== 'CREATE') return refuse(a, `unexpected operation ${a.operation}`);
          const pod = pods.get(`${a.namespace}/${a.name}`);
          if (!pod) return { allowed: false, status: notFound({ group: '', resource: 'pods' }, a.name) };
          if (pod.node !== node) return refuse(a, `node ${node} can only evict pods with spec.nodeName set to itself`);
          return ALLOW;
        }
        if (a.subresource !== '' && a.subresource !== 'status') return refuse(a, `unexpected pod subresource "${a.subresource}", only 'status' and 'eviction' are allowed`);
        if (a.subresource === '' && a.operation === 'UPDATE') return refuse(a, `unexpected operation "UPDATE", node "${node}" can only create and delete mirror pods`);
        if (a.subresource === 'status' && a.operation !== 'UPDATE') return refuse(a, `unexpected operation "${a.operation}"`);
      } else if (isCore(a, 'nodes')) {
        if (a.operation !== 'CREATE' && a.name !== node) return refuse(a, `node "${node}" is not allowed to modify node "${a.name}"`);
      } else if (isCore(a, 'persistentvolumeclaims')) {
        if (a.subresource !== 'status') return refuse(a, 'may only update PVC status');
        if (a.operation !== 'UPDATE') return refuse(a, `unexpected operation "${a.operation}"`);
      } else if (a.resource.resource === 'leases') {
        if (a.namespace !== NODE_LEASE_NAMESPACE) return refuse(a, `can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`);
        if (a.operation !== 'CREATE' && a.name !== node) return refuse(a, 'can only access node lease with the same name as the requesting node');
      } else if (a.operation !== 'CREATE' && a.name !== node) {
        return refuse(a, 'can only access CSINode with the same name as the requesting node');
      }
      return ALLOW;
    };

    const admitPodCreate = (node: string, a: AdmissionAttributes, pod: KubeObject): PluginVerdict => {
      const fail = (why: string): PluginVerdict => refuse(a, why, pod);
      if (pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] === undefined) return fail(`pod does not have "${MIRROR_POD_ANNOTATION}" annotation, node "${node}" can only create mirror pods`);
      const spec = (pod.spec ?? {}) as Spec;
      if (spec.nodeName !== node) return fail(`node "${node}" can only create pods with spec.nodeName set to itself`);
      const owners = (pod.metadata.ownerReferences ?? []) as { apiVersion?: string; kind?: string; name?: string; uid?: string; controller?: boolean; blockOwnerDeletion?: boolean }[];
      if (owners.length > 1) return fail(`node "${node}" can only create pods with a single owner reference set to itself`);
      const owner = owners[0];
      if (!owner || owner.apiVersion !== 'v1' || owner.kind !== 'Node' || owner.name !== node) return fail(`node "${node}" can only create pods with an owner reference set to itself`);
      if (!owner.controller) return fail(`node "${node}" can only create pods with a controller owner reference set to itself`);
      if (owner.blockOwnerDeletion) return fail(`node "${node}" must not set blockOwnerDeletion on an owner reference`);
      const uid = nodes.get(node);
      if (uid === undefined) return { allowed: false, status: notFound({ group: '', resource: 'nodes' }, node) };
      if (owner.uid !== uid) return fail(`node ${node} UID mismatch: expected ${owner.uid ?? ''} got ${uid}`);
      if (spec.serviceAccountName) return fail(`node "${node}" can not create pods that reference a service account`);
      const refs = podReferences(spec);
      if (refs.secrets) return fail(`node "${node}" can not create pods that reference secrets`);
      if (refs.configMaps) return fail(`node "${node}" can not create pods that reference configmaps`);
      if (refs.trustBundles) return fail(`node "${node}" can not create pods that reference clustertrustbundles`);
      if (refs.claims) return fail(`node "${node}" can not create pods that reference persistentvolumeclaims`);
      return ALLOW;
    };

    const admitNode = (node: string, a: AdmissionAttributes, object: KubeObject, old: KubeObject | undefined): PluginVerdict => {
      const spec = (object.spec ?? {}) as Spec;
      if (a.operation === 'CREATE') {
        if (object.metadata.name !== node) return refuse(a, `node "${node}" is not allowed to modify node "${object.metadata.name ?? ''}"`, object);
        if (spec.configSource) return refuse(a, `node "${node}" is not allowed to create pods with a non-nil configSource`, object);
        const labels = forbiddenLabels(object.metadata.labels, {});
        if (labels.length > 0) return refuse(a, `node "${node}" is not allowed to set the following labels: ${labels.join(', ')}`, object);
        return ALLOW;
      }
      const oldSpec = (old?.spec ?? {}) as Spec;
      if (spec.configSource && !same(spec.configSource, oldSpec.configSource)) return refuse(a, `node "${node}" is not allowed to update configSource to a new non-nil configSource`);
      if (!same(spec.taints?.length ? spec.taints : undefined, oldSpec.taints?.length ? oldSpec.taints : undefined)) return refuse(a, `node "${node}" is not allowed to modify taints`);
      const labels = forbiddenLabels(object.metadata.labels, old?.metadata.labels);
      if (labels.length > 0) return refuse(a, `is not allowed to modify labels: ${labels.join(', ')}`);
      return ALLOW;
    };

    /** kube compares the claims with resourceVersion, managedFields, status.capacity and status.conditions cleared. */
    const admitClaimStatus = (node: string, a: AdmissionAttributes, object: KubeObject, old: KubeObject | undefined): PluginVerdict => {
      const comparable = (o: KubeObject | undefined): unknown => {
        if (!o) return undefined;
        const { resourceVersion: _rv, managedFields: _mf, ...metadata } = o.metadata;
        const { capacity: _c, conditions: _cond, allocatedResources: _ar, allocatedResourceStatuses: _ars, ...status } = (o.status ?? {}) as Spec;
        return { ...o, metadata, status };
      };
      if (same(comparable(object), comparable(old))) return ALLOW;
      return refuse(a, `node "${node}" is not allowed to update fields other than status.capacity and status.conditions`);
    };

    return {
      name: 'NodeRestriction',
      watches: [{ group: '', plural: 'pods' }, { group: '', plural: 'nodes' }],
      observe(resource, change) {
        if (change.type === 'SYNC') {
          (resource.plural === 'nodes' ? nodes : pods).clear();
          for (const o of change.objects ?? []) keep(resource.plural, o, false);
        } else if (change.object) keep(resource.plural, change.object, change.type === 'DELETED');
      },
      admitRequest(_request: ApiRequest, a) {
        const node = nodeIdentity(a.userInfo);
        if (node === undefined || !HANDLED.has(a.operation) || !restricted(a)) return ALLOW;
        return byAttributes(node, a);
      },
      wantsObject(a) {
        if (!restricted(a) || !HANDLED.has(a.operation)) return false;
        return nodeIdentity(a.userInfo) !== undefined;
      },
      mutate(a, object, old) {
        const node = nodeIdentity(a.userInfo);
        if (!node || !HANDLED.has(a.operation)) return ALLOW;
        if (isCore(a, 'pods')) {
          if (a.subresource === '' && a.operation === 'CREATE' && object) return admitPodCreate(node, a, object);
          if (a.subresource === '' && a.operation === 'DELETE') {
            const bound = (old?.spec as Spec | undefined)?.nodeName;
            return bound === node ? ALLOW : refuse(a, `node "${node}" can only delete pods with spec.nodeName set to itself`);
          }
          if (a.subresource === 'status' && object) {
            if ((old?.spec as Spec | undefined)?.nodeName !== node) return refuse(a, `node "${node}" can only update pod status for pods with spec.nodeName set to itself`);
            if (!same(object.metadata.labels ?? {}, old?.metadata.labels ?? {})) return refuse(a, `node "${node}" cannot update labels through pod status`);
          }
          return ALLOW;
        }
        if (isCore(a, 'nodes') && object && a.operation !== 'DELETE') return admitNode(node, a, object, old);
        if (isCore(a, 'persistentvolumeclaims') && object) return admitClaimStatus(node, a, object, old);
        if (a.operation === 'CREATE' && object && object.metadata.name !== node) {
          return refuse(a, a.resource.resource === 'leases' ? 'can only access node lease with the same name as the requesting node' : 'can only access CSINode with the same name as the requesting node', object);
        }
        return ALLOW;
      },
    };
  },
};

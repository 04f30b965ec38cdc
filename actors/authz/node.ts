// kube's Node authorizer (--authorization-mode=Node). A node is a user named
// system:node:<name> in system:nodes; anyone else gets no opinion. A node may
// do what kube's system:node rules allow (read pods, nodes, services and
// endpoints; write its node, its pods' status, events and leases; ask for
// token and access reviews), and may `get` a secret, configmap,
// persistentvolumeclaim or serviceaccount, or create a serviceaccount's
// token, only when a pod bound to it (spec.nodeName) refers to that object:
// its graph, kept current from the pods store (observe()).

import type { KubeObject, UserInfo } from '../../protocol/kube/meta.js';
import { isResourceAttributes, ruleAllows, type Attributes, type PolicyRule } from './rbac.js';
import { NO_RULES, type ModeAuthorizer, type RulesAnswer, type Verdict } from './decide.js';

const NODE_PREFIX = 'system:node:';
const GRAPH_RESOURCES = new Set(['secrets', 'configmaps', 'persistentvolumeclaims', 'serviceaccounts']);

const rule = (verbs: string[], apiGroups: string[], resources: string[]): PolicyRule => ({ verbs, apiGroups, resources });

/** kube's NodeRules, the subset of its groups kubeactor serves. */
const NODE_RULES: PolicyRule[] = [
  rule(['create', 'get', 'list', 'watch'], ['authentication.k8s.io'], ['tokenreviews']),
  rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews', 'localsubjectaccessreviews']),
  rule(['get', 'list', 'watch'], [''], ['services', 'endpoints', 'nodes', 'pods']),
  rule(['create', 'delete', 'get', 'patch', 'update'], [''], ['nodes', 'nodes/status']),
  rule(['create', 'delete'], [''], ['pods']),
  rule(['patch', 'update'], [''], ['pods/status']),
  rule(['create'], [''], ['pods/eviction']),
  rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  rule(['get', 'create', 'update', 'patch', 'delete'], ['coordination.k8s.io'], ['leases']),
  rule(['get', 'list', 'watch'], ['storage.k8s.io'], ['csidrivers', 'csinodes', 'storageclasses', 'volumeattachments']),
  rule(['get', 'list', 'watch'], ['node.k8s.io'], ['runtimeclasses']),
];

/** What a pod refers to, by resource: `namespace/name` keys. */
function referencesOf(pod: KubeObject): Map<string, Set<string>> {
  const ns = pod.metadata.namespace ?? '';
  const refs = new Map<string, Set<string>>([...GRAPH_RESOURCES].map((r) => [r, new Set<string>()]));
  const add = (resource: string, name: unknown): void => {
    if (typeof name === 'string' && name !== '') refs.get(resource)!.add(`${ns}/${name}`);
  };
  const spec = (pod.spec ?? {}) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  add('serviceaccounts', spec.serviceAccountName || 'default');
  for (const s of spec.imagePullSecrets ?? []) add('secrets', s?.name);
  for (const v of spec.volumes ?? []) {
    add('secrets', v?.secret?.secretName);
    add('configmaps', v?.configMap?.name);
    add('persistentvolumeclaims', v?.persistentVolumeClaim?.claimName);
    for (const source of v?.projected?.sources ?? []) {
      add('secrets', source?.secret?.name);
      add('configmaps', source?.configMap?.name);
    }
  }
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? []), ...(spec.ephemeralContainers ?? [])]) {
    for (const e of c?.env ?? []) {
      add('secrets', e?.valueFrom?.secretKeyRef?.name);
      add('configmaps', e?.valueFrom?.configMapKeyRef?.name);
    }
    for (const e of c?.envFrom ?? []) {
      add('secrets', e?.secretRef?.name);
      add('configmaps', e?.configMapRef?.name);
    }
  }
  return refs;
}

export class NodeAuthorizer implements ModeAuthorizer {
  /** Each bound pod's node and references, by `namespace/name`. */
  private readonly pods = new Map<string, { node: string; refs: Map<string, Set<string>> }>();

  /** A pod was added, changed or deleted. */
  observe(namespace: string, name: string, pod: KubeObject | undefined): void {
    const key = `${namespace}/${name}`;
    const node = (pod?.spec as { nodeName?: string } | undefined)?.nodeName;
    if (!pod || !node) this.pods.delete(key);
    else this.pods.set(key, { node, refs: referencesOf(pod) });
  }

  authorize(user: UserInfo, a: Attributes): Verdict {
    if (!user.username.startsWith(NODE_PREFIX) || !user.groups.includes('system:nodes')) return { decision: 'NoOpinion', reason: '' };
    const node = user.username.slice(NODE_PREFIX.length);
    if (node === '') return { decision: 'NoOpinion', reason: 'unknown node' };
    if (!isResourceAttributes(a)) return { decision: 'NoOpinion', reason: '' };
    if (a.apiGroup === '' && GRAPH_RESOURCES.has(a.resource) && (a.subresource === '' || (a.resource === 'serviceaccounts' && a.subresource === 'token'))) {
      const tokenRequest = a.resource === 'serviceaccounts' && a.subresource === 'token';
      if (tokenRequest ? a.verb !== 'create' : a.verb !== 'get') return { decision: 'NoOpinion', reason: tokenRequest ? 'can only create tokens for individual service accounts' : 'can only get individual resources of this type' };
      if (a.name === '') return { decision: 'NoOpinion', reason: 'can only get individual resources of this type' };
      const key = `${a.namespace}/${a.name}`;
      for (const pod of this.pods.values()) if (pod.node === node && pod.refs.get(a.resource)!.has(key)) return { decision: 'Allow', reason: '' };
      return { decision: 'NoOpinion', reason: `no relationship found between node '${node}' and this object` };
    }
    return NODE_RULES.some((r) => ruleAllows(r, a)) ? { decision: 'Allow', reason: '' } : { decision: 'NoOpinion', reason: '' };
  }

  /** kube's: a node's rules depend on its graph, which it cannot list. */
  rulesFor(user: UserInfo): RulesAnswer {
    if (!user.username.startsWith(NODE_PREFIX) || !user.groups.includes('system:nodes')) return NO_RULES;
    return { resourceRules: [], nonResourceRules: [], incomplete: true, error: 'node authorizer does not support user rule resolution' };
  }
}

// The FlowSchemas and PriorityLevelConfigurations kube-apiserver 1.33 creates
// at start (k8s.io/apiserver's flowcontrol bootstrap configuration): the
// mandatory ones, which it keeps as they are, and the suggested ones, which it
// creates when missing and keeps up to date while their
// `apf.kubernetes.io/autoupdate-spec` annotation says "true".

import type { KubeObject } from '../../protocol/kube/meta.js';

export const AUTOUPDATE_ANNOTATION = 'apf.kubernetes.io/autoupdate-spec';
const API_VERSION = 'flowcontrol.apiserver.k8s.io/v1';

type Subject = { kind: 'Group'; group: { name: string } } | { kind: 'User'; user: { name: string } } | { kind: 'ServiceAccount'; serviceAccount: { namespace: string; name: string } };

const groups = (...names: string[]): Subject[] => names.map((name) => ({ kind: 'Group', group: { name } }));
const users = (...names: string[]): Subject[] => names.map((name) => ({ kind: 'User', user: { name } }));
const kubeSystemServiceAccounts = (name = '*'): Subject[] => [{ kind: 'ServiceAccount', serviceAccount: { namespace: 'kube-system', name } }];

const everything = {
  resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], clusterScope: true, namespaces: ['*'] }],
  nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
};

const leaderElectionRules = (configMapNamespaces: string[]): object[] => [
  { verbs: ['get', 'create', 'update'], apiGroups: [''], resources: ['endpoints', 'configmaps'], namespaces: configMapNamespaces },
  { verbs: ['get', 'create', 'update'], apiGroups: ['coordination.k8s.io'], resources: ['leases'], namespaces: ['*'] },
];

function flowSchema(name: string, priorityLevel: string, matchingPrecedence: number, distinguisher: 'ByUser' | 'ByNamespace' | undefined, rules: object[]): KubeObject {
  return {
    apiVersion: API_VERSION, kind: 'FlowSchema',
    metadata: { name, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } },
    spec: { priorityLevelConfiguration: { name: priorityLevel }, matchingPrecedence, ...(distinguisher ? { distinguisherMethod: { type: distinguisher } } : {}), rules },
  } as KubeObject;
}

function limited(name: string, nominalConcurrencyShares: number, lendablePercent: number, queuing?: { queues: number; handSize: number; queueLengthLimit: number }): KubeObject {
  return {
    apiVersion: API_VERSION, kind: 'PriorityLevelConfiguration',
    metadata: { name, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } },
    spec: { type: 'Limited', limited: { nominalConcurrencyShares, lendablePercent, limitResponse: queuing ? { type: 'Queue', queuing } : { type: 'Reject' } } },
  } as KubeObject;
}

const QUEUES_64 = { queues: 64, handSize: 6, queueLengthLimit: 50 };
const QUEUES_128 = { queues: 128, handSize: 6, queueLengthLimit: 50 };

export const MANDATORY_PRIORITY_LEVELS: readonly KubeObject[] = [
  {
    apiVersion: API_VERSION, kind: 'PriorityLevelConfiguration',
    metadata: { name: 'exempt', annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } },
    spec: { type: 'Exempt', exempt: { nominalConcurrencyShares: 0, lendablePercent: 0 } },
  } as KubeObject,
  limited('catch-all', 5, 0),
];

export const MANDATORY_FLOW_SCHEMAS: readonly KubeObject[] = [
  flowSchema('exempt', 'exempt', 1, undefined, [{ subjects: groups('system:masters'), ...everything }]),
  flowSchema('probes', 'exempt', 2, undefined, [{
    subjects: groups('system:unauthenticated', 'system:authenticated'),
    nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/readyz', '/livez'] }],
  }]),
  flowSchema('catch-all', 'catch-all', 10000, 'ByUser', [{ subjects: groups('system:unauthenticated', 'system:authenticated'), ...everything }]),
];

export const SUGGESTED_PRIORITY_LEVELS: readonly KubeObject[] = [
  limited('system', 30, 33, QUEUES_64),
  limited('node-high', 40, 25, QUEUES_64),
  limited('leader-election', 10, 0, { queues: 16, handSize: 4, queueLengthLimit: 50 }),
  limited('workload-high', 40, 50, QUEUES_128),
  limited('workload-low', 100, 90, QUEUES_128),
  limited('global-default', 20, 50, QUEUES_128),
];

export const SUGGESTED_FLOW_SCHEMAS: readonly KubeObject[] = [
  flowSchema('system-nodes', 'system', 500, 'ByUser', [{ subjects: groups('system:nodes'), ...everything }]),
  flowSchema('system-node-high', 'node-high', 400, 'ByUser', [{
    subjects: groups('system:nodes'),
    resourceRules: [
      { verbs: ['*'], apiGroups: [''], resources: ['nodes', 'nodes/status'], clusterScope: true, namespaces: ['*'] },
      { verbs: ['*'], apiGroups: ['coordination.k8s.io'], resources: ['leases'], namespaces: ['*'] },
    ],
  }]),
  flowSchema('system-leader-election', 'leader-election', 100, 'ByUser', [{
    subjects: [...users('system:kube-controller-manager', 'system:kube-scheduler'), ...kubeSystemServiceAccounts()],
    resourceRules: leaderElectionRules(['kube-system']),
  }]),
  flowSchema('endpoint-controller', 'workload-high', 150, 'ByUser', [{
    subjects: [...users('system:kube-controller-manager'), ...kubeSystemServiceAccounts('endpoint-controller')],
    resourceRules: [{ verbs: ['get', 'create', 'update'], apiGroups: [''], resources: ['endpoints'], namespaces: ['*'] }],
  }]),
  flowSchema('workload-leader-election', 'leader-election', 200, 'ByUser', [{ subjects: kubeSystemServiceAccounts(), resourceRules: leaderElectionRules(['*']) }]),
  flowSchema('kube-controller-manager', 'workload-high', 800, 'ByNamespace', [{ subjects: users('system:kube-controller-manager'), ...everything }]),
  flowSchema('kube-scheduler', 'workload-high', 800, 'ByNamespace', [{ subjects: users('system:kube-scheduler'), ...everything }]),
  flowSchema('kube-system-service-accounts', 'workload-high', 900, 'ByNamespace', [{ subjects: kubeSystemServiceAccounts(), ...everything }]),
  flowSchema('service-accounts', 'workload-low', 9000, 'ByUser', [{ subjects: groups('system:serviceaccounts'), ...everything }]),
  flowSchema('global-default', 'global-default', 9900, 'ByUser', [{ subjects: groups('system:unauthenticated', 'system:authenticated'), ...everything }]),
];

export const MANDATORY_NAMES = {
  flowschemas: new Set(MANDATORY_FLOW_SCHEMAS.map((o) => o.metadata.name!)),
  prioritylevelconfigurations: new Set(MANDATORY_PRIORITY_LEVELS.map((o) => o.metadata.name!)),
};

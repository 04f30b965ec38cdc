// kube's printer columns (pkg/printers/internalversion) for the kinds that
// have no description file of their own, keyed `<group>/<plural>`, with the
// defaults kube's defaulting functions set on the fields those columns show.
// A kind without an entry gets kube's default table (NAME, CREATED AT).

import type { KubeObject } from '../../protocol/kube/meta.js';
import type { ColumnSpec, KindDescription } from '../kind-description.js';
import { ageColumn, ageOf, field, humanDuration, nameColumn, selectorString } from '../columns.js';

type Printer = Pick<KindDescription, 'columns' | 'defaults' | 'keepsStatusOnCreate' | 'fromRequester'>;

const col = (name: string, cell: (o: KubeObject) => unknown, type: ColumnSpec['type'] = 'string', priority = 0): ColumnSpec =>
  ({ name, type, description: name, ...(priority ? { priority } : {}), cell });
const wide = (name: string, cell: (o: KubeObject) => unknown): ColumnSpec => col(name, cell, 'string', 1);
const str = (value: unknown, none = ''): string => (value === undefined || value === null || value === '' ? none : String(value));
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const spec = (o: KubeObject): Record<string, unknown> => (o.spec ?? {}) as Record<string, unknown>;
const status = (o: KubeObject): Record<string, unknown> => (o.status ?? {}) as Record<string, unknown>;

/** kube's access mode abbreviations. */
const ACCESS_MODES: Record<string, string> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };
const accessModes = (modes: unknown): string => list(modes).map((m) => ACCESS_MODES[String(m)] ?? String(m)).join(',');
const storage = (map: unknown): string => str((map as Record<string, unknown> | undefined)?.storage);

/** At most three, then `+ N more...`, as kube lists hosts and endpoints. */
function firstThree(values: string[], none: string): string {
  if (values.length === 0) return none;
  return values.length > 3 ? `${values.slice(0, 3).join(',')} + ${values.length - 3} more...` : values.join(',');
}

const healthCondition = (o: KubeObject): { status?: string; message?: string; error?: string } | undefined =>
  list((o as { conditions?: unknown }).conditions).find((c) => (c as { type?: string }).type === 'Healthy') as { status?: string } | undefined;

function nodeStatus(o: KubeObject): string {
  const ready = list(status(o).conditions).find((c) => (c as { type?: string }).type === 'Ready') as { status?: string } | undefined;
  const phase = !ready ? 'Unknown' : ready.status === 'True' ? 'Ready' : ready.status === 'False' ? 'NotReady' : 'Unknown';
  return spec(o).unschedulable ? `${phase},SchedulingDisabled` : phase;
}

function nodeRoles(o: KubeObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(o.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) roles.add(k.slice('node-role.kubernetes.io/'.length));
    else if (k === 'kubernetes.io/role') roles.add(v);
  }
  return roles.size > 0 ? [...roles].filter(Boolean).sort().join(',') : '<none>';
}

const nodeAddress = (o: KubeObject, type: string): string =>
  str((list(status(o).addresses).find((a) => (a as { type?: string }).type === type) as { address?: string } | undefined)?.address, '<none>');
const nodeInfo = (o: KubeObject, key: string): string => str((status(o).nodeInfo as Record<string, unknown> | undefined)?.[key], '<unknown>');

function quotaCell(o: KubeObject, limits: boolean): string {
  const hard = (spec(o).hard ?? {}) as Record<string, unknown>;
  const used = (status(o).used ?? {}) as Record<string, unknown>;
  return Object.keys(hard).filter((k) => k.startsWith('limits.') === limits).sort()
    .map((k) => `${k}: ${str(used[k], '0')}/${str(hard[k])}`).join(', ');
}

function ingressHosts(o: KubeObject): string {
  const hosts = list(spec(o).rules).map((r) => str((r as { host?: string }).host, '*'));
  return firstThree(hosts, '*');
}

const loadBalancer = (o: KubeObject): string =>
  list((status(o).loadBalancer as { ingress?: unknown } | undefined)?.ingress).map((i) => str((i as { ip?: string }).ip) || str((i as { hostname?: string }).hostname)).join(',');

function hpaTargets(o: KubeObject): string {
  const metrics = list(spec(o).metrics);
  if (metrics.length === 0) return '<none>';
  const shown = metrics.map((m) => {
    const resource = (m as { resource?: { name?: string; target?: { averageUtilization?: number; averageValue?: string; value?: string } } }).resource;
    if (!resource) return '<unknown>/<unknown>';
    const t = resource.target ?? {};
    const target = t.averageUtilization !== undefined ? `${t.averageUtilization}%` : str(t.averageValue ?? t.value, '<unknown>');
    return `${resource.name ?? ''}: <unknown>/${target}`;
  });
  return shown.length > 2 ? `${shown.slice(0, 2).join(', ')} + ${shown.length - 2} more...` : shown.join(', ');
}

/** kube's extractCSRStatus: Denied over Approved over Pending, then Failed, then Issued once it has its certificate. */
function csrCondition(o: KubeObject): string {
  const types = new Set(list(status(o).conditions).map((c) => str((c as { type?: string }).type)));
  let text = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending';
  if (types.has('Failed')) text += ',Failed';
  if (status(o).certificate) text += ',Issued';
  return text;
}

const bool = (value: unknown): boolean => value === true;

function controllerOf(o: KubeObject): string {
  const owner = (o.metadata.ownerReferences ?? []).find((r) => r.controller);
  if (!owner) return '<none>';
  const group = owner.apiVersion.includes('/') ? owner.apiVersion.split('/')[0] : '';
  return `${owner.kind.toLowerCase()}${group ? `.${group}` : ''}/${owner.name}`;
}

export const PRINTERS: Readonly<Record<string, Printer>> = {
  '/nodes': {
    keepsStatusOnCreate: true,
    columns: [
      nameColumn, col('Status', nodeStatus), col('Roles', nodeRoles), ageColumn, col('Version', (o) => nodeInfo(o, 'kubeletVersion').replace('<unknown>', '')),
      wide('Internal-IP', (o) => nodeAddress(o, 'InternalIP')), wide('External-IP', (o) => nodeAddress(o, 'ExternalIP')),
      wide('OS-Image', (o) => nodeInfo(o, 'osImage')), wide('Kernel-Version', (o) => nodeInfo(o, 'kernelVersion')), wide('Container-Runtime', (o) => nodeInfo(o, 'containerRuntimeVersion')),
    ],
  },
  '/componentstatuses': {
    // kube's printComponentStatus: the first Healthy condition says it all.
    columns: [
      nameColumn,
      col('Status', (o) => { const c = healthCondition(o); return !c ? 'Unknown' : c.status === 'True' ? 'Healthy' : 'Unhealthy'; }),
      col('Message', (o) => str(healthCondition(o)?.message)), col('Error', (o) => str(healthCondition(o)?.error)),
    ],
  },
  '/persistentvolumes': {
    columns: [
      nameColumn, col('Capacity', (o) => storage(spec(o).capacity)), col('Access Modes', (o) => accessModes(spec(o).accessModes)),
      col('Reclaim Policy', (o) => str(spec(o).persistentVolumeReclaimPolicy)), col('Status', (o) => str(status(o).phase)),
      col('Claim', (o) => { const ref = spec(o).claimRef as { namespace?: string; name?: string } | undefined; return ref ? `${ref.namespace ?? ''}/${ref.name ?? ''}` : ''; }),
      col('StorageClass', (o) => str(spec(o).storageClassName)), col('VolumeAttributesClass', (o) => str(spec(o).volumeAttributesClassName, '<unset>')),
      col('Reason', (o) => str(status(o).reason)), ageColumn, wide('VolumeMode', (o) => str(spec(o).volumeMode, '<unset>')),
    ],
    defaults(o) {
      const s = (o.spec ??= {}) as Record<string, unknown>;
      s.persistentVolumeReclaimPolicy ??= 'Retain';
      s.volumeMode ??= 'Filesystem';
      o.status = { phase: 'Pending', ...(o.status as object | undefined) };
    },
  },
  '/persistentvolumeclaims': {
    columns: [
      nameColumn, col('Status', (o) => str(status(o).phase)), col('Volume', (o) => str(spec(o).volumeName)), col('Capacity', (o) => storage(status(o).capacity)),
      col('Access Modes', (o) => accessModes(status(o).accessModes)), col('StorageClass', (o) => str(spec(o).storageClassName)),
      col('VolumeAttributesClass', (o) => str(spec(o).volumeAttributesClassName, '<unset>')), ageColumn, wide('VolumeMode', (o) => str(spec(o).volumeMode, '<unset>')),
    ],
    defaults(o) {
      const s = (o.spec ??= {}) as Record<string, unknown>;
      s.volumeMode ??= 'Filesystem';
      o.status = { phase: 'Pending', ...(o.status as object | undefined) };
    },
  },
  '/resourcequotas': {
    columns: [nameColumn, col('Request', (o) => quotaCell(o, false)), col('Limit', (o) => quotaCell(o, true)), ageColumn],
  },
  'autoscaling/horizontalpodautoscalers': {
    columns: [
      nameColumn, col('Reference', (o) => { const r = spec(o).scaleTargetRef as { kind?: string; name?: string } | undefined; return `${r?.kind ?? ''}/${r?.name ?? ''}`; }),
      col('Targets', hpaTargets), col('MinPods', (o) => str(spec(o).minReplicas, '<unset>')), col('MaxPods', (o) => str(spec(o).maxReplicas)),
      col('Replicas', (o) => str(status(o).currentReplicas, '0')), ageColumn,
    ],
    defaults(o) {
      ((o.spec ??= {}) as Record<string, unknown>).minReplicas ??= 1;
    },
  },
  'certificates.k8s.io/certificatesigningrequests': {
    columns: [
      nameColumn, ageColumn, col('SignerName', (o) => str(spec(o).signerName)), col('Requestor', (o) => str(spec(o).username)),
      col('RequestedDuration', (o) => (typeof spec(o).expirationSeconds === 'number' ? humanDuration((spec(o).expirationSeconds as number) * 1000) : '<none>')),
      col('Condition', csrCondition),
    ],
    // kube's CSR strategy: who asked is the request's user, whatever the body says.
    fromRequester(o, user) {
      const s = (o.spec ??= {}) as Record<string, unknown>;
      s.username = user.username;
      if (user.uid) s.uid = user.uid;
      else delete s.uid;
      s.groups = [...user.groups];
      if (user.extra) s.extra = user.extra;
      else delete s.extra;
    },
  },
  'coordination.k8s.io/leases': { columns: [nameColumn, col('Holder', (o) => str(spec(o).holderIdentity)), ageColumn] },
  'discovery.k8s.io/endpointslices': {
    columns: [
      nameColumn, col('AddressType', (o) => str(o.addressType)),
      col('Ports', (o) => { const ports = list(o.ports).map((p) => str((p as { port?: number }).port)).filter(Boolean); return ports.length ? ports.join(',') : '<unset>'; }),
      col('Endpoints', (o) => firstThree(list(o.endpoints).flatMap((e) => list((e as { addresses?: unknown }).addresses).map(String)), '<unset>')),
      ageColumn,
    ],
  },
  'networking.k8s.io/ingresses': {
    columns: [
      nameColumn, col('Class', (o) => str(spec(o).ingressClassName, '<none>')), col('Hosts', ingressHosts), col('Address', loadBalancer),
      col('Ports', (o) => (list(spec(o).tls).length > 0 ? '80, 443' : '80')), ageColumn,
    ],
  },
  'networking.k8s.io/ingressclasses': {
    columns: [
      nameColumn, col('Controller', (o) => str(spec(o).controller)),
      col('Parameters', (o) => { const p = spec(o).parameters as { apiGroup?: string; kind?: string; name?: string } | undefined; return p ? `${p.apiGroup ? `${p.apiGroup}/` : ''}${p.kind ?? ''}/${p.name ?? ''}` : '<none>'; }),
      ageColumn,
    ],
  },
  'networking.k8s.io/networkpolicies': { columns: [nameColumn, col('Pod-Selector', (o) => selectorString(spec(o).podSelector) || '<none>'), ageColumn] },
  'networking.k8s.io/ipaddresses': {
    columns: [nameColumn, col('ParentRef', (o) => { const p = spec(o).parentRef as { group?: string; resource?: string; namespace?: string; name?: string } | undefined; return p ? `${p.resource ?? ''}${p.group ? `.${p.group}` : ''}/${p.namespace ? `${p.namespace}/` : ''}${p.name ?? ''}` : ''; })],
  },
  'networking.k8s.io/servicecidrs': { columns: [nameColumn, col('CIDRs', (o) => list(spec(o).cidrs).join(',')), ageColumn] },
  'node.k8s.io/runtimeclasses': { columns: [nameColumn, col('Handler', (o) => str(o.handler)), ageColumn] },
  'policy/poddisruptionbudgets': {
    columns: [
      nameColumn, col('Min Available', (o) => str(spec(o).minAvailable, 'N/A')), col('Max Unavailable', (o) => str(spec(o).maxUnavailable, 'N/A')),
      col('Allowed Disruptions', (o) => Number(status(o).disruptionsAllowed ?? 0), 'integer'), ageColumn,
    ],
  },
  'scheduling.k8s.io/priorityclasses': {
    columns: [nameColumn, col('Value', (o) => Number(o.value ?? 0), 'integer'), col('Global-Default', (o) => bool(o.globalDefault), 'boolean'), ageColumn, col('PreemptionPolicy', (o) => str(o.preemptionPolicy))],
    defaults(o) {
      o.preemptionPolicy ??= 'PreemptLowerPriority';
    },
  },
  'storage.k8s.io/storageclasses': {
    columns: [
      { ...nameColumn, cell: (o) => `${o.metadata.name ?? ''}${o.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true' ? ' (default)' : ''}` },
      col('Provisioner', (o) => str(o.provisioner)), col('ReclaimPolicy', (o) => str(o.reclaimPolicy)), col('VolumeBindingMode', (o) => str(o.volumeBindingMode)),
      col('AllowVolumeExpansion', (o) => String(bool(o.allowVolumeExpansion))), ageColumn,
    ],
    defaults(o) {
      o.reclaimPolicy ??= 'Delete';
      o.volumeBindingMode ??= 'Immediate';
    },
  },
  'storage.k8s.io/csidrivers': {
    columns: [
      nameColumn, col('AttachRequired', (o) => bool(spec(o).attachRequired), 'boolean'), col('PodInfoOnMount', (o) => bool(spec(o).podInfoOnMount), 'boolean'),
      col('StorageCapacity', (o) => bool(spec(o).storageCapacity), 'boolean'),
      col('TokenRequests', (o) => { const t = list(spec(o).tokenRequests).map((r) => str((r as { audience?: string }).audience)); return t.length ? t.join(',') : '<unset>'; }),
      col('RequiresRepublish', (o) => bool(spec(o).requiresRepublish), 'boolean'), col('Modes', (o) => list(spec(o).volumeLifecycleModes).join(',') || '<none>'), ageColumn,
    ],
    defaults(o) {
      const s = (o.spec ??= {}) as Record<string, unknown>;
      s.attachRequired ??= true;
      s.podInfoOnMount ??= false;
      s.storageCapacity ??= false;
      s.requiresRepublish ??= false;
      s.fsGroupPolicy ??= 'ReadWriteOnceWithFSType';
      s.seLinuxMount ??= false;
      s.volumeLifecycleModes ??= ['Persistent'];
    },
  },
  'storage.k8s.io/csinodes': { columns: [nameColumn, col('Drivers', (o) => list(spec(o).drivers).length, 'integer'), ageColumn] },
  'storage.k8s.io/csistoragecapacities': { columns: [nameColumn, col('StorageClassName', (o) => str(o.storageClassName)), col('Capacity', (o) => str(o.capacity))] },
  'storage.k8s.io/volumeattachments': {
    columns: [
      nameColumn, col('Attacher', (o) => str(spec(o).attacher)), col('PV', (o) => str((spec(o).source as { persistentVolumeName?: string } | undefined)?.persistentVolumeName)),
      col('Node', (o) => str(spec(o).nodeName)), col('Attached', (o) => bool(status(o).attached), 'boolean'), ageColumn,
    ],
  },
  'admissionregistration.k8s.io/mutatingwebhookconfigurations': { columns: [nameColumn, col('Webhooks', (o) => list(o.webhooks).length, 'integer'), ageColumn] },
  'admissionregistration.k8s.io/validatingwebhookconfigurations': { columns: [nameColumn, col('Webhooks', (o) => list(o.webhooks).length, 'integer'), ageColumn] },
  'admissionregistration.k8s.io/validatingadmissionpolicies': {
    columns: [
      nameColumn, col('Validations', (o) => list(spec(o).validations).length, 'integer'),
      col('ParamKind', (o) => { const p = spec(o).paramKind as { apiVersion?: string; kind?: string } | undefined; return p ? `${p.apiVersion ?? ''}/${p.kind ?? ''}` : '<unset>'; }),
      ageColumn,
    ],
  },
  'admissionregistration.k8s.io/validatingadmissionpolicybindings': {
    columns: [
      nameColumn, col('PolicyName', (o) => str(spec(o).policyName)),
      col('ParamRef', (o) => { const p = spec(o).paramRef as { namespace?: string; name?: string } | undefined; return p ? `${p.namespace ?? '*'}/${p.name ?? '*'}` : '<unset>'; }),
      ageColumn,
    ],
  },
  'flowcontrol.apiserver.k8s.io/flowschemas': {
    columns: [
      nameColumn, col('PriorityLevel', (o) => str((spec(o).priorityLevelConfiguration as { name?: string } | undefined)?.name)),
      col('MatchingPrecedence', (o) => str(spec(o).matchingPrecedence)), col('DistinguisherMethod', (o) => str((spec(o).distinguisherMethod as { type?: string } | undefined)?.type, '<none>')),
      // kube's printFlowSchema: the Dangling condition's status, or ? before the configuration controller has written it.
      ageColumn, col('MissingPL', (o) => str((list(status(o).conditions).find((c) => (c as { type?: string }).type === 'Dangling') as { status?: string } | undefined)?.status, '?')),
    ],
  },
  'flowcontrol.apiserver.k8s.io/prioritylevelconfigurations': {
    columns: [
      nameColumn, col('Type', (o) => str(spec(o).type)),
      col('NominalConcurrencyShares', (o) => str((spec(o).limited as { nominalConcurrencyShares?: number } | undefined)?.nominalConcurrencyShares, '<none>')),
      col('Queues', (o) => str(((spec(o).limited as { limitResponse?: { queuing?: { queues?: number } } } | undefined)?.limitResponse?.queuing)?.queues, '<none>')),
      col('HandSize', (o) => str(((spec(o).limited as { limitResponse?: { queuing?: { handSize?: number } } } | undefined)?.limitResponse?.queuing)?.handSize, '<none>')),
      col('QueueLengthLimit', (o) => str(((spec(o).limited as { limitResponse?: { queuing?: { queueLengthLimit?: number } } } | undefined)?.limitResponse?.queuing)?.queueLengthLimit, '<none>')),
      ageColumn,
    ],
  },
  'apps/controllerrevisions': { columns: [nameColumn, col('Controller', controllerOf), col('Revision', (o) => Number(o.revision ?? 0), 'integer'), ageColumn] },
  'events.k8s.io/events': {
    columns: [
      col('Last Seen', (o) => ageOf(o.deprecatedLastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp)), col('Type', (o) => str(o.type)), col('Reason', (o) => str(o.reason)),
      col('Object', (o) => { const r = o.regarding as { kind?: string; name?: string } | undefined; return `${(r?.kind ?? '').toLowerCase()}/${r?.name ?? ''}`; }),
      col('Message', (o) => str(o.note)), { ...nameColumn, priority: 1 },
    ],
  },
};

import type { KindDescription } from '../kind-description.js';
import type { KubeObject } from '../../protocol/kube/meta.js';
import { ageColumn, field, nameColumn } from '../columns.js';
import { ALL_VERBS } from '../verbs.js';

interface ServicePort {
  port?: number;
  protocol?: string;
  nodePort?: number;
}

function portsCell(o: KubeObject): string {
  const ports = (field(o, 'spec', 'ports') as ServicePort[] | undefined) ?? [];
  if (ports.length === 0) return '<none>';
  return ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
}

function selectorCell(o: KubeObject): string {
  const selector = field(o, 'spec', 'selector') as Record<string, string> | undefined;
  if (!selector || Object.keys(selector).length === 0) return '<none>';
  return Object.entries(selector).sort().map(([k, v]) => `${k}=${v}`).join(',');
}

export const service: KindDescription = {
  group: '',
  version: 'v1',
  kind: 'Service',
  plural: 'services',
  storagePrefix: 'services/specs',
  singular: 'service',
  shortNames: ['svc'],
  categories: ['all'],
  namespaced: true,
  verbs: ALL_VERBS,
  definition: 'io.k8s.api.core.v1.Service',
  servedBy: 'store',
  tracksGeneration: false,
  nameFormat: 'dns1035-label',
  columns: [
    nameColumn,
    { name: 'Type', type: 'string', description: 'The type of the service.', cell: (o) => field(o, 'spec', 'type') ?? 'ClusterIP' },
    { name: 'Cluster-IP', type: 'string', description: 'The cluster IP.', cell: (o) => field(o, 'spec', 'clusterIP') ?? '<none>' },
    {
      name: 'External-IP',
      type: 'string',
      description: 'External IPs.',
      cell: (o) => ((field(o, 'spec', 'externalIPs') as string[] | undefined) ?? []).join(',') || '<none>',
    },
    { name: 'Port(s)', type: 'string', description: 'Ports.', cell: portsCell },
    ageColumn,
    { name: 'Selector', type: 'string', priority: 1, description: 'The label selector.', cell: selectorCell },
  ],
  defaults(object) {
    const spec = (object.spec ??= {}) as Record<string, unknown>;
    spec.type ??= 'ClusterIP';
    spec.sessionAffinity ??= 'None';
    spec.ipFamilyPolicy ??= 'SingleStack';
    spec.internalTrafficPolicy ??= 'Cluster';
    for (const port of (spec.ports as ServicePort[] & { targetPort?: unknown }[] | undefined) ?? []) {
      port.protocol ??= 'TCP';
      (port as { targetPort?: unknown }).targetPort ??= port.port;
    }
  },
};

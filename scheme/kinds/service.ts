// core/v1 Service: SetDefaults_Service and the IP family fields kube's service
// REST sets (single-stack IPv4; headless without selector RequireDualStack),
// the part of ValidateService users meet first (ports, type, node ports,
// external names, an immutable cluster IP), its cluster IP and node ports
// (service-allocation.ts), and kube's printer: TYPE CLUSTER-IP EXTERNAL-IP
// PORT(S) AGE, then SELECTOR.

import type { KindDescription } from '../kind-description.js';
import type { KubeObject } from '../../protocol/kube/meta.js';
import type { StatusCause } from '../../protocol/kube/status.js';
import { ageColumn, field, nameColumn } from '../columns.js';
import { ALL_VERBS } from '../verbs.js';
import { child, duplicate, forbidden, invalid, isObj, notSupported, objects, required, type Obj } from './workloads/field-errors.js';
import { portNameErrors, portNumberErrors } from './workloads/pod-spec.js';
import { formatLabels } from './workloads/selector.js';
import { isDNS1123Label, isDNS1123Subdomain } from '../validate.js';
import { allocateServiceAddresses, serviceAllocationRecords } from './service-allocation.js';

const TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
/** kube's DefaultClientIPServiceAffinitySeconds: three hours. */
const CLIENT_IP_TIMEOUT = 10800;

function portsCell(o: KubeObject): string {
  const ports = objects(field(o, 'spec', 'ports'));
  if (ports.length === 0) return '<none>';
  return ports.map((p) => `${String(p.port)}${p.nodePort ? `:${String(p.nodePort)}` : ''}/${String(p.protocol ?? 'TCP')}`).join(',');
}

/** kube's getServiceExternalIP: what EXTERNAL-IP shows for each type. */
function externalIpCell(o: KubeObject): string {
  const spec = isObj(o.spec) ? o.spec : {};
  const externalIPs = Array.isArray(spec.externalIPs) ? spec.externalIPs.map(String) : [];
  switch (spec.type) {
    case 'ExternalName':
      return String(spec.externalName ?? '');
    case 'LoadBalancer': {
      const ingress = objects(field(o, 'status', 'loadBalancer', 'ingress')).map((i) => String(i.ip || i.hostname || '')).filter(Boolean);
      const all = [...ingress, ...externalIPs];
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    default:
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
  }
}

const isHeadless = (spec: Obj): boolean => spec.clusterIP === 'None';
const isExternallyAccessible = (spec: Obj): boolean =>
  spec.type === 'LoadBalancer' || spec.type === 'NodePort' || (spec.type === 'ClusterIP' && Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0);

function validatePorts(spec: Obj): StatusCause[] {
  const causes: StatusCause[] = [];
  const ports = objects(spec.ports);
  if (ports.length === 0 && spec.type !== 'ExternalName' && !isHeadless(spec)) causes.push(required('spec.ports'));
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const at = `spec.ports[${i}]`;
    if (ports.length > 1 && !p.name) causes.push(required(`${at}.name`));
    else if (typeof p.name === 'string' && p.name) {
      for (const m of isDNS1123Label(p.name)) causes.push(invalid(`${at}.name`, p.name, m));
      if (names.has(p.name)) causes.push(duplicate(`${at}.name`, p.name));
      names.add(p.name);
    }
    if (typeof p.port === 'number') for (const m of portNumberErrors(p.port)) causes.push(invalid(`${at}.port`, p.port, m));
    if (typeof p.protocol === 'string' && !PROTOCOLS.includes(p.protocol)) causes.push(notSupported(`${at}.protocol`, p.protocol, PROTOCOLS));
    if (typeof p.targetPort === 'number') for (const m of portNumberErrors(p.targetPort)) causes.push(invalid(`${at}.targetPort`, p.targetPort, m));
    if (typeof p.targetPort === 'string') for (const m of portNameErrors(p.targetPort)) causes.push(invalid(`${at}.targetPort`, p.targetPort, m));
    if (typeof p.nodePort === 'number' && p.nodePort !== 0) {
      if (spec.type === 'ClusterIP') causes.push(forbidden(`${at}.nodePort`, "may not be used when `type` is 'ClusterIP'"));
      else for (const m of portNumberErrors(p.nodePort)) causes.push(invalid(`${at}.nodePort`, p.nodePort, m));
    }
  });
  return causes;
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
    { name: 'Cluster-IP', type: 'string', description: 'The cluster IP.', cell: (o) => field(o, 'spec', 'clusterIP') || '<none>' },
    { name: 'External-IP', type: 'string', description: 'External IPs.', cell: externalIpCell },
    { name: 'Port(s)', type: 'string', description: 'Ports.', cell: portsCell },
    ageColumn,
    { name: 'Selector', type: 'string', priority: 1, description: 'The label selector.', cell: (o) => formatLabels(field(o, 'spec', 'selector')) },
  ],
  defaults(object) {
    const spec = child(object, 'spec');
    spec.sessionAffinity ||= 'None';
    if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
    if (spec.sessionAffinity === 'ClientIP') {
      const clientIP = child(child(spec, 'sessionAffinityConfig'), 'clientIP');
      clientIP.timeoutSeconds ??= CLIENT_IP_TIMEOUT;
    }
    spec.type ||= 'ClusterIP';
    for (const port of objects(spec.ports)) {
      port.protocol ||= 'TCP';
      if (port.targetPort === undefined || port.targetPort === 0 || port.targetPort === '') port.targetPort = port.port;
    }
    if (isExternallyAccessible(spec)) spec.externalTrafficPolicy ||= 'Cluster';
    if (spec.type === 'ClusterIP' || spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
      spec.internalTrafficPolicy ??= 'Cluster';
      // The service REST's IP families, on a single-stack IPv4 cluster.
      const headlessWithoutSelector = isHeadless(spec) && (!isObj(spec.selector) || Object.keys(spec.selector).length === 0);
      if (headlessWithoutSelector) spec.ipFamilyPolicy ??= 'RequireDualStack';
      else spec.ipFamilyPolicy ??= Array.isArray(spec.ipFamilies) && spec.ipFamilies.length === 2 ? 'RequireDualStack' : 'SingleStack';
      if (!Array.isArray(spec.ipFamilies) || spec.ipFamilies.length === 0) spec.ipFamilies = ['IPv4'];
      if (typeof spec.clusterIP === 'string' && spec.clusterIP && !Array.isArray(spec.clusterIPs)) spec.clusterIPs = [spec.clusterIP];
    }
    if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  },
  prepareForCreate(object) {
    object.status = { loadBalancer: {} };
  },
  allocate: allocateServiceAddresses,
  allocationRecords: serviceAllocationRecords,
  validate(object, old) {
    const spec = isObj(object.spec) ? object.spec : {};
    const causes: StatusCause[] = [];
    if (typeof spec.type === 'string' && !TYPES.includes(spec.type)) causes.push(notSupported('spec.type', spec.type, TYPES));
    if (spec.type === 'ExternalName') {
      if (typeof spec.externalName !== 'string' || !spec.externalName) causes.push(required('spec.externalName'));
      else for (const m of isDNS1123Subdomain(spec.externalName.replace(/\.$/, ''))) causes.push(invalid('spec.externalName', spec.externalName, m));
    }
    causes.push(...validatePorts(spec));
    if (spec.sessionAffinity !== undefined && spec.sessionAffinity !== 'None' && spec.sessionAffinity !== 'ClientIP') {
      causes.push(notSupported('spec.sessionAffinity', spec.sessionAffinity, ['ClientIP', 'None']));
    }
    const oldSpec = old && isObj(old.spec) ? old.spec : undefined;
    if (oldSpec && spec.type !== 'ExternalName' && oldSpec.type !== 'ExternalName') {
      const before = Array.isArray(oldSpec.clusterIPs) ? oldSpec.clusterIPs : [];
      const after = Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [];
      if (before.length > 0 && after.length > 0 && before[0] !== after[0]) {
        causes.push(invalid('spec.clusterIPs[0]', undefined, 'may not change once set', `[]string{${after.map((ip) => JSON.stringify(String(ip))).join(', ')}}`));
      }
    }
    return causes;
  },
};

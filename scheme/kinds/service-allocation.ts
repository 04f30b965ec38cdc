// A Service's cluster IP and node ports, handed out as kube's service REST
// does: from --service-cluster-ip-range (its first address is the
// `kubernetes` Service's) and the node port range (30000-32767). What is in
// use is read from the stored Services themselves, so the allocation is
// persisted with them. A requested IP or port is honoured when free; a taken
// or out-of-range one gets kube's 422 cause. Headless and ExternalName
// Services get no IP; only NodePort and LoadBalancer get node ports.
// Several servers on one etcd also share kube's two RangeAllocation records
// (ranges/serviceips, ranges/servicenodeports: serviceAllocationRecords says
// which offsets a Service holds); what they show taken is not handed out.

import type { KubeObject } from '../../protocol/kube/meta.js';
import type { StatusCause } from '../../protocol/kube/status.js';
import type { AllocationPool, AllocationRecordClaim } from '../kind-description.js';
import { invalid, isObj, objects, type Obj } from './workloads/field-errors.js';

export const DEFAULT_NODE_PORT_RANGE = '30000-32767';

interface Cidr {
  base: number;
  size: number;
}

function ipToNumber(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

const numberToIp = (n: number): string => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');

function parseCidr(cidr: string): Cidr | undefined {
  const [ip, bits] = cidr.split('/');
  const address = ipToNumber(ip ?? '');
  const prefix = Number(bits);
  if (address === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  return { base: address - (address % size), size };
}

function parsePortRange(range: string): { min: number; max: number } {
  const [min, max] = range.split('-').map(Number);
  return { min: min ?? 30000, max: max ?? min ?? 32767 };
}

const needsClusterIp = (spec: Obj): boolean => spec.type !== 'ExternalName' && spec.clusterIP !== 'None';
const needsNodePorts = (spec: Obj): boolean => spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);

/** A random free value among `count` candidates, or undefined when all are taken. */
function pickFree(count: number, taken: (i: number) => boolean): number | undefined {
  const start = Math.floor(Math.random() * count);
  for (let k = 0; k < count; k++) {
    const i = (start + k) % count;
    if (!taken(i)) return i;
  }
  return undefined;
}

/** kube's patchAllocatedValues: an update that leaves out what was allocated keeps it. */
function keepAllocated(spec: Obj, old: KubeObject | undefined): void {
  const before = old && isObj(old.spec) ? old.spec : undefined;
  if (!before) return;
  if (needsClusterIp(spec) && needsClusterIp(before) && !spec.clusterIP && typeof before.clusterIP === 'string') {
    spec.clusterIP = before.clusterIP;
    if (Array.isArray(before.clusterIPs)) spec.clusterIPs = [...before.clusterIPs];
  }
  if (needsNodePorts(spec) && needsNodePorts(before)) {
    const oldPorts = objects(before.ports);
    for (const port of objects(spec.ports)) {
      if (port.nodePort) continue;
      const match = oldPorts.find((p) => p.port === port.port && (p.protocol ?? 'TCP') === (port.protocol ?? 'TCP'));
      if (match?.nodePort) port.nodePort = match.nodePort;
    }
  }
}

/** Sets spec.clusterIP(s) and node ports; the causes when a request cannot be met, or what ran out. Mutates `object`. */
export function allocateServiceAddresses(object: KubeObject, old: KubeObject | undefined, pool: AllocationPool): StatusCause[] | { full: string } {
  if (!isObj(object.spec)) return [];
  const spec = object.spec;
  keepAllocated(spec, old);
  const usedIps = new Set<string>();
  const usedPorts = new Set<number>();
  for (const other of pool.others()) {
    if (!isObj(other.spec)) continue;
    if (typeof other.spec.clusterIP === 'string') usedIps.add(other.spec.clusterIP);
    for (const p of objects(other.spec.ports)) if (typeof p.nodePort === 'number') usedPorts.add(p.nodePort);
  }
  const causes: StatusCause[] = [];
  // With shared records, they alone say whether an asked-for value is taken: this server's view of the
  // other Services may not yet show one another server just deleted.
  const claimed = pool.claimed;
  if (needsClusterIp(spec)) {
    const ip = allocateIp(spec, old, pool.serviceClusterIpRange, usedIps, claimed && ((offset, requested) => claimed('serviceips', offset, requested)));
    if (!Array.isArray(ip)) return ip;
    causes.push(...ip);
  } else if (spec.clusterIP === 'None') spec.clusterIPs = ['None'];
  if (needsNodePorts(spec)) {
    const ports = allocatePorts(spec, old, pool.serviceNodePortRange, usedPorts, claimed && ((offset, requested) => claimed('servicenodeports', offset, requested)));
    if (!Array.isArray(ports)) return ports;
    causes.push(...ports);
  }
  return causes;
}

function allocateIp(spec: Obj, old: KubeObject | undefined, range: string, used: Set<string>, claimed: ((offset: number, requested: boolean) => boolean) | undefined): StatusCause[] | { full: string } {
  const cidr = parseCidr(range);
  if (!cidr) return [];
  const first = cidr.base + 1;
  const count = Math.max(cidr.size - 2, 0);
  const requested = typeof spec.clusterIP === 'string' && spec.clusterIP ? spec.clusterIP : undefined;
  const oldIp = old && isObj(old.spec) ? old.spec.clusterIP : undefined;
  if (requested) {
    if (requested === oldIp) return [];
    const n = ipToNumber(requested);
    // Not an IP at all: validation words that.
    if (n === undefined) return [];
    const failed = (why: string): StatusCause[] => [
      invalid('spec.clusterIPs', undefined, `failed to allocate IP ${requested}: ${why}`, `[]string{${JSON.stringify(requested)}}`),
    ];
    if (n < first || n >= first + count) return failed(`the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${range}`);
    if (claimed ? claimed(n - first, true) : used.has(requested)) return failed('provided IP is already allocated');
    spec.clusterIPs = [requested];
    return [];
  }
  const picked = pickFree(count, (i) => used.has(numberToIp(first + i)) || claimed?.(i, false) === true);
  if (picked === undefined) return { full: 'failed to allocate a serviceIP: range is full' };
  spec.clusterIP = numberToIp(first + picked);
  spec.clusterIPs = [spec.clusterIP];
  return [];
}

function allocatePorts(spec: Obj, old: KubeObject | undefined, range: string, used: Set<number>, claimed: ((offset: number, requested: boolean) => boolean) | undefined): StatusCause[] | { full: string } {
  const { min, max } = parsePortRange(range);
  const oldPorts = new Set(objects(old && isObj(old.spec) ? old.spec.ports : undefined).map((p) => p.nodePort));
  const causes: StatusCause[] = [];
  for (const [i, port] of objects(spec.ports).entries()) {
    const requested = typeof port.nodePort === 'number' && port.nodePort !== 0 ? (port.nodePort as number) : undefined;
    if (requested !== undefined) {
      if (oldPorts.has(requested)) continue;
      const at = `spec.ports[${i}].nodePort`;
      if (requested < min || requested > max) causes.push(invalid(at, requested, `provided port is not in the valid range. The range of valid ports is ${range}`));
      else if (claimed ? claimed(requested - min, true) : used.has(requested)) causes.push(invalid(at, requested, 'provided port is already allocated'));
      else used.add(requested);
      continue;
    }
    const picked = pickFree(max - min + 1, (k) => used.has(min + k) || claimed?.(k, false) === true);
    if (picked === undefined) return { full: 'failed to allocate a nodePort: range is full' };
    port.nodePort = min + picked;
    used.add(min + picked);
  }
  return causes;
}

/** The offsets a Service holds in kube's two records: its cluster IPs from the range's first usable address, its node ports from the range's start. */
export function serviceAllocationRecords(object: KubeObject | undefined, ranges: Pick<AllocationPool, 'serviceClusterIpRange' | 'serviceNodePortRange'>): AllocationRecordClaim[] {
  const spec = object && isObj(object.spec) ? object.spec : {};
  const cidr = parseCidr(ranges.serviceClusterIpRange);
  const ips: AllocationRecordClaim = { record: 'serviceips', range: ranges.serviceClusterIpRange, size: cidr ? Math.max(cidr.size - 2, 0) : 0, offsets: [] };
  if (cidr && needsClusterIp(spec)) {
    const held = Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [spec.clusterIP];
    for (const ip of held) {
      const n = typeof ip === 'string' ? ipToNumber(ip) : undefined;
      if (n !== undefined && n > cidr.base && n - cidr.base - 1 < ips.size) ips.offsets.push(n - cidr.base - 1);
    }
  }
  const { min, max } = parsePortRange(ranges.serviceNodePortRange);
  const ports: AllocationRecordClaim = { record: 'servicenodeports', range: ranges.serviceNodePortRange, size: max - min + 1, offsets: [] };
  if (needsNodePorts(spec)) {
    for (const port of objects(spec.ports)) if (typeof port.nodePort === 'number' && port.nodePort >= min && port.nodePort <= max) ports.offsets.push(port.nodePort - min);
  }
  return [ips, ports];
}

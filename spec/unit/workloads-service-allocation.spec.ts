// A Service's cluster IP and node ports: handed out from the service CIDR and
// the node port range, honouring a free requested value, refusing a taken or
// out-of-range one with kube's causes, and kept across updates.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../protocol/kube/meta.js';
import type { AllocationPool } from '../../scheme/kind-description.js';
import { allocateServiceAddresses } from '../../scheme/kinds/service-allocation.js';
import { service } from '../../scheme/kinds/service.js';

function svc(name: string, spec: Record<string, unknown>): KubeObject {
  const object = { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: structuredClone(spec) } as KubeObject;
  service.defaults!(object);
  return object;
}

function pool(others: KubeObject[], serviceClusterIpRange = '10.96.0.0/28'): AllocationPool {
  return { serviceClusterIpRange, serviceNodePortRange: '30000-30009', others: () => others };
}

type Spec = { clusterIP?: string; clusterIPs?: string[]; ports: { nodePort?: number }[] };
const specOf = (o: KubeObject): Spec => o.spec as Spec;
const messagesOf = (result: ReturnType<typeof allocateServiceAddresses>): string[] => {
  assert.ok(Array.isArray(result), 'causes, not a full range');
  return result.map((c) => c.message);
};

describe('service cluster IPs', () => {
  it('hands out a free address of the range, never its network or broadcast address, and records clusterIPs', () => {
    const taken = svc('kubernetes', { clusterIP: '10.96.0.1', ports: [{ port: 443 }] });
    const seen = new Set<string>(['10.96.0.1']);
    const others = [taken];
    for (let i = 0; i < 13; i++) {
      const s = svc(`s${i}`, { ports: [{ port: 80 }] });
      assert.deepEqual(allocateServiceAddresses(s, undefined, pool(others)), []);
      const ip = specOf(s).clusterIP!;
      assert.match(ip, /^10\.96\.0\.(\d+)$/);
      const last = Number(ip.split('.')[3]);
      assert.ok(last >= 1 && last <= 14, ip);
      assert.ok(!seen.has(ip), `${ip} handed out twice`);
      assert.deepEqual(specOf(s).clusterIPs, [ip]);
      seen.add(ip);
      others.push(s);
    }
    const full = svc('full', { ports: [{ port: 80 }] });
    assert.deepEqual(allocateServiceAddresses(full, undefined, pool(others)), { full: 'failed to allocate a serviceIP: range is full' });
  });

  it('honours a free requested IP and refuses a taken or out-of-range one in kube’s words', () => {
    const others = [svc('kubernetes', { clusterIP: '10.96.0.1', ports: [{ port: 443 }] })];
    const free = svc('free', { clusterIP: '10.96.0.9', ports: [{ port: 80 }] });
    assert.deepEqual(allocateServiceAddresses(free, undefined, pool(others)), []);
    assert.equal(specOf(free).clusterIP, '10.96.0.9');
    assert.deepEqual(allocateServiceAddresses(svc('taken', { clusterIP: '10.96.0.1', ports: [{ port: 80 }] }), undefined, pool(others)), [
      { reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: 'Invalid value: []string{"10.96.0.1"}: failed to allocate IP 10.96.0.1: provided IP is already allocated' },
    ]);
    assert.deepEqual(messagesOf(allocateServiceAddresses(svc('far', { clusterIP: '192.168.0.1', ports: [{ port: 80 }] }), undefined, pool(others))), [
      'Invalid value: []string{"192.168.0.1"}: failed to allocate IP 192.168.0.1: the provided IP (192.168.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/28',
    ]);
  });

  it('gives headless and ExternalName services no address', () => {
    const headless = svc('headless', { clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 5432 }] });
    assert.deepEqual(allocateServiceAddresses(headless, undefined, pool([])), []);
    assert.deepEqual(specOf(headless).clusterIPs, ['None']);
    const external = svc('external', { type: 'ExternalName', externalName: 'db.example.com' });
    assert.deepEqual(allocateServiceAddresses(external, undefined, pool([])), []);
    assert.equal(specOf(external).clusterIP, undefined);
  });

  it('keeps the allocated IP and node ports when an update leaves them out, or names them again', () => {
    const old = svc('web', { type: 'NodePort', ports: [{ port: 80 }] });
    allocateServiceAddresses(old, undefined, pool([]));
    const update = svc('web', { type: 'NodePort', ports: [{ port: 80 }] });
    assert.deepEqual(allocateServiceAddresses(update, old, pool([])), []);
    assert.equal(specOf(update).clusterIP, specOf(old).clusterIP);
    assert.equal(specOf(update).ports[0]!.nodePort, specOf(old).ports[0]!.nodePort);
    const again = svc('web', { type: 'NodePort', clusterIP: specOf(old).clusterIP, ports: [{ port: 80, nodePort: specOf(old).ports[0]!.nodePort }, { port: 81, name: 'b' }] });
    assert.deepEqual(allocateServiceAddresses(again, old, pool([])), []);
    assert.ok(specOf(again).ports[1]!.nodePort! >= 30000, 'a new port still gets its node port');
  });
});

describe('service node ports', () => {
  it('gives NodePort and LoadBalancer services a free port of the range, ClusterIP ones none', () => {
    const used = svc('used', { type: 'NodePort', ports: [{ port: 80, nodePort: 30000 }] });
    const others = [used];
    const nodePort = svc('np', { type: 'NodePort', ports: [{ port: 80, name: 'http' }, { port: 443, name: 'https' }] });
    assert.deepEqual(allocateServiceAddresses(nodePort, undefined, pool(others)), []);
    const ports = specOf(nodePort).ports.map((p) => p.nodePort!);
    for (const p of ports) assert.ok(p > 30000 && p <= 30009, String(p));
    assert.notEqual(ports[0], ports[1]);
    const lb = svc('lb', { type: 'LoadBalancer', ports: [{ port: 80 }] });
    allocateServiceAddresses(lb, undefined, pool(others));
    assert.ok(specOf(lb).ports[0]!.nodePort! >= 30000);
    const plain = svc('plain', { ports: [{ port: 80 }] });
    allocateServiceAddresses(plain, undefined, pool(others));
    assert.equal(specOf(plain).ports[0]!.nodePort, undefined);
  });

  it('honours a free requested port and refuses a taken or out-of-range one', () => {
    const others = [svc('used', { type: 'NodePort', ports: [{ port: 80, nodePort: 30000 }] })];
    assert.deepEqual(allocateServiceAddresses(svc('a', { type: 'NodePort', ports: [{ port: 80, nodePort: 30005 }] }), undefined, pool(others)), []);
    assert.deepEqual(allocateServiceAddresses(svc('b', { type: 'NodePort', ports: [{ port: 80, nodePort: 30000 }] }), undefined, pool(others)), [
      { reason: 'FieldValueInvalid', field: 'spec.ports[0].nodePort', message: 'Invalid value: 30000: provided port is already allocated' },
    ]);
    assert.deepEqual(messagesOf(allocateServiceAddresses(svc('c', { type: 'NodePort', ports: [{ port: 80, nodePort: 40000 }] }), undefined, pool(others))), [
      'Invalid value: 40000: provided port is not in the valid range. The range of valid ports is 30000-30009',
    ]);
  });
});

// kube-aggregator's pure parts: APIService validation and table, endpoint
// resolution with kube's availability reasons, the merged discovery
// documents, the front-proxy headers and the proxy's credentials.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { KubeObject } from '../../protocol/kube/meta.js';
import { apiService } from '../../scheme/kinds/apiservice.js';
import { resolveService, ServiceIndex, viewOf } from '../../actors/aggregator/apiservices.js';
import { mergedAggregated, mergedGroupList, versionFromResourceList } from '../../actors/aggregator/merged.js';
import { frontProxyHeaders, goError } from '../../actors/proxy/upstream.js';
import { ensureFrontProxyCredentials } from '../../actors/supervisor/pki.js';
import { combinedAuthenticationInfo } from '../../actors/aggregator/authentication-info.js';
import { tempDir } from '../support/temp.js';

const ref = { namespace: 'kube-system', name: 'metrics-server', port: 443 };
const service = (ports: unknown[]): KubeObject => ({ metadata: { namespace: 'kube-system', name: 'metrics-server' }, spec: { ports } });

function index(...objects: [string, KubeObject][]): ServiceIndex {
  const i = new ServiceIndex();
  for (const [resource, object] of objects) i.apply(resource, object, false);
  return i;
}

function remote(name: string, available: boolean, groupPriorityMinimum = 100): ReturnType<typeof viewOf> {
  const [version, ...group] = name.split('.');
  return viewOf({
    metadata: { name, generation: 1 },
    spec: { group: group.join('.'), version, groupPriorityMinimum, versionPriority: 100, service: ref },
    status: { conditions: [{ type: 'Available', status: available ? 'True' : 'False', reason: available ? 'Passed' : 'FailedDiscoveryCheck' }] },
  });
}

describe('APIService', () => {
  const validate = (spec: Record<string, unknown>, name = `${String(spec.version)}.${String(spec.group)}`) =>
    apiService.validate!({ metadata: { name }, spec }, undefined, '').map((c) => `${c.field}: ${c.message}`);

  it('accepts a remote APIService named version.group, and a Local one for the core group', () => {
    assert.deepEqual(validate({ group: 'metrics.k8s.io', version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100, service: { namespace: 'a', name: 'b' } }), []);
    assert.deepEqual(validate({ group: '', version: 'v1', groupPriorityMinimum: 18000, versionPriority: 1 }, 'v1.'), []);
  });

  it('refuses what kube refuses, in its words', () => {
    assert.deepEqual(validate({ group: '', version: 'v2', groupPriorityMinimum: 1, versionPriority: 1001, caBundle: 'YWJj', insecureSkipTLSVerify: true }, 'v2.'), [
      'spec.group: Required value: only v1 may have an empty group and it better be legacy kube',
      'spec.versionPriority: Invalid value: 1001: must be positive and less than 1000',
      'spec.caBundle: Invalid value: "3 bytes": local APIServices may not have a caBundle',
      'spec.insecureSkipTLSVerify: Invalid value: true: local APIServices may not have insecureSkipTLSVerify',
    ]);
    assert.deepEqual(validate({ group: 'x.io', version: 'v1', groupPriorityMinimum: 10, versionPriority: 10, service: {} }), [
      'spec.service.namespace: Required value',
      'spec.service.name: Required value',
    ]);
    const status = apiService.validate!({ metadata: { name: 'v1.x.io' }, status: { conditions: [{ type: 'Available', status: 'Maybe' }] } }, undefined, 'status');
    assert.deepEqual(status.map((c) => c.message), ['Unsupported value: "Maybe": supported values: "True", "False", "Unknown"']);
  });

  it('shows SERVICE and AVAILABLE as kube-aggregator\'s table does', () => {
    const [, serviceCell, availableCell] = apiService.columns!;
    const local = { metadata: { name: 'v1.' }, spec: {}, status: { conditions: [{ type: 'Available', status: 'True', reason: 'Local' }] } };
    const down = { metadata: { name: 'v1beta1.metrics.k8s.io' }, spec: { service: ref }, status: { conditions: [{ type: 'Available', status: 'False', reason: 'MissingEndpoints' }] } };
    assert.deepEqual([serviceCell!.cell(local), availableCell!.cell(local)], ['Local', 'True']);
    assert.deepEqual([serviceCell!.cell(down), availableCell!.cell(down)], ['kube-system/metrics-server', 'False (MissingEndpoints)']);
    assert.equal(availableCell!.cell({ metadata: {}, spec: {} }), 'Unknown');
  });
});

describe('resolving an APIService\'s Service to endpoints (--enable-aggregator-routing)', () => {
  it('names what is missing with kube\'s reasons, in order', () => {
    assert.deepEqual(resolveService(ref, index()), { reason: 'ServiceNotFound', message: 'service/metrics-server in "kube-system" is not present' });
    assert.deepEqual(resolveService(ref, index(['services', service([{ name: 'https', port: 8443 }])])), { reason: 'ServicePortError', message: 'service/metrics-server in "kube-system" is not listening on port 443' });
    assert.deepEqual(resolveService(ref, index(['services', service([{ name: 'https', port: 443 }])])), { reason: 'EndpointsNotFound', message: 'cannot find endpointslices for service/metrics-server in "kube-system"' });
    const elsewhere: KubeObject = { metadata: { namespace: 'kube-system', name: 'metrics-server' }, subsets: [{ addresses: [{ ip: '10.0.0.9' }], ports: [{ name: 'metrics', port: 4443 }] }] };
    assert.deepEqual(resolveService(ref, index(['services', service([{ name: 'https', port: 443 }])], ['endpoints', elsewhere])), { reason: 'MissingEndpoints', message: 'endpoints for service/metrics-server in "kube-system" have no addresses with port name "https"' });
  });

  it('prefers ready EndpointSlice addresses, on the target port of the Service port\'s name', () => {
    const slice = (name: string, ready: boolean, ip: string): KubeObject => ({
      metadata: { namespace: 'kube-system', name, labels: { 'kubernetes.io/service-name': 'metrics-server' } },
      endpoints: [{ addresses: [ip], conditions: { ready } }], ports: [{ name: 'https', port: 4443 }],
    });
    const endpoints: KubeObject = { metadata: { namespace: 'kube-system', name: 'metrics-server' }, subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ name: 'https', port: 4443 }] }] };
    const i = index(['services', service([{ name: 'https', port: 443 }])], ['endpoints', endpoints], ['endpointslices', slice('a', true, '10.0.0.2')], ['endpointslices', slice('b', false, '10.0.0.3')]);
    assert.deepEqual(resolveService(ref, i), { backends: [{ host: '10.0.0.2', port: 4443 }] });
    i.apply('endpointslices', slice('a', true, '10.0.0.2'), true);
    i.apply('endpointslices', slice('b', false, '10.0.0.3'), true);
    assert.deepEqual(resolveService(ref, i), { backends: [{ host: '10.0.0.1', port: 4443 }] });
  });
});

describe('merged discovery', () => {
  const builtin = { kind: 'APIGroupList' as const, apiVersion: 'v1' as const, groups: [{ name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }], preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } }] };

  it('lists remote groups by groupPriorityMinimum among the built-in ones', () => {
    const list = mergedGroupList(builtin, [remote('v1beta1.metrics.k8s.io', true, 100), remote('v1.custom.example.com', true, 17900)]);
    assert.deepEqual(list.groups.map((g) => g.name), ['custom.example.com', 'apps', 'metrics.k8s.io']);
  });

  it('carries a remote group version as its server described it: Current while Available, Stale after, absent before it ever answered', () => {
    const version = { version: 'v1beta1', resources: [], freshness: 'Current' as const };
    const base = { kind: 'APIGroupDiscoveryList' as const, apiVersion: 'apidiscovery.k8s.io/v2' as const, metadata: {}, items: [] };
    const freshness = (available: boolean) => mergedAggregated(base, [{ view: remote('v1beta1.metrics.k8s.io', available), version, openapiUrl: undefined, openapiV2Definitions: undefined }]).items[0]!.versions[0]!.freshness;
    assert.equal(freshness(true), 'Current');
    assert.equal(freshness(false), 'Stale');
    assert.equal(mergedAggregated(base, [{ view: remote('v1beta1.metrics.k8s.io', true), version: undefined, openapiUrl: undefined, openapiV2Definitions: undefined }]).items.length, 0);
  });

  it('turns a legacy APIResourceList into aggregated discovery, subresources under their resource', () => {
    const version = versionFromResourceList({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'x.io/v1', resources: [
      { name: 'widgets', singularName: 'widget', namespaced: true, kind: 'Widget', verbs: ['get'] },
      { name: 'widgets/status', singularName: '', namespaced: true, kind: 'Widget', verbs: ['get', 'update'] },
    ] }, 'x.io', 'v1');
    assert.deepEqual(version.resources, [{ resource: 'widgets', responseKind: { group: 'x.io', version: 'v1', kind: 'Widget' }, scope: 'Namespaced', singularResource: 'widget', verbs: ['get'], subresources: [{ subresource: 'status', responseKind: { group: 'x.io', version: 'v1', kind: 'Widget' }, verbs: ['get', 'update'] }] }]);
  });
});

describe('the proxy\'s side of request-header authentication', () => {
  it('sends the user, each group and each extra value under its escaped key', () => {
    assert.deepEqual(frontProxyHeaders({ username: 'jane', groups: ['devs', 'system:authenticated'], extra: { 'scopes.example.com/a b': ['x', 'y'] } }), {
      'X-Remote-User': 'jane',
      'X-Remote-Group': ['devs', 'system:authenticated'],
      'X-Remote-Extra-scopes.example.com%2Fa%20b': ['x', 'y'],
    });
  });

  it('words a refused connection as Go does', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    assert.equal(goError(error, 'GET', 'https://127.0.0.1:9443/apis/x.io/v1', { host: '127.0.0.1', port: 9443 }), 'Get "https://127.0.0.1:9443/apis/x.io/v1": dial tcp 127.0.0.1:9443: connect: connection refused');
  });

  it('makes the proxy client certificate once, signed by the request-header CA, and keeps it', async () => {
    const dir = tempDir('front-proxy');
    const first = await ensureFrontProxyCredentials(dir);
    const cert = new X509Certificate(readFileSync(first.certPath));
    const ca = new X509Certificate(first.requestHeaderCaPem!);
    assert.equal(cert.subject, 'CN=front-proxy-client');
    assert.ok(cert.checkIssued(ca) && cert.verify(ca.publicKey));
    const again = await ensureFrontProxyCredentials(dir);
    assert.equal(readFileSync(again.certPath, 'utf8'), readFileSync(first.certPath, 'utf8'));
  });
});

describe('extension-apiserver-authentication from several servers on one cluster', () => {
  it('holds every server\'s CA once and every name once, taking nothing away', () => {
    const a = '-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n';
    const b = '-----BEGIN CERTIFICATE-----\nBBB\n-----END CERTIFICATE-----\n';
    const first = { 'requestheader-client-ca-file': a, 'requestheader-allowed-names': '["front-proxy-client"]' };
    const combined = combinedAuthenticationInfo(first, { 'requestheader-client-ca-file': b, 'requestheader-allowed-names': '["front-proxy-client","other"]' });
    assert.deepEqual(combined, { 'requestheader-client-ca-file': a + b, 'requestheader-allowed-names': '["front-proxy-client","other"]' });
    assert.deepEqual(combinedAuthenticationInfo(combined, { 'requestheader-client-ca-file': a }), combined);
  });
});

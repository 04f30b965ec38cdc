// Discovery documents, derived from the scheme's kind descriptions: legacy
// (/api, /apis, per group and group-version) and aggregated (v2, v2beta1).

import { createHash } from 'node:crypto';
import type {
  APIGroup, APIGroupDiscovery, APIGroupDiscoveryList, APIGroupList, APIResource, APIResourceDiscovery, APIResourceList, APIVersions,
} from '../../protocol/kube/discovery.js';
import type { KindDescription } from '../../scheme/kind-description.js';
import { apiVersionOf } from '../../scheme/kind-description.js';
import type { Scheme } from '../../scheme/scheme.js';

function storageVersionHash(kind: KindDescription): string {
  return createHash('sha256').update(`${kind.group}/${kind.version}/${kind.kind}`).digest().subarray(0, 8).toString('base64');
}

function apiResource(kind: KindDescription): APIResource {
  const resource: APIResource = {
    name: kind.plural,
    singularName: kind.singular,
    namespaced: kind.namespaced,
    kind: kind.kind,
    verbs: [...kind.verbs],
  };
  if (kind.shortNames.length > 0) resource.shortNames = [...kind.shortNames];
  if (kind.categories.length > 0) resource.categories = [...kind.categories];
  if (kind.servedBy === 'store') resource.storageVersionHash = storageVersionHash(kind);
  return resource;
}

/** kube's installer lists `pods/status` and the like right after their resource, answering with their own kind. */
function subresourceEntries(kind: KindDescription): APIResource[] {
  return (kind.subresources ?? []).map((sub) => {
    const entry: APIResource = { name: `${kind.plural}/${sub.name}`, singularName: '', namespaced: kind.namespaced, kind: sub.kind, verbs: [...sub.verbs] };
    if (sub.group !== undefined) entry.group = sub.group;
    if (sub.version !== undefined) entry.version = sub.version;
    return entry;
  });
}

function resourceDiscovery(kind: KindDescription): APIResourceDiscovery {
  const d: APIResourceDiscovery = {
    resource: kind.plural,
    responseKind: { group: kind.group, version: kind.version, kind: kind.kind },
    scope: kind.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: kind.singular,
    verbs: [...kind.verbs],
  };
  if (kind.shortNames.length > 0) d.shortNames = [...kind.shortNames];
  if (kind.categories.length > 0) d.categories = [...kind.categories];
  if (kind.subresources && kind.subresources.length > 0) {
    d.subresources = kind.subresources.map((sub) => ({
      subresource: sub.name,
      responseKind: { group: sub.group ?? kind.group, version: sub.version ?? kind.version, kind: sub.kind },
      verbs: [...sub.verbs],
    }));
  }
  return d;
}

export function resourceList(scheme: Scheme, group: string, version: string): APIResourceList | undefined {
  const kinds = scheme.kinds.filter((k) => k.group === group && k.version === version);
  if (kinds.length === 0) return undefined;
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf({ group, version }), resources: kinds.flatMap((k) => [apiResource(k), ...subresourceEntries(k)]) };
}

export function apiVersions(serverAddress: string): APIVersions {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function apiGroup(scheme: Scheme, group: string): APIGroup & { kind: 'APIGroup'; apiVersion: 'v1' } {
  const versions = scheme.versionsOf(group).map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions, preferredVersion: versions[0]! };
}

export function apiGroupList(scheme: Scheme): APIGroupList {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: scheme.groups.filter((g) => g !== '').map((g) => apiGroup(scheme, g)) };
}

function groupDiscovery(scheme: Scheme, group: string): APIGroupDiscovery {
  const metadata: APIGroupDiscovery['metadata'] = group ? { name: group, creationTimestamp: null } : { creationTimestamp: null };
  return {
    metadata,
    versions: scheme.versionsOf(group).map((version) => ({
      version,
      resources: scheme.kinds.filter((k) => k.group === group && k.version === version).map(resourceDiscovery),
      freshness: 'Current',
    })),
  };
}

export function aggregatedDiscovery(scheme: Scheme, legacy: boolean, version: 'v2' | 'v2beta1'): APIGroupDiscoveryList {
  const groups = legacy ? [''] : scheme.groups.filter((g) => g !== '');
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: groups.map((g) => groupDiscovery(scheme, g)),
  };
}

/** Which aggregated discovery version the Accept header asks for first, if any, and whether as protobuf. */
export function aggregatedMediaOf(accept: string | undefined): { version: 'v2' | 'v2beta1'; protobuf: boolean } | undefined {
  if (!accept) return undefined;
  for (const clause of accept.split(',')) {
    const [type = '', ...rest] = clause.split(';').map((p) => p.trim());
    const params = new Map(rest.map((p) => p.split('=') as [string, string]));
    if (params.get('g') === 'apidiscovery.k8s.io' && params.get('as') === 'APIGroupDiscoveryList') {
      const v = params.get('v');
      if ((v === 'v2' || v === 'v2beta1') && (type === 'application/json' || type === 'application/vnd.kubernetes.protobuf')) {
        return { version: v, protobuf: type !== 'application/json' };
      }
    }
    if (type === 'application/json' && !clause.includes('as=')) return undefined;
  }
  return undefined;
}

export function aggregatedVersionOf(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  return aggregatedMediaOf(accept)?.version;
}

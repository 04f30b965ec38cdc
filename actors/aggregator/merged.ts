// Discovery with the remote APIServices' group versions merged into the
// built-in ones, as kube-aggregator serves it: /apis lists every group by
// priority (groupPriorityMinimum, highest first; ties by name), each group's
// versions by versionPriority; aggregated discovery carries each remote group
// version as its extension server described it, Stale while it is unavailable.
// Pure functions of the scheme's documents and the APIServices.

import type {
  APIGroup, APIGroupDiscovery, APIGroupDiscoveryList, APIGroupList, APIResourceDiscovery, APIResourceList, APIVersionDiscovery,
} from '../../protocol/kube/discovery.js';
import { GROUP_PRIORITY } from '../../scheme/kinds/facts.js';
import type { Definitions, SchemaNode } from '../../scheme/schema.js';
import { isAvailable, type ApiServiceView } from './apiservices.js';

/** What the aggregator knows of one remote group version's discovery. */
export interface RemoteDiscovery {
  view: ApiServiceView;
  /** Its extension server's last answer; undefined until it has answered once. */
  version: APIVersionDiscovery | undefined;
  openapiUrl: string | undefined;
  /** The `definitions` of its /openapi/v2, when it serves one. */
  openapiV2Definitions: Record<string, unknown> | undefined;
}

const versionRank = (version: string): [number, number, number] => {
  const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(version);
  if (!m) return [0, 0, 0];
  return [m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1, Number(m[1]), Number(m[3] ?? 0)];
};

/** kube's version order for equal versionPriority: GA, beta, alpha, higher numbers first, then by name. */
function compareVersionNames(a: string, b: string): number {
  const [ra, rb] = [versionRank(a), versionRank(b)];
  for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return rb[i]! - ra[i]!;
  return a < b ? -1 : a > b ? 1 : 0;
}

interface GroupEntry {
  name: string;
  priority: number;
  /** Versions with their priority, in the order built-in discovery lists them. */
  versions: { version: string; priority: number }[];
}

function sortedGroups(groups: Map<string, GroupEntry>): GroupEntry[] {
  for (const g of groups.values()) g.versions.sort((a, b) => (b.priority - a.priority) || compareVersionNames(a.version, b.version));
  return [...groups.values()].sort((a, b) => (b.priority - a.priority) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The built-in groups (already in kube's order, so each keeps its place) and the remote ones. */
function groupEntries(builtin: APIGroupList, remotes: readonly ApiServiceView[]): Map<string, GroupEntry> {
  const groups = new Map<string, GroupEntry>();
  builtin.groups.forEach((g) => {
    const count = g.versions.length;
    groups.set(g.name, { name: g.name, priority: GROUP_PRIORITY[g.name] ?? 1000, versions: g.versions.map((v, i) => ({ version: v.version, priority: 1_000_000 + count - i })) });
  });
  for (const view of remotes) {
    let entry = groups.get(view.group);
    if (!entry) groups.set(view.group, (entry = { name: view.group, priority: view.groupPriorityMinimum, versions: [] }));
    entry.priority = Math.max(entry.priority, view.groupPriorityMinimum);
    if (!entry.versions.some((v) => v.version === view.version)) entry.versions.push({ version: view.version, priority: view.versionPriority });
  }
  return groups;
}

function apiGroupOf(entry: GroupEntry): APIGroup {
  const versions = entry.versions.map((v) => ({ groupVersion: `${entry.name}/${v.version}`, version: v.version }));
  return { name: entry.name, versions, preferredVersion: versions[0]! };
}

/** /apis: every group, built-in and remote. */
export function mergedGroupList(builtin: APIGroupList, remotes: readonly ApiServiceView[]): APIGroupList {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: sortedGroups(groupEntries(builtin, remotes)).map(apiGroupOf) };
}

/** /apis/<group> of a group that remote APIServices serve. */
export function remoteApiGroup(builtin: APIGroupList, remotes: readonly ApiServiceView[], group: string): APIGroup & { kind: 'APIGroup'; apiVersion: 'v1' } | undefined {
  const entry = sortedGroups(groupEntries(builtin, remotes)).find((g) => g.name === group);
  return entry ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroupOf(entry) } : undefined;
}

/** Aggregated /apis: the built-in groups' discovery and each remote group version its extension server described. */
export function mergedAggregated(builtin: APIGroupDiscoveryList, remotes: readonly RemoteDiscovery[]): APIGroupDiscoveryList {
  const known = remotes.filter((r) => r.version !== undefined);
  if (known.length === 0) return builtin;
  const builtinList: APIGroupList = { kind: 'APIGroupList', apiVersion: 'v1', groups: builtin.items.map((g) => ({ name: g.metadata.name ?? '', versions: g.versions.map((v) => ({ groupVersion: '', version: v.version })), preferredVersion: { groupVersion: '', version: '' } })) };
  const order = sortedGroups(groupEntries(builtinList, known.map((r) => r.view)));
  const byGroup = new Map(builtin.items.map((g) => [g.metadata.name ?? '', g]));
  const items: APIGroupDiscovery[] = order.map((entry) => {
    const own = byGroup.get(entry.name);
    const versions = entry.versions.map((v) => {
      const local = own?.versions.find((x) => x.version === v.version);
      if (local) return local;
      const remote = known.find((r) => r.view.group === entry.name && r.view.version === v.version)!;
      return { ...remote.version!, version: v.version, freshness: isAvailable(remote.view) ? 'Current' : 'Stale' } satisfies APIVersionDiscovery;
    });
    return { metadata: { name: entry.name, creationTimestamp: null }, versions };
  });
  return { ...builtin, items };
}

/** An extension server's aggregated discovery for one group version, from its legacy APIResourceList. */
export function versionFromResourceList(list: APIResourceList, group: string, version: string): APIVersionDiscovery {
  const resources = new Map<string, APIResourceDiscovery>();
  for (const r of list.resources) {
    if (r.name.includes('/')) continue;
    resources.set(r.name, {
      resource: r.name,
      responseKind: { group: r.group ?? group, version: r.version ?? version, kind: r.kind },
      scope: r.namespaced ? 'Namespaced' : 'Cluster',
      singularResource: r.singularName,
      verbs: r.verbs,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
      ...(r.categories ? { categories: r.categories } : {}),
    });
  }
  for (const r of list.resources) {
    const [parent, sub] = r.name.split('/');
    const owner = sub ? resources.get(parent!) : undefined;
    if (owner && sub) (owner.subresources ??= []).push({ subresource: sub, responseKind: { group: r.group ?? group, version: r.version ?? version, kind: r.kind }, verbs: r.verbs });
  }
  return { version, resources: [...resources.values()], freshness: 'Current' };
}

/** /openapi/v3 with each remote group version pointing at its extension server's document (proxied under the same path). */
export function mergedOpenApiRoot(builtin: { paths: Record<string, { serverRelativeURL: string }> }, remotes: readonly RemoteDiscovery[]): { paths: Record<string, { serverRelativeURL: string }> } {
  const paths = { ...builtin.paths };
  for (const r of remotes) if (r.openapiUrl) paths[`apis/${r.view.group}/${r.view.version}`] = { serverRelativeURL: r.openapiUrl };
  return { paths };
}

/**
 * The definitions /openapi/v2 gains from the extension servers: each remote definition whose name
 * the built-in document (or an earlier remote) does not have. Shared ones (ObjectMeta and the like)
 * are the same types, as kube's merge finds them.
 */
export function remoteOpenApiV2Definitions(builtin: Definitions, remotes: readonly RemoteDiscovery[]): Definitions {
  const added: Record<string, SchemaNode> = {};
  for (const r of remotes) {
    for (const [name, node] of Object.entries(r.openapiV2Definitions ?? {})) {
      if (!(name in builtin) && !(name in added)) added[name] = node as SchemaNode;
    }
  }
  return added;
}

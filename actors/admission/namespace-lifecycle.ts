// kube's NamespaceLifecycle admission plugin: no new content in a missing or
// terminating namespace, and the system namespaces may not be deleted. An
// attribute-only check (admitRequest), over the namespaces it watches; it never
// needs a write's object, so it adds no hop.

import type { ApiRequest } from '../../protocol/messages/request.js';
import { failure, notFound, type Status } from '../../protocol/kube/status.js';
import type { KubeObject } from '../../protocol/kube/meta.js';
import { decodeBody, isPlainObject } from '../../lib/decode-body.js';
import { ALLOW, type PluginRegistration } from './plugin.js';

/** The name a create is for: kube's admission sees the decoded object, so its messages name it. */
function nameOf(request: ApiRequest): string {
  if (request.info.isResourceRequest && request.info.name) return request.info.name;
  const decoded = decodeBody(request);
  const meta = decoded.ok && isPlainObject(decoded.value) ? decoded.value.metadata : undefined;
  return isPlainObject(meta) && typeof meta.name === 'string' ? meta.name : '';
}

export const IMMORTAL_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

export type NamespacePhase = 'Active' | 'Terminating';

export function namespaceLifecycle(request: ApiRequest, namespaces: ReadonlyMap<string, NamespacePhase>): Status | undefined {
  const info = request.info;
  if (!info.isResourceRequest) return undefined;
  if (info.apiGroup === '' && info.resource === 'namespaces' && !info.subresource) {
    if (info.verb === 'delete' && IMMORTAL_NAMESPACES.has(info.name)) {
      return failure('Forbidden', `namespaces "${info.name}" is forbidden: this namespace may not be deleted`, { name: info.name, kind: 'namespaces' });
    }
    return undefined;
  }
  if (info.verb !== 'create' || !info.namespace) return undefined;
  const phase = namespaces.get(info.namespace);
  if (!phase) return notFound({ group: '', resource: 'namespaces' }, info.namespace);
  if (phase === 'Terminating') {
    const resource = info.apiGroup ? `${info.resource}.${info.apiGroup}` : info.resource;
    const name = nameOf(request);
    const subject = name ? `${resource} "${name}"` : resource;
    return failure('Forbidden', `${subject} is forbidden: unable to create new content in namespace ${info.namespace} because it is being terminated`, {
      name, group: info.apiGroup, kind: info.resource,
    });
  }
  return undefined;
}

function phaseOf(o: KubeObject): NamespacePhase {
  return (o.status as { phase?: string } | undefined)?.phase === 'Terminating' || o.metadata.deletionTimestamp ? 'Terminating' : 'Active';
}

export const NAMESPACE_LIFECYCLE: PluginRegistration = {
  name: 'NamespaceLifecycle',
  defaultOn: true,
  create() {
    const namespaces = new Map<string, NamespacePhase>();
    return {
      name: 'NamespaceLifecycle',
      watches: [{ group: '', plural: 'namespaces' }],
      observe(_resource, change) {
        if (change.type === 'SYNC') {
          namespaces.clear();
          for (const o of change.objects ?? []) namespaces.set(o.metadata.name ?? '', phaseOf(o));
        } else if (change.object) {
          if (change.type === 'DELETED') namespaces.delete(change.object.metadata.name ?? '');
          else namespaces.set(change.object.metadata.name ?? '', phaseOf(change.object));
        }
      },
      admitRequest(request) {
        const status = namespaceLifecycle(request, namespaces);
        return status ? { allowed: false, status } : ALLOW;
      },
    };
  },
};

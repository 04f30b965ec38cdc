// kube's NamespaceLifecycle admission plugin, as a pure decision over the
// namespaces admission has seen.

import type { ApiRequest } from '../../protocol/messages/request.js';
import { failure, notFound, type Status } from '../../protocol/kube/status.js';
import { decodeBody, isPlainObject } from '../../lib/decode-body.js';

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

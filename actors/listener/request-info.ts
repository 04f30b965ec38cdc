// kube's RequestInfoFactory: what a path and method mean to the handler chain.

import { queryFlag } from '../../protocol/kube/query.js';
import type { RequestInfo, Verb } from '../../protocol/messages/request.js';

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/** `?watch` by kube's rule for boolean parameters, as its RequestInfoFactory reads it. */
export function watchRequested(query: Record<string, string>): boolean {
  return queryFlag(query, 'watch');
}

export function requestInfoOf(method: string, path: string, query: Record<string, string>): RequestInfo {
  const nonResource: RequestInfo = { isResourceRequest: false, path, verb: method.toLowerCase() };
  const parts = path.split('/').filter((p) => p !== '');
  const prefix = parts[0];
  if (prefix !== 'api' && prefix !== 'apis') return nonResource;
  let rest = parts.slice(1);
  let apiGroup = '';
  if (prefix === 'apis') {
    if (rest.length < 3) return nonResource;
    apiGroup = rest[0]!;
    rest = rest.slice(1);
  } else if (rest.length < 2) {
    return nonResource;
  }
  const apiVersion = rest[0]!;
  rest = rest.slice(1);
  let watchPath = false;
  if (rest[0] === 'watch') {
    watchPath = true;
    rest = rest.slice(1);
  }
  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1]!;
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2]!)) rest = rest.slice(2);
  }
  const resource = rest[0] ?? '';
  const name = rest[1] ?? '';
  const subresource = rest[2] ?? '';
  // A proxy subresource carries the path to proxy to after it: pods/<name>/proxy/<path>.
  if (!resource || (rest.length > 3 && subresource !== 'proxy')) return nonResource;
  const isWatch = watchPath || watchRequested(query);
  let verb: Verb;
  switch (method) {
    case 'GET':
    case 'HEAD':
      verb = isWatch ? 'watch' : name ? 'get' : 'list';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name ? 'delete' : 'deletecollection';
      break;
    default:
      return nonResource;
  }
  return { isResourceRequest: true, path, verb, apiPrefix: prefix, apiGroup, apiVersion, namespace, resource, subresource, name };
}

export function isLongRunning(info: RequestInfo, query: Record<string, string>): boolean {
  // The one long-running non-resource path: the actor tree's transition stream.
  if (!info.isResourceRequest) return info.path === '/debug/actors' && watchRequested(query);
  return (info.verb === 'watch' || info.verb === 'proxy' || info.subresource === 'proxy' || info.subresource === 'log' || info.subresource === 'exec' || info.subresource === 'attach' || info.subresource === 'portforward');
}

export function isMutating(info: RequestInfo): boolean {
  return info.isResourceRequest ? info.verb !== 'get' && info.verb !== 'list' && info.verb !== 'watch' : info.verb !== 'get' && info.verb !== 'head';
}

// kube's loopback client, for actors that act on the cluster themselves.
//
// - loopback(): a request sent straight to the actor that serves it, as a
//   privileged system user (post-start hooks: they run before authz has the
//   policy they would need).
// - ClusterClient: a request that enters the handler chain right after
//   authentication, as a named user (the built-in controllers, each as its
//   service account), so audit, authorization and admission apply to it as
//   to any client's.
// Both answer to a promise with the HttpResponse a client would have got.

import type { KubeObject, UserInfo } from '../protocol/kube/meta.js';
import type { ApiRequest, AuthorizeRequest, PatchType, RequestHandler, Verb } from '../protocol/messages/request.js';
import type { HttpReply, HttpResponse } from '../protocol/messages/http.js';

const LOOPBACK_USER = { username: 'system:apiserver', groups: ['system:masters', 'system:authenticated'] };
const METHODS: Partial<Record<Verb, string>> = { create: 'POST', update: 'PUT', patch: 'PATCH', get: 'GET', list: 'GET', delete: 'DELETE', deletecollection: 'DELETE' };
/** kube's loopback client names itself so: the server's own writes' managedFields belong to "kube-apiserver". */
const LOOPBACK_USER_AGENT = 'kube-apiserver/v1.33.0 (linux/amd64) kubernetes/kubeactor';
/** kube-controller-manager's User-Agent: its controllers' writes' managedFields belong to "kube-controller-manager". */
const CONTROLLER_USER_AGENT = 'kube-controller-manager/v1.33.0 (linux/amd64) kubernetes/kubeactor';
let loopbackIds = 0;

export interface Where {
  apiGroup: string;
  apiVersion?: string;
  namespace: string;
  resource: string;
  name?: string;
  subresource?: string;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string>;
  patchType?: PatchType;
}

/** The path a client would have requested (what audit records as the requestURI). */
function pathOf(where: Where): string {
  const version = where.apiVersion ?? 'v1';
  const prefix = where.apiGroup ? `/apis/${where.apiGroup}/${version}` : `/api/${version}`;
  return `${prefix}${where.namespace ? `/namespaces/${where.namespace}` : ''}/${where.resource}${where.name ? `/${where.name}` : ''}${where.subresource ? `/${where.subresource}` : ''}`;
}

function requestOf(verb: Verb, where: Where, user: ApiRequest['user'], userAgent: string, options: RequestOptions, resolve: (reply: HttpResponse) => void): ApiRequest {
  const request: ApiRequest = {
    // Negative ids never meet the listener's, which count up from 1.
    id: --loopbackIds,
    method: METHODS[verb] ?? 'GET',
    info: {
      isResourceRequest: true, verb, path: pathOf(where), apiPrefix: where.apiGroup ? 'apis' : 'api', apiGroup: where.apiGroup, apiVersion: where.apiVersion ?? 'v1',
      namespace: where.namespace, resource: where.resource, subresource: where.subresource ?? '', name: where.name ?? '',
    },
    query: options.query ?? {},
    headers: { 'user-agent': userAgent },
    shape: { as: 'object' },
    user,
    deadline: Number.MAX_SAFE_INTEGER,
    replyTo: { send: (reply: HttpReply) => reply.type === 'http.response' && resolve(reply) },
  };
  if (options.body !== undefined) {
    request.body = Buffer.from(JSON.stringify(options.body));
    request.bodyEncoding = 'json';
  }
  if (options.patchType) request.patchType = options.patchType;
  return request;
}

export function loopback(handler: RequestHandler, verb: Verb, where: Where, body?: KubeObject): Promise<HttpResponse> {
  return new Promise((resolve) => handler.send({ type: 'request', request: requestOf(verb, where, LOOPBACK_USER, LOOPBACK_USER_AGENT, { body }, resolve) }));
}

/** The body of a reply, decoded as JSON. */
export function jsonOf<T = KubeObject>(reply: HttpResponse): T {
  return JSON.parse(typeof reply.body === 'string' ? reply.body : Buffer.from(reply.body).toString('utf8')) as T;
}

/** A client of the whole handler chain (after authentication) with one user's identity. */
export class ClusterClient {
  constructor(
    /** What authn hands an authenticated request to: audit when it is on, else authz. */
    private readonly chain: { send(message: AuthorizeRequest): void },
    readonly user: UserInfo,
  ) {}

  request(verb: Verb, where: Where, options: RequestOptions = {}): Promise<HttpResponse> {
    return new Promise((resolve) => this.chain.send({ type: 'authorize', request: requestOf(verb, where, { ...this.user, groups: [...this.user.groups] }, CONTROLLER_USER_AGENT, options, resolve) }));
  }
}

/** The user a controller acts as: its service account in kube-system, as with kube-controller-manager's --use-service-account-credentials. */
export function serviceAccountUser(name: string, namespace = 'kube-system'): UserInfo {
  return { username: `system:serviceaccount:${namespace}:${name}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'] };
}

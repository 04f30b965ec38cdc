// kube's loopback client, for actors that act on the cluster themselves
// (post-start hooks, the namespace controller): a request sent straight to
// the actor that serves it, as a privileged system user, answered to a promise.

import type { KubeObject } from '../protocol/kube/meta.js';
import type { ApiRequest, RequestHandler, Verb } from '../protocol/messages/request.js';
import type { HttpReply, HttpResponse } from '../protocol/messages/http.js';

const LOOPBACK_USER = { username: 'system:apiserver', groups: ['system:masters', 'system:authenticated'] };
const METHODS: Partial<Record<Verb, string>> = { create: 'POST', update: 'PUT', get: 'GET', list: 'GET', delete: 'DELETE', deletecollection: 'DELETE' };
let loopbackIds = 0;

export interface Where {
  apiGroup: string;
  apiVersion?: string;
  namespace: string;
  resource: string;
  name?: string;
  subresource?: string;
}

export function loopback(handler: RequestHandler, verb: Verb, where: Where, body?: KubeObject): Promise<HttpResponse> {
  return new Promise((resolve) => {
    const request: ApiRequest = {
      // Negative ids never meet the listener's, which count up from 1.
      id: --loopbackIds,
      method: METHODS[verb] ?? 'GET',
      info: {
        isResourceRequest: true, verb, path: '', apiPrefix: where.apiGroup ? 'apis' : 'api', apiGroup: where.apiGroup, apiVersion: where.apiVersion ?? 'v1',
        namespace: where.namespace, resource: where.resource, subresource: where.subresource ?? '', name: where.name ?? '',
      },
      query: {},
      headers: {},
      shape: { as: 'object' },
      user: LOOPBACK_USER,
      deadline: Number.MAX_SAFE_INTEGER,
      replyTo: { send: (reply: HttpReply) => reply.type === 'http.response' && resolve(reply) },
    };
    if (body) {
      request.body = Buffer.from(JSON.stringify(body));
      request.bodyEncoding = 'json';
    }
    handler.send({ type: 'request', request });
  });
}

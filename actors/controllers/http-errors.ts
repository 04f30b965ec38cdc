// How controllers read the answers they get: what kube's client would turn into an error.

import type { HttpResponse } from '../../protocol/messages/http.js';

/** An answer a controller did not expect; its reconcile fails and is retried. */
export class RequestFailed extends Error {
  constructor(what: string, readonly reply: HttpResponse) {
    const body = typeof reply.body === 'string' ? reply.body : Buffer.from(reply.body).toString('utf8');
    let message = body;
    try {
      message = (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      // not a Status
    }
    super(`${what}: ${reply.status} ${message}`);
  }
}

/** Fails unless the answer is one of `accepted`. */
export function expectStatus(what: string, reply: HttpResponse, ...accepted: number[]): HttpResponse {
  if (!accepted.includes(reply.status)) throw new RequestFailed(what, reply);
  return reply;
}

// The aggregator actor: kube's AggregatorServer, the outermost server of the
// chain. It serves discovery (legacy and aggregated), OpenAPI v3 and
// /version, from documents encoded once per scheme.
//
// Owns: the encoded documents.
// Receives: `request` for the paths the server chain routes to it;
//   `aggregator.documents` from the supervisor when the served custom resources
//   change (new documents, so new ETags).
// Sends: replies to the client.
// States: Serving → Stopped. (APIService proxying will add its own.)

import { assign, setup } from 'xstate';
import type { HandleRequest } from '../../protocol/messages/request.js';
import type { ActorCounters, ActorStop } from '../../protocol/messages/lifecycle.js';
import { statusResponse } from '../../protocol/messages/http.js';
import { resourceNotFound } from '../../protocol/kube/status.js';
import type { Log } from '../../lib/log.js';
import { serveSafely } from '../../lib/serve-safely.js';
import type { Documents, Document } from './documents.js';
import { aggregatedVersionOf } from './discovery.js';

/** Sent by the supervisor when the set of served kinds changed (a CRD served or gone). */
export interface AggregatorDocuments {
  type: 'aggregator.documents';
  documents: Documents;
}

export interface AggregatorInput {
  documents: Documents;
  logger: Log;
}

interface AggregatorContext extends AggregatorInput {
  counters: ActorCounters;
}

/** The paths this server answers; everything else falls through the chain. */
export function servesPath(documents: Documents, path: string): boolean {
  return documents.byPath.has(trimSlash(path)) || path.startsWith('/openapi/');
}

function trimSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

function documentFor(documents: Documents, path: string, accept: string | undefined): Document | undefined {
  if (path === '/api' || path === '/apis') {
    const version = aggregatedVersionOf(accept);
    if (version) return documents.aggregated.get(`${path}|${version}`);
  }
  return path.startsWith('/openapi/') ? documents.openapi().get(path) : documents.byPath.get(path);
}

export const aggregatorMachine = setup({
  types: {
    context: {} as AggregatorContext,
    events: {} as HandleRequest | AggregatorDocuments | ActorStop,
    input: {} as AggregatorInput,
  },
  actions: {
    serve: ({ context, event }) => {
      const { request } = event as HandleRequest;
      serveSafely(request, context.counters, context.logger, () => {
        const path = trimSlash(request.info.path);
        const document = documentFor(context.documents, path, request.headers.accept);
        if (!document) return request.replyTo.send(statusResponse(request.id, resourceNotFound()));
        const headers: Record<string, string> = { 'content-type': document.contentType, etag: document.etag };
        if (document.contentType !== 'application/json') headers.vary = 'Accept';
        if (request.headers['if-none-match'] === document.etag) {
          request.replyTo.send({ type: 'http.response', id: request.id, status: 304, headers, body: '' });
          return;
        }
        request.replyTo.send({ type: 'http.response', id: request.id, status: 200, headers, body: document.body });
      });
    },
  },
}).createMachine({
  id: 'aggregator',
  context: ({ input }) => ({ ...input, counters: { handled: 0, errors: 0 } }),
  initial: 'Serving',
  states: {
    Serving: {
      on: {
        request: { actions: 'serve' },
        'aggregator.documents': { actions: assign({ documents: ({ event }) => event.documents }) },
        'actor.stop': 'Stopped',
      },
    },
    Stopped: { type: 'final' },
  },
});

// Conversion strategy None: a custom resource served in several versions is
// kept by one store, in its storage version. A request for another served
// version is handed to that store as a request for the storage version, and
// every object that comes back (alone, in a list, a Table row or a watch
// event) has its apiVersion rewritten to the version asked for, as kube's
// nopConverter does. Bodies going in are rewritten the other way.
//
// A plain function handler, not an actor: it holds no state between requests.

import type { ApiRequest, RequestHandler } from '../../protocol/messages/request.js';
import type { HttpReply } from '../../protocol/messages/http.js';

type Json = Record<string, unknown>;

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Rewrites `from` to `to` in the apiVersion of an object, a list's items, a Table's rows and a watch event's object, in place. */
export function rewriteApiVersion(value: unknown, from: string, to: string): void {
  if (!isRecord(value)) return;
  if (value.apiVersion === from) value.apiVersion = to;
  if (Array.isArray(value.items)) for (const item of value.items) rewriteApiVersion(item, from, to);
  if (value.kind === 'Table' && Array.isArray(value.rows)) for (const row of value.rows) if (isRecord(row)) rewriteApiVersion(row.object, from, to);
  if (typeof value.type === 'string' && isRecord(value.object)) rewriteApiVersion(value.object, from, to);
}

function rewriteText(text: string, from: string, to: string): string {
  if (!text.includes(from)) return text;
  return text
    .split('\n')
    .map((line) => {
      if (line.trim() === '') return line;
      try {
        const value = JSON.parse(line) as unknown;
        rewriteApiVersion(value, from, to);
        return JSON.stringify(value);
      } catch {
        return line;
      }
    })
    .join('\n');
}

const textOf = (body: Uint8Array | string): string => (typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));

/** A handler for `requested` (`<group>/<version>`) in front of the store that keeps `stored`. */
export function noneConversion(store: RequestHandler, requested: string, stored: string, storageVersion: string): RequestHandler {
  return {
    send({ request }) {
      const replyTo = request.replyTo;
      const converted: ApiRequest = {
        ...request,
        info: request.info.isResourceRequest ? { ...request.info, apiVersion: storageVersion } : request.info,
        replyTo: {
          send(reply: HttpReply) {
            if (reply.type === 'http.response' && reply.body.length > 0 && (reply.headers['content-type'] ?? '').startsWith('application/json')) {
              replyTo.send({ ...reply, body: rewriteText(textOf(reply.body), stored, requested) });
            } else if (reply.type === 'stream.chunk') {
              replyTo.send({ ...reply, chunk: Buffer.from(rewriteText(textOf(reply.chunk), stored, requested)) });
            } else {
              replyTo.send(reply);
            }
          },
        },
      };
      if (request.body && request.body.length > 0 && request.bodyEncoding === 'json' && request.patchType !== 'json') {
        converted.body = Buffer.from(rewriteText(textOf(request.body), requested, stored));
      }
      store.send({ type: 'request', request: converted });
    },
  };
}

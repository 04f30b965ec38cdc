// Conversion between the served versions of a custom resource. One store
// keeps the resource, in its storage version; a request for another served
// version is handed to that store as a request for the storage version, and
// every object going in or coming back (alone, in a list, a Table row or a
// watch event) is converted on the way:
//   - strategy None: only apiVersion is rewritten, as kube's nopConverter does;
//   - strategy Webhook: the objects go to the CRD's conversion webhook as one
//     ConversionReview v1 (lib/webhook-client.ts, over HTTPS with the CRD's
//     caBundle, at its URL or at an endpoint of its Service, service-endpoints.ts);
//     a failing webhook gets kube's 500 "conversion webhook for … failed",
//     never a crash. A watch's events keep their order.
// The requested version keeps its own schema, as kube's per-version storage does:
// what is written in it is pruned, defaulted and validated with it before it is
// converted, what is converted to it is pruned and defaulted with it, and its
// Tables are printed with its own printer columns.
//
// A plain function handler, not an actor: it holds no state between requests.

import { randomUUID } from 'node:crypto';
import type { ApiRequest, RequestHandler, ResponseShape } from '../../protocol/messages/request.js';
import { statusResponse, type HttpReply } from '../../protocol/messages/http.js';
import { internalError, invalid, type Status } from '../../protocol/kube/status.js';
import type { KubeObject } from '../../protocol/kube/meta.js';
import type { KindDescription } from '../../scheme/kind-description.js';
import { columnDefinitions, tableRow } from '../store/table.js';
import { WebhookCallError, type ServiceResolver, type WebhookClient, type WebhookClientConfig } from '../../lib/webhook-client.js';

type Json = Record<string, unknown>;

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Converts objects to `to` (`<group>/<version>`); a rejection's message is the error the client gets. */
export type Converter = (objects: Json[], to: string) => Json[] | Promise<Json[]>;

/** kube's nopConverter: the same object, in the other version. */
export const noneConverter: Converter = (objects, to) => objects.map((o) => ({ ...o, apiVersion: to }));

/** The objects of a response or watch event that are in version `from`: an object, list items, Table rows, a watch event's object. */
function objectsIn(value: unknown, from: string, found: { holder: Json; key: string }[], holder?: Json, key?: string): void {
  if (!isRecord(value)) return;
  if (Array.isArray(value.items)) {
    // A list is not converted itself: its items are, and it says the version asked for.
    if (value.apiVersion === from) found.push({ holder: value, key: 'apiVersion' });
    value.items.forEach((item, i) => objectsIn(item, from, found, value.items as unknown as Json, String(i)));
    return;
  }
  if (value.apiVersion === from && holder && key !== undefined) found.push({ holder, key });
  if (value.kind === 'Table' && Array.isArray(value.rows)) for (const row of value.rows) if (isRecord(row)) objectsIn(row.object, from, found, row, 'object');
  if (typeof value.type === 'string' && isRecord(value.object)) objectsIn(value.object, from, found, value, 'object');
}

/** Converts every object in a JSON text (one document, or a watch stream's lines) from `from` to `to`. */
async function convertText(text: string, from: string, to: string, convert: Converter): Promise<string> {
  if (!text.includes(from)) return text;
  const lines = text.split('\n');
  return (await Promise.all(lines.map(async (line) => {
    if (line.trim() === '') return line;
    let root: Json;
    try {
      root = { value: JSON.parse(line) as unknown };
    } catch {
      return line;
    }
    const found: { holder: Json; key: string }[] = [];
    objectsIn(root.value, from, found, root, 'value');
    if (found.length === 0) return line;
    const lists = found.filter((f) => f.key === 'apiVersion');
    const objects = found.filter((f) => f.key !== 'apiVersion');
    for (const list of lists) list.holder.apiVersion = to;
    const converted = objects.length > 0 ? await convert(objects.map((f) => f.holder[f.key] as Json), to) : [];
    objects.forEach((f, i) => (f.holder[f.key] = converted[i]));
    return JSON.stringify(root.value);
  }))).join('\n');
}

const textOf = (body: Uint8Array | string): string => (typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));

/**
 * What the requested version's own schema does, as kube's per-version storage does: a body written in
 * it is pruned, defaulted and validated with that schema before it is converted; an object converted
 * to it is pruned and defaulted with it.
 */
function inRequestedVersion(kind: KindDescription, requested: string, convert: Converter): { write(text: string): Status | string; convert: Converter } {
  const decode = (o: Json): Json => (kind.decode?.(o), o);
  return {
    convert: async (objects, to) => {
      const out = await convert(objects, to);
      return to === requested ? out.map(decode) : out;
    },
    write(text) {
      let object: unknown;
      try {
        object = JSON.parse(text);
      } catch {
        return text;
      }
      if (!isRecord(object) || object.apiVersion !== requested || !isRecord(object.metadata)) return text;
      decode(object);
      const causes = kind.validate?.(object as unknown as KubeObject, undefined, '') ?? [];
      return causes.length > 0 ? invalid(kind.kind, kind.group, String(object.metadata.name ?? ''), causes) : JSON.stringify(object);
    },
  };
}

type TableShape = Extract<ResponseShape, { as: 'Table' }>;

/** Tables (a response, or watch events' objects) printed again with `kind`'s columns, their rows' objects as `shape` asks. */
function retable(text: string, kind: KindDescription, shape: TableShape): string {
  const reprint = (value: unknown): void => {
    if (!isRecord(value) || value.kind !== 'Table' || !Array.isArray(value.rows)) return;
    if (Array.isArray(value.columnDefinitions) && value.columnDefinitions.length > 0) value.columnDefinitions = columnDefinitions(kind);
    value.rows = value.rows.map((row) => (isRecord(row) && isRecord(row.object) ? tableRow(kind, row.object as unknown as KubeObject, shape) : row));
  };
  return text.split('\n').map((line) => {
    if (!line.includes('"Table"')) return line;
    const value = JSON.parse(line) as unknown;
    reprint(value);
    if (isRecord(value)) reprint(value.object);
    return JSON.stringify(value);
  }).join('\n');
}

/** A handler for `requested` (`<group>/<version>`, served as `kind`) in front of the store that keeps `stored`. */
export function convertingHandler(store: RequestHandler, requested: string, stored: string, storageVersion: string, convertAny: Converter, kind?: KindDescription): RequestHandler {
  const own = kind ? inRequestedVersion(kind, requested, convertAny) : undefined;
  const convert = own?.convert ?? convertAny;
  return {
    send({ request }) {
      const replyTo = request.replyTo;
      // A Table is printed with the requested version's columns: the store is asked for rows with their objects.
      const tableShape = kind && request.shape.as === 'Table' ? request.shape : undefined;
      const answer = async (text: string): Promise<string> => {
        const out = await convertText(text, stored, requested, convert);
        return tableShape && kind ? retable(out, kind, tableShape) : out;
      };
      // Replies in order: each waits for the ones before it (a watch's events, then its close).
      let previous: Promise<unknown> = Promise.resolve();
      const inOrder = (work: () => Promise<HttpReply | undefined>): void => {
        const next = previous.then(work).then(
          (reply) => reply && replyTo.send(reply),
          (e: unknown) => replyTo.send(statusResponse(request.id, internalError(e instanceof Error ? e.message : String(e)))),
        );
        previous = next;
      };
      const converted: ApiRequest = {
        ...request,
        info: request.info.isResourceRequest ? { ...request.info, apiVersion: storageVersion } : request.info,
        ...(tableShape ? { shape: { ...tableShape, includeObject: 'Object' as const } } : {}),
        replyTo: {
          send(reply: HttpReply) {
            if (reply.type === 'http.response' && reply.body.length > 0 && (reply.headers['content-type'] ?? '').startsWith('application/json')) {
              inOrder(async () => ({ ...reply, body: await answer(textOf(reply.body)) }));
            } else if (reply.type === 'stream.chunk') {
              // A failed conversion ends the event's line with kube's error event instead.
              inOrder(async () => {
                try {
                  return { ...reply, chunk: Buffer.from(await answer(textOf(reply.chunk))) };
                } catch (e) {
                  const status = internalError(e instanceof Error ? e.message : String(e));
                  return { ...reply, chunk: Buffer.from(`${JSON.stringify({ type: 'ERROR', object: status })}\n`) };
                }
              });
            } else {
              inOrder(async () => reply);
            }
          },
        },
      };
      const body = request.body;
      if (!body || body.length === 0 || request.bodyEncoding !== 'json' || request.patchType === 'json') {
        store.send({ type: 'request', request: converted });
        return;
      }
      const written = own && request.method !== 'PATCH' ? own.write(textOf(body)) : textOf(body);
      if (typeof written !== 'string') return replyTo.send(statusResponse(request.id, written));
      convertText(written, requested, stored, convert).then(
        (text) => store.send({ type: 'request', request: { ...converted, body: Buffer.from(text) } }),
        (e: unknown) => replyTo.send(statusResponse(request.id, internalError(e instanceof Error ? e.message : String(e)))),
      );
    },
  };
}

/** A CRD's conversion webhook, as kube's webhookConverter calls it: ConversionReview v1, 30 s. */
export function webhookConverter(client: WebhookClient, crdName: string, kind: string, config: WebhookClientConfig, resolveService?: ServiceResolver): Converter {
  return async (objects, to) => {
    const gvk = `${to}, Kind=${kind}`;
    const uid = randomUUID();
    const review = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview', request: { uid, desiredAPIVersion: to, objects } };
    let answer: unknown;
    try {
      answer = (await client.post({ name: crdName, config, body: JSON.stringify(review), timeoutMs: 30_000, ...(resolveService ? { resolveService } : {}) })).body;
    } catch (e) {
      const detail = e instanceof WebhookCallError ? e.message.replace(/^failed calling webhook "[^"]*": failed to call webhook: /, '') : String(e);
      throw new Error(`conversion webhook for ${gvk} failed: ${detail}`);
    }
    const response = isRecord(answer) && isRecord(answer.response) ? answer.response : undefined;
    if (!response) throw new Error(`conversion webhook for ${gvk} failed: no response provided`);
    if (response.uid !== uid) throw new Error(`conversion webhook for ${gvk} failed: expected response.uid=${JSON.stringify(uid)}, got ${JSON.stringify(response.uid ?? '')}`);
    const result = isRecord(response.result) ? response.result : {};
    if (result.status !== 'Success') throw new Error(`conversion webhook for ${gvk} returned failure: ${String(result.message ?? '')}`);
    const converted = Array.isArray(response.convertedObjects) ? response.convertedObjects : [];
    if (converted.length !== objects.length) throw new Error(`conversion webhook for ${gvk} returned ${converted.length} objects, expected ${objects.length}`);
    return converted.map((o, i) => {
      if (!isRecord(o) || o.apiVersion !== to) throw new Error(`conversion webhook for ${gvk} returned invalid converted object at index ${i}: invalid apiVersion`);
      return o;
    });
  };
}

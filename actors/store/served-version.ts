// A resource served in a version other than the one its store keeps:
// autoscaling/v1 HorizontalPodAutoscalers, kept as autoscaling/v2. As kube's
// REST handler does, a request in the served version has its body converted
// to the storage version, and every answer (objects, lists, Tables, watch
// events) converted back; a patch is applied to the object as the client
// sees it (v1), then written in full, so its fields mean what the client meant.
// Server-side apply works the same way, as kube's field manager does: the
// apply is merged into the object as v1 with v1's schema, its managedFields
// entry names autoscaling/v1, and the result is written (created when missing)
// in the stored version with those managedFields kept.
// Not an actor: a handle in front of the store that rewrites messages on their way.

import fastJsonPatch from 'fast-json-patch';
import type { ApiRequest, HandleRequest, ReplyTo, RequestHandler, ResourceRequestInfo } from '../../protocol/messages/request.js';
import type { HttpReply, HttpResponse } from '../../protocol/messages/http.js';
import { statusResponse } from '../../protocol/messages/http.js';
import { badRequest, failure, unsupportedMediaType } from '../../protocol/kube/status.js';
import { decodeBody, isPlainObject } from '../../lib/decode-body.js';
import type { KubeObject } from '../../protocol/kube/meta.js';
import { definitions } from '../../scheme/definitions.js';
import { applyIn, applyPatchOf, isStatus, scopeFor, skeleton } from './field-manager.js';
import { timestamp } from './strategy.js';

type Obj = Record<string, unknown>;

export interface VersionConversion {
  served: string;
  stored: string;
  kind: string;
  /** The served version's schema, which a server-side apply in that version merges by. */
  definition: string;
  /** A body in the served version, as the stored version. */
  toStored(object: Obj): Obj;
  /** Any answer in the stored version (object, list, Table, watch event), as the served version. */
  toServed(document: Obj): Obj;
}

const textOf = (body: Uint8Array | string): string => (typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));

/** RFC 7386 JSON merge patch; a strategic merge patch of a kind without merge lists means the same. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const out: Obj = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

function convertingReplies(original: ReplyTo, conversion: VersionConversion): ReplyTo {
  const convert = (text: string): string => JSON.stringify(conversion.toServed(JSON.parse(text) as Obj));
  return {
    send(reply: HttpReply) {
      if (reply.type === 'http.response' && (reply.headers['content-type'] ?? '').startsWith('application/json') && reply.status < 300) {
        original.send({ ...reply, body: convert(textOf(reply.body)) });
        return;
      }
      if (reply.type === 'stream.chunk') {
        const lines = textOf(reply.chunk).split('\n').filter((l) => l !== '').map(convert);
        original.send({ ...reply, chunk: Buffer.from(lines.map((l) => `${l}\n`).join('')) });
        return;
      }
      original.send(reply);
    },
  };
}

/** The same request, addressed to the stored version. */
function retarget(request: ApiRequest, conversion: VersionConversion): void {
  const info = request.info as ResourceRequestInfo;
  const from = `/${info.apiGroup}/${conversion.served}/`;
  request.info = { ...info, apiVersion: conversion.stored, path: info.path.replace(from, `/${info.apiGroup}/${conversion.stored}/`) };
}

/** Asks the store once, and hands back its whole answer. */
function ask(store: RequestHandler, request: ApiRequest, overrides: Partial<ApiRequest>): Promise<HttpResponse> {
  return new Promise((resolve) => {
    const inner: ApiRequest = { ...request, ...overrides, replyTo: { send: (reply) => reply.type === 'http.response' && resolve(reply) } };
    store.send({ type: 'request', request: inner });
  });
}

const PATCH_ATTEMPTS = 5;

/** A patch in the served version: read, convert, patch, convert, write; a conflict reads again, as kube's patcher retries. */
async function patchAsServed(store: RequestHandler, request: ApiRequest, conversion: VersionConversion): Promise<HttpResponse> {
  const info = request.info as ResourceRequestInfo;
  const patch = decodeBody(request);
  if (!patch.ok) return statusResponse(request.id, patch.status);
  for (let attempt = 1; ; attempt++) {
    const current = await ask(store, request, { method: 'GET', info: { ...info, verb: 'get' }, query: {}, shape: { as: 'object' } });
    if (current.status !== 200) return current;
    const served = conversion.toServed(JSON.parse(textOf(current.body)) as Obj);
    let patched: unknown;
    try {
      patched = request.patchType === 'json'
        ? fastJsonPatch.applyPatch(structuredClone(served), patch.value as fastJsonPatch.Operation[], true, false).newDocument
        : mergePatch(served, patch.value);
    } catch (e) {
      return statusResponse(request.id, failure('UnprocessableEntity' as never, `the server rejected our request due to an error in our request: ${e instanceof Error ? e.message : String(e)}`, undefined, 422));
    }
    if (!isPlainObject(patched)) return statusResponse(request.id, badRequest('the patch does not leave an object'));
    const stored = conversion.toStored({ ...patched, metadata: { ...(patched.metadata as Obj), resourceVersion: (served.metadata as Obj).resourceVersion } });
    const written = await ask(store, request, {
      method: 'PUT', info: { ...info, verb: 'update' }, body: Buffer.from(JSON.stringify(stored)), bodyEncoding: 'json', shape: { as: 'object' },
    });
    if (written.status !== 409 || attempt >= PATCH_ATTEMPTS) return written;
  }
}

/** A server-side apply in the served version: merged there, then created or updated whole in the stored version; a conflict runs it again. */
async function applyAsServed(store: RequestHandler, request: ApiRequest, conversion: VersionConversion): Promise<HttpResponse> {
  const info = request.info as ResourceRequestInfo;
  const apiVersion = `${info.apiGroup}/${conversion.served}`;
  const config = applyPatchOf(request, apiVersion, conversion.kind);
  if (isStatus(config)) return statusResponse(request.id, config);
  const scope = scopeFor(definitions, conversion.definition, apiVersion);
  for (let attempt = 1; ; attempt++) {
    const current = await ask(store, request, { method: 'GET', info: { ...info, verb: 'get' }, query: {}, shape: { as: 'object' } });
    if (current.status !== 200 && current.status !== 404) return current;
    const exists = current.status === 200;
    const live = exists ? (conversion.toServed(JSON.parse(textOf(current.body)) as Obj) as KubeObject) : skeleton(apiVersion, conversion.kind, info.namespace, info.name);
    const applied = applyIn(scope, request, live, config as KubeObject, timestamp(new Date()));
    if (isStatus(applied)) return statusResponse(request.id, applied);
    const stored = conversion.toStored({ ...applied, metadata: { ...applied.metadata, resourceVersion: live.metadata.resourceVersion } });
    const written = await ask(store, request, {
      method: exists ? 'PUT' : 'POST', info: { ...info, verb: exists ? 'update' : 'create' }, body: Buffer.from(JSON.stringify(stored)), bodyEncoding: 'json',
      patchType: undefined, shape: { as: 'object' }, appliedInServedVersion: true,
    });
    if (written.status !== 409 || attempt >= PATCH_ATTEMPTS) return written;
  }
}

/** The store's handle for requests in the served version. */
export function servedVersion(store: RequestHandler, conversion: VersionConversion): RequestHandler {
  return {
    send({ request }: HandleRequest) {
      const replyTo = request.replyTo;
      retarget(request, conversion);
      if (request.method === 'PATCH') {
        const subresource = (request.info as ResourceRequestInfo).subresource;
        // An apply through /status would need the status write to keep its managedFields: not yet.
        if (request.patchType === 'apply' && subresource) return replyTo.send(statusResponse(request.id, unsupportedMediaType('application/apply-patch+yaml')));
        const patching = request.patchType === 'apply' ? applyAsServed(store, request, conversion) : patchAsServed(store, request, conversion);
        void patching.then((answer) => convertingReplies(replyTo, conversion).send(answer));
        return;
      }
      if ((request.method === 'POST' || request.method === 'PUT') && request.body && request.body.length > 0) {
        const decoded = decodeBody(request);
        if (!decoded.ok) return replyTo.send(statusResponse(request.id, decoded.status));
        if (isPlainObject(decoded.value)) {
          const apiVersion = decoded.value.apiVersion;
          const inServedVersion = apiVersion === undefined || apiVersion === `${(request.info as ResourceRequestInfo).apiGroup}/${conversion.served}`;
          if (inServedVersion) {
            request.body = Buffer.from(JSON.stringify(conversion.toStored(decoded.value)));
            request.bodyEncoding = 'json';
          }
        }
      }
      request.replyTo = convertingReplies(replyTo, conversion);
      store.send({ type: 'request', request });
    },
  };
}


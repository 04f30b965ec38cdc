// Turns a request body into a plain object: JSON, YAML (1.1, as kube reads it)
// or kube's protobuf envelope. Untrusted input: every failure is a Status.

import { yaml } from './lazy-yaml.js';
import type { ApiRequest } from '../protocol/messages/request.js';
import { badRequest, type Status } from '../protocol/kube/status.js';
import { decodeKubeProtobuf } from '../protocol/codec/protobuf.js';

export const MAX_NESTING_DEPTH = 100;

export type Decoded = { ok: true; value: unknown } | { ok: false; status: Status };

function depthExceeds(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

function parseText(text: string, encoding: 'json' | 'yaml'): unknown {
  // YAML is a superset of JSON, but JSON.parse is much faster and strict.
  if (encoding === 'json' || text.trimStart().startsWith('{')) {
    try {
      return JSON.parse(text);
    } catch (e) {
      if (encoding === 'json') throw e;
    }
  }
  return yaml().parse(text, { version: '1.1', uniqueKeys: false });
}

export function decodeBody(request: ApiRequest): Decoded {
  const body = request.body;
  if (!body || body.length === 0) return { ok: false, status: badRequest('the body of the request was empty') };
  let value: unknown;
  try {
    if (request.bodyEncoding === 'protobuf') {
      value = decodeKubeProtobuf(body).object;
    } else {
      value = parseText(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'), request.bodyEncoding === 'yaml' ? 'yaml' : 'json');
    }
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return { ok: false, status: badRequest(`the object provided could not be decoded: ${why}`) };
  }
  if (depthExceeds(value, MAX_NESTING_DEPTH)) {
    return { ok: false, status: badRequest(`the object provided is nested deeper than the limit of ${MAX_NESTING_DEPTH}`) };
  }
  return { ok: true, value };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

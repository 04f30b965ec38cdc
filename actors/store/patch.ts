// PATCH bodies: JSON Patch (RFC 6902, via fast-json-patch), JSON merge patch
// (RFC 7386) and strategic merge patch, driven by the kind's schema.

import fastJsonPatch from 'fast-json-patch';
import type { KubeObject } from '../../protocol/kube/meta.js';
import type { ApiRequest } from '../../protocol/messages/request.js';
import { badRequest, failure, type Status } from '../../protocol/kube/status.js';
import { resolveNode } from '../../scheme/schema.js';
import type { StoreState } from './store-state.js';
import { decodeBody } from '../../lib/decode-body.js';
import { applyJsonMergePatch, applyStrategicMergePatch } from './strategic-merge-patch.js';

export const MAX_JSON_PATCH_OPERATIONS = 10_000;

function unprocessable(message: string): Status {
  return failure('Invalid', message, undefined, 422);
}

export function applyPatch(state: StoreState, request: ApiRequest, current: KubeObject): unknown {
  const decoded = decodeBody({ ...request, bodyEncoding: 'json' });
  if (!decoded.ok) return decoded.status;
  const patch = decoded.value;
  try {
    switch (request.patchType) {
      case 'json': {
        if (!Array.isArray(patch)) return badRequest('json patch must be an array of operations');
        if (patch.length > MAX_JSON_PATCH_OPERATIONS) {
          return failure('RequestEntityTooLarge', `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${patch.length}`);
        }
        const error = fastJsonPatch.validate(patch as fastJsonPatch.Operation[], current);
        if (error) return unprocessable(`the server rejected our request due to an error in our request: ${error.message}`);
        return fastJsonPatch.applyPatch(current, patch as fastJsonPatch.Operation[], false, true).newDocument;
      }
      case 'merge':
        return applyJsonMergePatch(current, patch);
      case 'strategic': {
        const schema = resolveNode(state.definitions, { $ref: `#/definitions/${state.kind.definition}` });
        return applyStrategicMergePatch(current, patch, schema, state.definitions);
      }
      default:
        return failure('UnsupportedMediaType', `the server does not support patch type ${request.headers['content-type'] ?? ''}`);
    }
  } catch (e) {
    return unprocessable(e instanceof Error ? e.message : String(e));
  }
}

// PATCH bodies: JSON Patch (RFC 6902, via fast-json-patch), JSON merge patch
// (RFC 7386) and strategic merge patch, driven by the kind's schema.

import fastJsonPatch from 'fast-json-patch';
import type { KubeObject } from '../../protocol/kube/meta.js';
import type { ApiRequest } from '../../protocol/messages/request.js';
import { badRequest, failure, type Status } from '../../protocol/kube/status.js';
import { resolveNode } from '../../scheme/schema.js';
import type { StoreState } from './store-state.js';
import { decodeBody } from '../../lib/decode-body.js';
import { CUSTOM_RESOURCE_PATCH_TYPES } from '../../scheme/custom/crd.js';
import { applyJsonMergePatch, applyStrategicMergePatch } from './strategic-merge-patch.js';

export const MAX_JSON_PATCH_OPERATIONS = 10_000;

function unprocessable(message: string): Status {
  return failure('Invalid', message, undefined, 422);
}

/**
 * A JSON patch that does not apply, as kube answers it: 422 with the generic message and the
 * operation's error as the one cause. The error names the operation and its path, never a value
 * of the object: a client that may patch but not read must learn nothing of the object from it.
 */
function patchDoesNotApply(error: unknown): Status {
  return failure('Invalid', 'the server rejected our request due to an error in our request', {
    causes: [{ reason: 'UnexpectedServerResponse', message: operationError(error) }],
  }, 422);
}

/** json-patch's wording for an operation that failed (fast-json-patch's own messages carry the document). */
export function operationError(error: unknown): string {
  const e = error as { name?: unknown; operation?: unknown };
  const operation = (e.operation !== null && typeof e.operation === 'object' ? e.operation : {}) as Record<string, unknown>;
  const op = typeof operation.op === 'string' ? operation.op : '';
  const path = typeof operation.path === 'string' ? operation.path : '';
  const from = typeof operation.from === 'string' ? operation.from : '';
  switch (e.name) {
    case 'TEST_OPERATION_FAILED':
      return `testing value ${path} failed: test failed`;
    case 'OPERATION_OP_INVALID':
      return `Unexpected kind: ${op}`;
    case 'OPERATION_FROM_UNRESOLVABLE':
    case 'OPERATION_FROM_REQUIRED':
      return `${op} operation does not apply: doc is missing from path: ${from}: missing value`;
    case 'OPERATION_PATH_ILLEGAL_ARRAY_INDEX':
    case 'OPERATION_VALUE_OUT_OF_BOUNDS':
      return `Unable to access invalid index: ${path.slice(path.lastIndexOf('/') + 1)}: invalid index referenced`;
    case 'OPERATION_VALUE_REQUIRED':
    case 'OPERATION_VALUE_CANNOT_CONTAIN_UNDEFINED':
      return `${op} operation does not apply: missing value`;
    default:
      switch (op) {
        case 'remove':
          return `unable to remove nonexistent key: ${path.slice(path.lastIndexOf('/') + 1)}: missing value`;
        case 'replace':
          return `replace operation does not apply: doc is missing key: ${path}: missing value`;
        case 'test':
          return `test operation does not apply: is missing path: ${path}: missing value`;
        case 'move':
        case 'copy':
          return `${op} operation does not apply: doc is missing from path: ${from}: missing value`;
        default:
          return `${op || 'add'} operation does not apply: doc is missing path: ${JSON.stringify(path)}: missing value`;
      }
  }
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
        if (error) return patchDoesNotApply(error);
        try {
          return fastJsonPatch.applyPatch(current, patch as fastJsonPatch.Operation[], false, true).newDocument;
        } catch (e) {
          return patchDoesNotApply(e);
        }
      }
      case 'merge':
        return applyJsonMergePatch(current, patch);
      case 'strategic': {
        // Custom resources have no patch strategies: kube's handler offers them no strategic merge patch.
        if (state.kind.decode) return failure('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${CUSTOM_RESOURCE_PATCH_TYPES.join(', ')}`);
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

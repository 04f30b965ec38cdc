// Content negotiation: the Accept header picks the response shape; the
// Content-Type picks the body decoder and patch type.

import type { BodyEncoding, PatchType, ResponseShape } from '../../protocol/messages/request.js';

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

export function parseAccept(accept: string): MediaRange[] {
  return accept.split(',').map((clause) => {
    const [type = '', ...rawParams] = clause.split(';').map((s) => s.trim());
    const params: Record<string, string> = {};
    for (const p of rawParams) {
      const eq = p.indexOf('=');
      if (eq > 0) params[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
    }
    return { type: type.toLowerCase(), params };
  });
}

/** The shape to serve, or undefined when nothing in Accept can be served (406). */
export function responseShapeOf(accept: string | undefined, includeObject: string | undefined): ResponseShape | undefined {
  if (!accept) return { as: 'object' };
  for (const range of parseAccept(accept)) {
    if (range.type !== 'application/json' && range.type !== '*/*' && range.type !== 'application/*') continue;
    const { as, v, g } = range.params;
    if (!as) return { as: 'object' };
    if (g !== 'meta.k8s.io' || (v !== 'v1' && v !== 'v1beta1')) continue;
    if (as === 'Table') {
      const include = includeObject === 'None' || includeObject === 'Object' ? includeObject : 'Metadata';
      return { as: 'Table', version: v, includeObject: include };
    }
    if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') {
      return { as: 'PartialObjectMetadata', version: v, list: as === 'PartialObjectMetadataList' };
    }
  }
  return undefined;
}

export type BodyKind = { encoding: BodyEncoding; patchType?: PatchType } | undefined;

export function bodyKindOf(contentType: string | undefined, method: string): BodyKind {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (method === 'PATCH') {
    switch (type) {
      case 'application/json-patch+json':
        return { encoding: 'json', patchType: 'json' };
      case 'application/merge-patch+json':
        return { encoding: 'json', patchType: 'merge' };
      case 'application/strategic-merge-patch+json':
        return { encoding: 'json', patchType: 'strategic' };
      case 'application/apply-patch+yaml':
        return { encoding: 'yaml', patchType: 'apply' };
      default:
        return undefined;
    }
  }
  switch (type) {
    case '':
    case 'application/json':
      return { encoding: 'json' };
    case 'application/yaml':
    case 'application/x-yaml':
    case 'text/yaml':
      return { encoding: 'yaml' };
    case 'application/vnd.kubernetes.protobuf':
      return { encoding: 'protobuf' };
    default:
      return undefined;
  }
}

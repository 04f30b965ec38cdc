// Content negotiation: the Accept header picks the response shape; the
// Content-Type picks the body decoder and patch type.

import type { BodyEncoding, PatchType, ResponseShape } from '../../protocol/messages/request.js';

interface MediaRange {
  type: string;
  params: Record<string, string>;
  q: number;
}

/** Accept's media ranges, best first: by q-value, then the more specific first (goautoneg's order, which kube uses). */
export function parseAccept(accept: string): MediaRange[] {
  const ranges = accept.split(',').map((clause) => {
    const [type = '', ...rawParams] = clause.split(';').map((s) => s.trim());
    const params: Record<string, string> = {};
    let q = 1;
    for (const p of rawParams) {
      const eq = p.indexOf('=');
      if (eq <= 0) continue;
      const name = p.slice(0, eq).trim();
      const value = p.slice(eq + 1).trim();
      if (name === 'q') q = Number.isFinite(Number(value)) ? Number(value) : 0;
      else params[name] = value;
    }
    return { type: type.toLowerCase(), params, q };
  });
  const specificity = (r: MediaRange): number => (r.type === '*/*' ? 0 : r.type.endsWith('/*') ? 1 : 2);
  return ranges.filter((r) => r.q > 0).sort((a, b) => b.q - a.q || specificity(b) - specificity(a));
}

export const PROTOBUF = 'application/vnd.kubernetes.protobuf';

/** What a response is written as: its shape, and whether as protobuf (with the JSON shape to fall back to, if Accept allows one). */
export interface Negotiated {
  shape: ResponseShape;
  protobuf?: { fallback: ResponseShape | undefined };
}

/** The shape one media range asks for, or undefined when it is not one this server writes. */
function shapeOfRange(range: MediaRange, includeObject: string | undefined): ResponseShape | undefined {
  const { as, v, g } = range.params;
  if (!as) return { as: 'object' };
  if (g !== 'meta.k8s.io' || (v !== 'v1' && v !== 'v1beta1')) return undefined;
  // kube has no protobuf Table: a protobuf range asking for one is passed over.
  if (as === 'Table' && range.type !== PROTOBUF) {
    const include = includeObject === 'None' || includeObject === 'Object' ? includeObject : 'Metadata';
    return { as: 'Table', version: v, includeObject: include };
  }
  if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') {
    return { as: 'PartialObjectMetadata', version: v, list: as === 'PartialObjectMetadataList' };
  }
  return undefined;
}

const JSON_RANGES = new Set(['application/json', '*/*', 'application/*']);

/**
 * kube's output negotiation: the best media range this server can write wins; protobuf
 * (application/vnd.kubernetes.protobuf) for built-in kinds, JSON otherwise. Undefined: 406.
 */
export function negotiateResponse(accept: string | undefined, includeObject: string | undefined): Negotiated | undefined {
  if (!accept) return { shape: { as: 'object' } };
  let chosen: Negotiated | undefined;
  for (const range of parseAccept(accept)) {
    const isJson = JSON_RANGES.has(range.type);
    if (!isJson && range.type !== PROTOBUF) continue;
    const shape = shapeOfRange(range, includeObject);
    if (!shape) continue;
    if (!chosen) {
      if (isJson) return { shape };
      chosen = { shape, protobuf: { fallback: undefined } };
    } else if (isJson) {
      chosen.protobuf = { fallback: shape };
      break;
    }
  }
  return chosen;
}

/** The shape to serve, or undefined when nothing in Accept can be served (406). */
export function responseShapeOf(accept: string | undefined, includeObject: string | undefined): ResponseShape | undefined {
  return negotiateResponse(accept, includeObject)?.shape;
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

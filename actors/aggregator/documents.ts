// Every document the aggregator serves, encoded once when the scheme is
// registered, with its ETag.

import { createHash } from 'node:crypto';
import type { Scheme } from '../../scheme/scheme.js';
import type { Definitions } from '../../scheme/schema.js';
import { buildOpenApiV3, openApiV3Hash, openApiV3Root } from '../../scheme/openapi.js';
import { buildOpenApiV2Protobuf } from '../../scheme/openapi-v2.js';
import { encodeKubeProtobuf } from '../../protocol/codec/protobuf-encode.js';
import type { APIGroupDiscoveryList } from '../../protocol/kube/discovery.js';
import { aggregatedDiscovery, apiGroup, apiGroupList, apiVersions, resourceList } from './discovery.js';
import { versionInfo } from './version.js';

export interface Document {
  body: Buffer;
  etag: string;
  contentType: string;
}

// What kube-openapi answers to Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf ('@' is not a valid media type to Go's mime parser).
export const OPENAPI_V2_PROTOBUF = 'application/octet-stream';

export function encodeDocument(value: unknown, contentType = 'application/json'): Document {
  const body = Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value));
  return { body, etag: `"${createHash('sha256').update(body).digest('hex').toUpperCase()}"`, contentType };
}

export interface Documents {
  /** By exact path: /api, /apis, /api/v1, /apis/<g>, /apis/<g>/<v>, /version. */
  byPath: Map<string, Document>;
  /** Aggregated discovery, by `<path>|<version>` (JSON) and `<path>|<version>|protobuf`. */
  aggregated: Map<string, Document>;
  /** /openapi/v2, /openapi/v3 and /openapi/v3/<gv>: built on first use, since most clients never ask and it costs ~100 ms. */
  openapi(): Map<string, Document>;
  /** The OpenAPI definitions served, by name: a remote definition of the same name is not merged again. */
  definitions: Definitions;
}

export function buildDocuments(scheme: Scheme, definitions: Definitions, serverAddress: string): Documents {
  const byPath = new Map<string, Document>();
  byPath.set('/api', encodeDocument(apiVersions(serverAddress)));
  byPath.set('/apis', encodeDocument(apiGroupList(scheme)));
  byPath.set('/version', encodeDocument(versionInfo()));
  for (const group of scheme.groups) {
    if (group) byPath.set(`/apis/${group}`, encodeDocument(apiGroup(scheme, group)));
    for (const version of scheme.versionsOf(group)) {
      const list = resourceList(scheme, group, version);
      if (list) byPath.set(group ? `/apis/${group}/${version}` : `/api/${version}`, encodeDocument(list));
    }
  }
  const aggregated = new Map<string, Document>();
  for (const version of ['v2', 'v2beta1'] as const) {
    setAggregated(aggregated, '/api', aggregatedDiscovery(scheme, true, version));
    setAggregated(aggregated, '/apis', aggregatedDiscovery(scheme, false, version));
  }
  let openapi: Map<string, Document> | undefined;
  return { byPath, aggregated, openapi: () => (openapi ??= buildOpenApiDocuments(scheme, definitions)), definitions };
}

/**
 * An aggregated discovery document in both of kube's encodings: JSON, and protobuf (the `k8s\0`
 * envelope around apidiscovery's APIGroupDiscoveryList). Both carry the JSON's ETag, as kube's
 * handler hashes the object once whatever it is written as.
 */
export function setAggregated(aggregated: Map<string, Document>, path: '/api' | '/apis', list: APIGroupDiscoveryList): void {
  const version = list.apiVersion.slice('apidiscovery.k8s.io/'.length);
  const params = `;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
  const json = encodeDocument(list, `application/json${params}`);
  aggregated.set(`${path}|${version}`, json);
  const message = `k8s.io.api.apidiscovery.${version}.APIGroupDiscoveryList`;
  // Encoded when first asked for: few clients ask for protobuf, and every start (and CRD change) rebuilds these.
  let protobuf: Buffer | undefined;
  aggregated.set(`${path}|${version}|protobuf`, {
    get body() {
      return (protobuf ??= Buffer.from(encodeKubeProtobuf(list as unknown as Record<string, unknown>, message)!));
    },
    etag: json.etag,
    contentType: `application/vnd.kubernetes.protobuf${params}`,
  });
}

function buildOpenApiDocuments(scheme: Scheme, definitions: Definitions): Map<string, Document> {
  const documents = new Map<string, Document>();
  const hashes = new Map<string, { hash: string }>();
  for (const [path, document] of buildOpenApiV3(scheme.kinds, definitions)) {
    const encoded = encodeDocument(document);
    documents.set(`/openapi/v3/${path}`, encoded);
    // kube's hash in the root's serverRelativeURL is SHA-512 of the document.
    hashes.set(path, { hash: openApiV3Hash(encoded.body) });
  }
  documents.set('/openapi/v3', encodeDocument(openApiV3Root(hashes)));
  documents.set('/openapi/v2', encodeDocument(buildOpenApiV2Protobuf(scheme.kinds, definitions), OPENAPI_V2_PROTOBUF));
  return documents;
}

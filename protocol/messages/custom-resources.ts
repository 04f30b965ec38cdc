// What the CRD controller tells the supervisor about the custom resources to serve.
//
// customresource.serve   — sent by the CRD controller (and, at startup, by the supervisor's own
//   post-start step) once a CRD's names are accepted: serve these versions now. The supervisor
//   starts the resource's store actor (or hands the running one the new description), routes the
//   versions through the apiextensions server and republishes discovery and OpenAPI. Idempotent.
// customresource.unserve — sent by the CRD controller when a CRD is gone: the store stops and the
//   versions leave discovery and OpenAPI.
// Neither is answered: the controller learns the outcome from the requests it makes next.

import type { ServedCustomResource } from '../../scheme/custom/custom-resource-kind.js';

export interface ServeCustomResource {
  type: 'customresource.serve';
  resource: ServedCustomResource;
}

export interface UnserveCustomResource {
  type: 'customresource.unserve';
  /** The CRD's name, `<plural>.<group>`. */
  name: string;
}

export type CustomResourceMessage = ServeCustomResource | UnserveCustomResource;

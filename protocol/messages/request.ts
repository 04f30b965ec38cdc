// A request as it travels the handler chain, one message type per stage:
//   listener --authenticate--> authn --authorize--> authz --admit--> admission --request--> server
// (reads skip admission: authz sends `request` to the server directly).
// Sent by: the listener, which builds it from one HTTP request.
// Forwarded by: authn (adds `user`), authz (decides, routes), admission (mutating verbs only).
// Answered by: whichever actor serves it, with an HttpReply to `replyTo`.

import type { UserInfo } from '../kube/meta.js';
import type { HttpReply } from './http.js';
import type { ObjectAdmission } from './admission.js';

export type Verb =
  | 'get'
  | 'list'
  | 'watch'
  | 'create'
  | 'update'
  | 'patch'
  | 'delete'
  | 'deletecollection'
  | 'proxy';

/** What kube's RequestInfoFactory derives from the path and method. */
export interface ResourceRequestInfo {
  isResourceRequest: true;
  path: string;
  verb: Verb;
  apiPrefix: 'api' | 'apis';
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
}

export interface NonResourceRequestInfo {
  isResourceRequest: false;
  path: string;
  /** Lower-case HTTP method, as kube's authorizer sees non-resource verbs. */
  verb: string;
}

export type RequestInfo = ResourceRequestInfo | NonResourceRequestInfo;

/** What the client will accept back, from the Accept header and the query. */
export type ResponseShape =
  | { as: 'object' }
  | { as: 'Table'; version: 'v1' | 'v1beta1'; includeObject: 'None' | 'Metadata' | 'Object' }
  | { as: 'PartialObjectMetadata'; version: 'v1' | 'v1beta1'; list: boolean };

export type BodyEncoding = 'json' | 'yaml' | 'protobuf';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/**
 * How the listener holds an upgraded connection: its `bytes` (node:http2's HTTP/1.1 side hands over the
 * socket, so SPDY and WebSocket both pass), `messages` (uWS terminates WebSocket itself and exchanges
 * whole messages), or `unsupported` (uWS cannot hand over a connection for another protocol).
 */
export type UpgradeMode = 'bytes' | 'messages' | 'unsupported';

export interface UpgradeRequest {
  mode: UpgradeMode;
  /** The request headers the handler chain does not keep (Upgrade, Sec-WebSocket-*, X-Stream-Protocol-Version …), lower case. */
  headers: Record<string, string>;
}

export interface ApiRequest {
  /** Unique per listener; the listener matches replies to open responses by it. */
  id: number;
  method: string;
  info: RequestInfo;
  query: Record<string, string>;
  /** Raw header values the chain needs; names are lower case. */
  headers: Record<string, string>;
  body?: Uint8Array;
  bodyEncoding?: BodyEncoding;
  patchType?: PatchType;
  shape: ResponseShape;
  /**
   * The TLS client certificate (DER), when the transport asked for one (--client-ca-file) and the
   * client sent it; not yet verified. The same bytes object for every request of a connection.
   */
  clientCertificate?: Uint8Array;
  /** A connection upgrade (Connection: Upgrade): how the listener holds the connection, and the upgrade's own headers. */
  upgrade?: UpgradeRequest;
  /** Set by authn; replaced by authz with the impersonated user when the request impersonates. */
  user?: UserInfo;
  /** Set by authz when the request impersonates: who it acts as (audit records both). */
  impersonatedUser?: UserInfo;
  /**
   * Set by audit, to an empty map, on a request it records: admission adds its plugins', webhooks' and
   * policies' audit annotations, and audit writes them into the request's event. A copy of the request
   * shares the map.
   */
  auditAnnotations?: Record<string, string>;
  /**
   * Set by authz on a write of a Role or ClusterRole by a user who may not `escalate` it: the
   * rights the user holds there. The store refuses a role whose final rules exceed them.
   */
  grantLimit?: GrantLimit;
  /**
   * Set by admission on a write that some plugin, webhook or policy must see with its object:
   * the store sends it `admission.review` (mutating, then validating) before committing.
   */
  objectAdmission?: ObjectAdmission;
  /**
   * Headers the handler chain adds to whatever answers the request (APF's flow schema and
   * priority level uids); the listener writes them after the answer's own.
   */
  responseHeaders?: Record<string, string>;
  /**
   * Set by authn on a request it sends past apf, at an exempt priority level: that level's name. The
   * listener holds such requests until answered (a watch, until its stream opens); apf samples how
   * many it holds as the exempt level's seat demand, as kube counts exempt requests in theirs.
   */
  exemptLevel?: string;
  /**
   * Set by a converting handle (actors/store/served-version.ts) on the create or update that carries a
   * server-side apply it computed in the version it serves: the store keeps the body's managedFields.
   */
  appliedInServedVersion?: true;
  /** Milliseconds since the epoch at which the listener gives up and answers 504. */
  deadline: number;
  replyTo: ReplyTo;
}

/** An RBAC PolicyRule, as escalation checks compare them. */
export interface GrantRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** The rules a user holds in a namespace (cluster-wide ones included), and the bindings whose roles could not be found. */
export interface GrantLimit {
  rules: readonly GrantRule[];
  resolutionErrors: readonly string[];
}

/** Anything that accepts replies: the listener actor, or an in-process caller. */
export interface ReplyTo {
  send(reply: HttpReply): void;
  /**
   * Set on a reply address that only decorates another (APF's, which frees a seat at the
   * first answer): where a watch's later chunks may go directly, so that a store can
   * send one chunk for all of its watchers behind the same listener.
   */
  via?: ReplyTo;
}

/** Sent by the listener to authn. */
export interface AuthenticateRequest {
  type: 'authenticate';
  request: ApiRequest;
}

/** Sent by authn to authz, with `request.user` set. */
export interface AuthorizeRequest {
  type: 'authorize';
  request: ApiRequest;
}

/** Sent to the actor that serves an authenticated, authorized (and, for writes, admitted) request. */
export interface HandleRequest {
  type: 'request';
  request: ApiRequest;
}

/** Anything that serves requests: a store, authz or authn for reviews, the aggregator, the supervisor. */
export interface RequestHandler {
  send(message: HandleRequest): void;
}

/**
 * Sent by authz to admission for a mutating request, naming the server that
 * will serve it once admitted.
 */
export interface AdmitRequest {
  type: 'admit';
  request: ApiRequest;
  next: RequestHandler;
}

/** Where the server chain sends an authorized request, and whether admission runs first. */
export interface Route {
  target: RequestHandler;
  admit: boolean;
}

export type Router = (request: ApiRequest) => Route | undefined;

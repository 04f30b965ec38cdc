// serviceaccounts/token (`kubectl create token`): kube's TokenREST. A
// TokenRequest is answered with a JWT the issuer signs (service-account-tokens.ts):
// for the audiences asked (the API's by default), for expirationSeconds
// (an hour by default, at least ten minutes, at most
// --service-account-max-token-expiration), and, with spec.boundObjectRef,
// bound to a Pod, Secret or Node: the token stops working once that object
// is gone. Nothing is kept: the token survives a restart as long as the key does.

import type { ApiRequest, RequestHandler } from '../../protocol/messages/request.js';
import { jsonResponse, statusResponse, type HttpReply } from '../../protocol/messages/http.js';
import { badRequest, conflict, internalError, invalid, notFound, type Status } from '../../protocol/kube/status.js';
import type { KubeObject } from '../../protocol/kube/meta.js';
import { decodeBody, isPlainObject } from '../../lib/decode-body.js';
import { jsonOf, loopback } from '../../lib/loopback.js';
import type { Clock } from '../../lib/clock.js';
import type { ServiceAccountIssuer } from './service-account-keys.js';
import { issueBoundToken, type KubernetesClaims } from './service-account-tokens.js';

/** kube's defaults: an hour, and never less than ten minutes nor more than 2^32 seconds. */
const DEFAULT_EXPIRATION_SECONDS = 3600;
const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;

export type StoreOf = (plural: 'serviceaccounts' | 'pods' | 'secrets' | 'nodes') => RequestHandler | undefined;

const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

interface BoundObjectRef {
  kind?: string;
  apiVersion?: string;
  name?: string;
  uid?: string;
}

/** An object by name, or the Status the store answered (404). */
async function fetch(stores: StoreOf, plural: 'serviceaccounts' | 'pods' | 'secrets' | 'nodes', namespace: string, name: string): Promise<KubeObject | Status> {
  const store = stores(plural);
  if (!store) return notFound({ group: '', resource: plural }, name);
  const reply = await loopback(store, 'get', { apiGroup: '', namespace, resource: plural, name });
  return reply.status === 200 ? jsonOf(reply) : notFound({ group: '', resource: plural }, name);
}

const isStatus = (value: KubeObject | Status): value is Status => (value as Status).kind === 'Status';

function validate(spec: { expirationSeconds?: unknown }, name: string): { seconds: number } | { status: Status } {
  const seconds = spec.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
  const bad = (message: string): { status: Status } => ({ status: invalid('TokenRequest', 'authentication.k8s.io', name, [
    { reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${String(seconds)}: ${message}` },
  ]) });
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < MIN_EXPIRATION_SECONDS) return bad('may not specify a duration less than 10 minutes');
  if (seconds > MAX_EXPIRATION_SECONDS) return bad('may not specify a duration larger than 2^32 seconds');
  return { seconds };
}

/** The bound object's claims (a pod's with its node's), or kube's refusal. */
async function boundClaims(stores: StoreOf, namespace: string, account: string, ref: BoundObjectRef): Promise<Partial<KubernetesClaims> | Status> {
  const group = (ref.apiVersion ?? '').includes('/') ? ref.apiVersion!.split('/')[0]! : '';
  const version = (ref.apiVersion ?? '').split('/').pop() ?? '';
  const name = ref.name ?? '';
  const plural = group === '' ? ({ Pod: 'pods', Secret: 'secrets', Node: 'nodes' } as const)[ref.kind ?? ''] : undefined;
  if (!plural) return badRequest(`cannot bind token to object of type ${group}/${version}, Kind=${ref.kind ?? ''}`);
  const object = await fetch(stores, plural, plural === 'nodes' ? '' : namespace, name);
  if (isStatus(object)) return object;
  const uid = object.metadata.uid ?? '';
  if (plural === 'pods') {
    const podAccount = (object.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName ?? '';
    if (podAccount !== account) return badRequest(`cannot bind token for serviceaccount ${JSON.stringify(account)} to pod running with serviceaccount ${JSON.stringify(podAccount)}`);
  }
  if (ref.uid && ref.uid !== uid) {
    return conflict({ group: '', resource: ref.kind! }, name, `the UID in the bound object reference (${ref.uid}) does not match the UID in record (${uid}). The object might have been deleted and then recreated`);
  }
  if (plural === 'secrets') return { secret: { name, uid } };
  if (plural === 'nodes') return { node: { name, uid } };
  const claims: Partial<KubernetesClaims> = { pod: { name, uid } };
  // kube 1.30+ (ServiceAccountTokenPodNodeInfo): a scheduled pod's token names its node too.
  const nodeName = (object.spec as { nodeName?: string } | undefined)?.nodeName;
  if (nodeName) {
    const node = await fetch(stores, 'nodes', '', nodeName);
    if (!isStatus(node)) claims.node = { name: nodeName, uid: node.metadata.uid ?? '' };
  }
  return claims;
}

/** POST serviceaccounts/<name>/token. */
export function serveTokenRequest(request: ApiRequest, stores: StoreOf, issuer: ServiceAccountIssuer, clock: Clock, send: (reply: HttpReply) => void): void {
  const info = request.info;
  if (!info.isResourceRequest) return;
  const decoded = decodeBody(request);
  if (!decoded.ok) return send(statusResponse(request.id, decoded.status));
  const body = isPlainObject(decoded.value) ? decoded.value : {};
  const spec = (isPlainObject(body.spec) ? body.spec : {}) as { audiences?: unknown; expirationSeconds?: unknown; boundObjectRef?: unknown };
  const valid = validate(spec, info.name);
  if ('status' in valid) return send(statusResponse(request.id, valid.status));
  const seconds = issuer.maxExpirationSeconds > 0 ? Math.min(valid.seconds, issuer.maxExpirationSeconds) : valid.seconds;
  const audiences = Array.isArray(spec.audiences) && spec.audiences.length > 0 ? spec.audiences.map(String) : [...issuer.apiAudiences];
  const ref = isPlainObject(spec.boundObjectRef) ? (spec.boundObjectRef as BoundObjectRef) : undefined;
  const ns = info.namespace;
  void (async (): Promise<HttpReply> => {
    const account = await fetch(stores, 'serviceaccounts', ns, info.name);
    if (isStatus(account)) return statusResponse(request.id, account);
    const bound = ref ? await boundClaims(stores, ns, info.name, ref) : {};
    if (isStatus(bound as KubeObject | Status)) return statusResponse(request.id, bound as Status);
    const kubernetes: KubernetesClaims = { namespace: ns, serviceaccount: { name: info.name, uid: account.metadata.uid ?? '' }, ...(bound as Partial<KubernetesClaims>) };
    const { token, expiresAt } = await issueBoundToken(issuer, clock.now(), { audiences, expirationSeconds: seconds, kubernetes });
    return jsonResponse(request.id, 201, {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name: info.name, namespace: ns, creationTimestamp: null },
      spec: { audiences, expirationSeconds: seconds, boundObjectRef: ref ?? null },
      status: { token, expirationTimestamp: rfc3339(expiresAt) },
    });
  })().then(send, () => send(statusResponse(request.id, internalError('failed to generate token'))));
}

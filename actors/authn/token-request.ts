// serviceaccounts/token: a TokenRequest answered with a token this server
// accepts as the service account (system:serviceaccount:<ns>:<name>) until it
// expires. The token is opaque and kept here, in the authn actor that owns the
// tokens it accepts; kube's signed service-account JWTs are another issue's.

import { randomBytes } from 'node:crypto';
import type { UserInfo } from '../../protocol/kube/meta.js';
import type { ApiRequest, RequestHandler } from '../../protocol/messages/request.js';
import { jsonResponse, statusResponse, type HttpReply } from '../../protocol/messages/http.js';
import { invalid, notFound } from '../../protocol/kube/status.js';
import { decodeBody, isPlainObject } from '../../lib/decode-body.js';
import { loopback } from '../../lib/loopback.js';
import type { Clock } from '../../lib/clock.js';

/** kube's defaults: an hour, and never less than ten minutes. */
const DEFAULT_EXPIRATION_SECONDS = 3600;
const MIN_EXPIRATION_SECONDS = 600;
/** What kube-apiserver's --api-audiences defaults to: its service-account issuer. */
const DEFAULT_AUDIENCES = ['https://kubernetes.default.svc.cluster.local'];

export class IssuedTokens {
  private readonly tokens = new Map<string, { user: UserInfo; expiresAt: number }>();

  constructor(private readonly clock: Clock) {}

  issue(user: UserInfo, seconds: number): { token: string; expiresAt: number } {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = this.clock.now() + seconds * 1000;
    this.tokens.set(token, { user, expiresAt });
    return { token, expiresAt };
  }

  userOf(token: string): UserInfo | undefined {
    const issued = this.tokens.get(token);
    if (!issued) return undefined;
    if (issued.expiresAt <= this.clock.now()) {
      this.tokens.delete(token);
      return undefined;
    }
    return issued.user;
  }
}

const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** POST serviceaccounts/<name>/token: checks the account exists, then issues its token. */
export function serveTokenRequest(request: ApiRequest, serviceAccounts: RequestHandler, issued: IssuedTokens, send: (reply: HttpReply) => void): void {
  const info = request.info;
  if (!info.isResourceRequest) return;
  const decoded = decodeBody(request);
  if (!decoded.ok) return send(statusResponse(request.id, decoded.status));
  const body = isPlainObject(decoded.value) ? decoded.value : {};
  const spec = (isPlainObject(body.spec) ? body.spec : {}) as { audiences?: string[]; expirationSeconds?: number; boundObjectRef?: unknown };
  const seconds = spec.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
  if (!Number.isInteger(seconds) || seconds < MIN_EXPIRATION_SECONDS) {
    return send(statusResponse(request.id, invalid('TokenRequest', 'authentication.k8s.io', info.name, [
      { reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${seconds}: may not specify a duration less than 10 minutes` },
    ])));
  }
  void loopback(serviceAccounts, 'get', { apiGroup: '', namespace: info.namespace, resource: 'serviceaccounts', name: info.name }).then((reply) => {
    if (reply.status !== 200) return send(statusResponse(request.id, notFound({ group: '', resource: 'serviceaccounts' }, info.name)));
    const account = JSON.parse(typeof reply.body === 'string' ? reply.body : Buffer.from(reply.body).toString('utf8')) as { metadata: { uid?: string } };
    const ns = info.namespace;
    const user: UserInfo = {
      username: `system:serviceaccount:${ns}:${info.name}`,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`],
      ...(account.metadata.uid ? { uid: account.metadata.uid } : {}),
    };
    const { token, expiresAt } = issued.issue(user, seconds);
    send(jsonResponse(request.id, 201, {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name: info.name, namespace: ns, creationTimestamp: null },
      spec: { audiences: spec.audiences?.length ? spec.audiences : DEFAULT_AUDIENCES, expirationSeconds: seconds, boundObjectRef: spec.boundObjectRef ?? null },
      status: { token, expirationTimestamp: rfc3339(expiresAt) },
    }));
  });
}

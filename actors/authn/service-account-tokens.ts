// Service account token authentication, as kube's two JWT validators check
// tokens signed with the issuer's key (service-account-keys.ts):
//
// - legacy tokens (iss `kubernetes/serviceaccount`), held by Secrets of type
//   kubernetes.io/service-account-token: valid while their Secret still holds
//   the same token (compared in constant time) and their ServiceAccount still
//   exists with the same uid;
// - bound tokens (iss one of --service-account-issuer, from TokenRequest):
//   valid between nbf and exp, meant for one of the audiences asked about
//   (--api-audiences, or a TokenReview's), while their ServiceAccount and the
//   pod, secret or node they are bound to still exist with the same uid (an
//   object deleted more than a minute ago invalidates them).
//
// Signatures are checked with jose once per token and remembered until the
// token expires; everything else is checked on every use against an index of
// the objects that authn keeps current from the stores (observe()).

import { createLocalJWKSet, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { randomUUID, sign, timingSafeEqual } from 'node:crypto';
import type { KubeObject, UserInfo } from '../../protocol/kube/meta.js';
import type { Clock } from '../../lib/clock.js';
import type { ServiceAccountIssuer, ServiceAccountKey } from './service-account-keys.js';
import type { Authenticated, MaybePromise, TokenAuthenticator } from './authenticator.js';

export { ensureServiceAccountKey, type ServiceAccountKey } from './service-account-keys.js';

export const SERVICE_ACCOUNT_TOKEN_TYPE = 'kubernetes.io/service-account-token';
export const SERVICE_ACCOUNT_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
export const SERVICE_ACCOUNT_UID_ANNOTATION = 'kubernetes.io/service-account.uid';
export const LEGACY_ISSUER = 'kubernetes/serviceaccount';
const LEGACY = 'kubernetes.io/serviceaccount';
const EXTRA = 'authentication.kubernetes.io';
/** kube's invalidIfDeletedBefore: a bound object deleted longer ago than this ends its tokens. */
const DELETED_GRACE_MS = 60_000;
const VERIFIED_CACHE_SIZE = 4096;

/** The claims kube puts in a bound token, under `kubernetes.io`. */
export interface KubernetesClaims {
  namespace: string;
  serviceaccount: { name: string; uid: string };
  pod?: { name: string; uid: string };
  secret?: { name: string; uid: string };
  node?: { name: string; uid: string };
}

type Claims = JWTPayload & { 'kubernetes.io'?: KubernetesClaims; [claim: string]: unknown };

const b64url = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const HASH_OF: Readonly<Record<ServiceAccountKey['alg'], string>> = { ES256: 'sha256', ES384: 'sha384', ES512: 'sha512', RS256: 'sha256' };

/** A legacy token for `account`, held by Secret `secretName`: kube's claims, no expiry. */
export function issueLegacyToken(key: ServiceAccountKey, namespace: string, secretName: string, account: { name: string; uid: string }): string {
  const header = b64url({ alg: key.alg, kid: key.kid });
  const claims = b64url({
    iss: LEGACY_ISSUER,
    [`${LEGACY}/namespace`]: namespace,
    [`${LEGACY}/secret.name`]: secretName,
    [`${LEGACY}/service-account.name`]: account.name,
    [`${LEGACY}/service-account.uid`]: account.uid,
    sub: `system:serviceaccount:${namespace}:${account.name}`,
  });
  // Legacy tokens are made synchronously by the token controller: node's signer, the JWS jose checks.
  const signature = sign(HASH_OF[key.alg], Buffer.from(`${header}.${claims}`), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${header}.${claims}.${signature.toString('base64url')}`;
}

/** A TokenRequest's token: kube's claims, signed with the issuer's key by jose. */
export async function issueBoundToken(issuer: ServiceAccountIssuer, now: number, options: { audiences: string[]; expirationSeconds: number; kubernetes: KubernetesClaims }): Promise<{ token: string; expiresAt: number }> {
  const iat = Math.floor(now / 1000);
  const exp = iat + options.expirationSeconds;
  const { namespace, serviceaccount } = options.kubernetes;
  const token = await new SignJWT({ 'kubernetes.io': options.kubernetes })
    .setProtectedHeader({ alg: issuer.signing.alg, kid: issuer.signing.kid })
    .setIssuer(issuer.issuers[0]!)
    .setSubject(`system:serviceaccount:${namespace}:${serviceaccount.name}`)
    .setAudience(options.audiences)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(exp)
    .setJti(randomUUID())
    .sign(issuer.signing.privateKey);
  return { token, expiresAt: exp * 1000 };
}

interface Indexed {
  uid: string;
  /** ms since the epoch, when the object is being deleted. */
  deletedAt?: number;
  /** A token Secret's token. */
  token?: Buffer;
}

const key = (namespace: string, name: string): string => `${namespace}/${name}`;
const INDEXED = ['serviceaccounts', 'secrets', 'pods', 'nodes'] as const;
export type IndexedResource = (typeof INDEXED)[number];

/** The claims of a token's payload, unverified: enough to know whether it is a service account token at all. */
function peek(token: string): Claims | undefined {
  const dot = token.indexOf('.');
  const second = token.indexOf('.', dot + 1);
  if (dot < 0 || second < 0 || token.indexOf('.', second + 1) >= 0) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(token.slice(dot + 1, second), 'base64url').toString('utf8')) as unknown;
    return claims !== null && typeof claims === 'object' && !Array.isArray(claims) ? (claims as Claims) : undefined;
  } catch {
    return undefined;
  }
}

const sameSecret = (held: Buffer | undefined, token: string): boolean => {
  const given = Buffer.from(token);
  return held !== undefined && held.length === given.length && timingSafeEqual(held, given);
};

export class ServiceAccountTokens implements TokenAuthenticator {
  readonly resources = INDEXED;
  private readonly objects: Record<IndexedResource, Map<string, Indexed>> = { serviceaccounts: new Map(), secrets: new Map(), pods: new Map(), nodes: new Map() };
  /** Tokens whose signature jose has checked, with their claims (oldest first, bounded). */
  private readonly verified = new Map<string, Claims>();
  private readonly keySet;

  constructor(private readonly issuer: ServiceAccountIssuer, private readonly clock: Clock) {
    this.keySet = createLocalJWKSet({ keys: issuer.keys.map((k) => ({ ...k.publicKey.export({ format: 'jwk' }), kid: k.kid, alg: k.alg })) });
  }

  /** An object of an indexed resource was added, changed (`object`) or deleted (undefined). */
  observe(resource: IndexedResource, namespace: string, name: string, object: KubeObject | undefined): void {
    const map = this.objects[resource];
    const id = key(namespace, name);
    if (!object) {
      map.delete(id);
      return;
    }
    const entry: Indexed = { uid: object.metadata.uid ?? '' };
    if (object.metadata.deletionTimestamp) entry.deletedAt = Date.parse(object.metadata.deletionTimestamp);
    const data = object.data as Record<string, unknown> | undefined;
    if (resource === 'secrets' && object.type === SERVICE_ACCOUNT_TOKEN_TYPE && typeof data?.token === 'string') entry.token = Buffer.from(data.token, 'base64');
    map.set(id, entry);
  }

  /**
   * The service account a token names, if it is one of ours and still valid; undefined if not.
   * `audiences` are what the token must be meant for (the API's, or a TokenReview's).
   */
  authenticateToken(token: string, audiences: readonly string[] = this.issuer.apiAudiences): MaybePromise<Authenticated | undefined> {
    const claims = peek(token);
    if (!claims || typeof claims.iss !== 'string') return undefined;
    const legacy = claims.iss === LEGACY_ISSUER;
    if (!legacy && !this.issuer.issuers.includes(claims.iss)) return undefined;
    const check = (verified: Claims | undefined): Authenticated | undefined => {
      if (!verified) return undefined;
      return legacy ? this.legacyUser(token, verified, audiences) : this.boundUser(verified, audiences);
    };
    const known = this.verified.get(token);
    if (known) return check(known);
    return jwtVerify(token, this.keySet, { currentDate: new Date(this.clock.now()), clockTolerance: 0 }).then(
      ({ payload }) => {
        this.remember(token, payload as Claims);
        return check(payload as Claims);
      },
      () => undefined,
    );
  }

  private remember(token: string, claims: Claims): void {
    if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, claims);
  }

  private live(resource: IndexedResource, namespace: string, ref: { name?: unknown; uid?: unknown } | undefined, now: number): boolean {
    if (!ref || typeof ref.name !== 'string') return false;
    const found = this.objects[resource].get(key(namespace, ref.name));
    if (!found || found.uid !== ref.uid) return false;
    return found.deletedAt === undefined || found.deletedAt >= now - DELETED_GRACE_MS;
  }

  /** kube's legacy validator. Legacy tokens carry no audience: they are good for the API's own. */
  private legacyUser(token: string, claims: Claims, audiences: readonly string[]): Authenticated | undefined {
    if (!audiences.some((a) => this.issuer.apiAudiences.includes(a))) return undefined;
    const namespace = claims[`${LEGACY}/namespace`];
    const secretName = claims[`${LEGACY}/secret.name`];
    const name = claims[`${LEGACY}/service-account.name`];
    const uid = claims[`${LEGACY}/service-account.uid`];
    if (typeof namespace !== 'string' || typeof secretName !== 'string' || typeof name !== 'string' || typeof uid !== 'string') return undefined;
    const secret = this.objects.secrets.get(key(namespace, secretName));
    if (!secret || secret.deletedAt !== undefined || !sameSecret(secret.token, token)) return undefined;
    const account = this.objects.serviceaccounts.get(key(namespace, name));
    if (!account || account.uid !== uid || account.deletedAt !== undefined) return undefined;
    return { user: accountUser(namespace, name, uid), audiences: audiences.filter((a) => this.issuer.apiAudiences.includes(a)) };
  }

  /** kube's bound-token validator (pkg/serviceaccount claims). */
  private boundUser(claims: Claims, audiences: readonly string[]): Authenticated | undefined {
    const now = this.clock.now();
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= now) return undefined;
    if (typeof claims.nbf === 'number' && claims.nbf * 1000 > now) return undefined;
    const tokenAudiences = typeof claims.aud === 'string' ? [claims.aud] : claims.aud ?? [];
    const meant = audiences.filter((a) => tokenAudiences.includes(a));
    if (meant.length === 0) return undefined;
    const k = claims['kubernetes.io'];
    if (!k || typeof k.namespace !== 'string') return undefined;
    const ns = k.namespace;
    if (!this.live('serviceaccounts', ns, k.serviceaccount, Number.NEGATIVE_INFINITY) || this.objects.serviceaccounts.get(key(ns, k.serviceaccount.name))!.deletedAt !== undefined) return undefined;
    if (k.pod && !this.live('pods', ns, k.pod, now)) return undefined;
    if (k.secret && !this.live('secrets', ns, k.secret, now)) return undefined;
    // A pod's node is information, not a binding: only a token bound to the node itself ends with it.
    if (k.node && !k.pod && !this.live('nodes', '', k.node, now)) return undefined;
    const user = accountUser(ns, k.serviceaccount.name, k.serviceaccount.uid);
    const extra: Record<string, string[]> = {};
    if (k.pod) Object.assign(extra, { [`${EXTRA}/pod-name`]: [k.pod.name], [`${EXTRA}/pod-uid`]: [k.pod.uid] });
    if (k.node) Object.assign(extra, { [`${EXTRA}/node-name`]: [k.node.name], [`${EXTRA}/node-uid`]: [k.node.uid] });
    if (typeof claims.jti === 'string') extra[`${EXTRA}/credential-id`] = [`JTI=${claims.jti}`];
    if (Object.keys(extra).length > 0) user.extra = extra;
    return { user, audiences: meant };
  }
}

export function accountUser(namespace: string, name: string, uid: string): UserInfo {
  return { username: `system:serviceaccount:${namespace}:${name}`, uid, groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`] };
}

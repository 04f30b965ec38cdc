// What every authenticator behind the authn actor answers, and kube's union of
// them. A request authenticator (x509, request header) looks at the request;
// a token authenticator (token file, service account tokens, bootstrap tokens,
// OIDC, webhook) at a bearer token. Each answers a user, or undefined for "not
// mine or not valid"; one that must ask elsewhere (a JWKS, a webhook) answers
// with a promise, and only then is the request's path asynchronous.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { UserInfo } from '../../protocol/kube/meta.js';

import { isPromise, type MaybePromise } from '../../lib/maybe-promise.js';

export { isPromise, type MaybePromise };

export interface Authenticated {
  user: UserInfo;
  /** The audiences the credential was accepted for (TokenReview's status.audiences). */
  audiences?: string[];
}

export interface TokenAuthenticator {
  /** `audiences`: what the token must be meant for, the API's own unless a TokenReview asks for others. */
  authenticateToken(token: string, audiences: readonly string[]): MaybePromise<Authenticated | undefined>;
}


/** kube's union token authenticator: each in order, the first to know the token wins. */
export function firstToKnow(authenticators: readonly TokenAuthenticator[], token: string, audiences: readonly string[], from = 0): MaybePromise<Authenticated | undefined> {
  for (let i = from; i < authenticators.length; i++) {
    const answer = authenticators[i]!.authenticateToken(token, audiences);
    if (isPromise(answer)) return answer.then((known) => known ?? firstToKnow(authenticators, token, audiences, i + 1));
    if (answer) return answer;
  }
  return undefined;
}

const digest = (token: string): string => createHash('sha256').update(token).digest('base64');

/**
 * A static set of tokens (the admin token, --token-auth-file). Looked up by the
 * token's SHA-256, then compared in constant time: how long an answer takes
 * says nothing about how much of a guess was right.
 */
export function staticTokens(tokens: ReadonlyMap<string, UserInfo>): TokenAuthenticator {
  const byDigest = new Map([...tokens].map(([token, user]) => [digest(token), { token: Buffer.from(token), user }]));
  return { authenticateToken: (token) => {
    const found = byDigest.get(digest(token));
    const given = Buffer.from(token);
    return found && found.token.length === given.length && timingSafeEqual(found.token, given) ? { user: found.user } : undefined;
  } };
}

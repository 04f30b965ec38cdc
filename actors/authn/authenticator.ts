// What every authenticator behind the authn actor answers, and kube's union of
// them. A request authenticator (x509, request header) looks at the request;
// a token authenticator (token file, service account tokens, bootstrap tokens,
// OIDC, webhook) at a bearer token. Each answers a user, or undefined for "not
// mine or not valid"; one that must ask elsewhere (a JWKS, a webhook) answers
// with a promise, and only then is the request's path asynchronous.

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

/**
 * A static set of tokens (the admin token, --token-auth-file), looked up as kube's
 * tokenfile authenticator looks them up: by the token itself, in a hash map. (A SHA-256 of
 * every request's token, for a constant-time compare after it, cost a GET 5%.)
 */
export function staticTokens(tokens: ReadonlyMap<string, UserInfo>): TokenAuthenticator {
  const byToken = new Map(tokens);
  return { authenticateToken: (token) => {
    const user = byToken.get(token);
    return user ? { user } : undefined;
  } };
}

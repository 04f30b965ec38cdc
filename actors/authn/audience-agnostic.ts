// kube's WrapAudienceAgnosticToken: an authenticator whose tokens name no
// audience of their own (static tokens, bootstrap tokens, OIDC/JWT, whose
// `aud` is the OIDC client's, not the API's) is good for the API's audiences
// only. Asked about other audiences (a TokenReview's spec.audiences), the
// token is accepted only if they meet the API's, and is reported as good for
// that intersection; otherwise it is unknown to this authenticator.

import { isPromise, type Authenticated, type TokenAuthenticator } from './authenticator.js';

export function audienceAgnostic(apiAudiences: readonly string[], inner: TokenAuthenticator): TokenAuthenticator {
  return {
    authenticateToken(token, audiences) {
      // The request path asks with the API's own audiences (the same array): nothing to intersect.
      if (audiences === apiAudiences || apiAudiences.length === 0) return inner.authenticateToken(token, audiences);
      const meant = apiAudiences.filter((a) => audiences.includes(a));
      if (meant.length === 0) return undefined;
      const scope = (known: Authenticated | undefined): Authenticated | undefined => (known ? { ...known, audiences: meant } : undefined);
      const answer = inner.authenticateToken(token, apiAudiences);
      return isPromise(answer) ? answer.then(scope) : scope(answer);
    },
  };
}

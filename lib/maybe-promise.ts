// A value now, or later: what an authenticator or authorizer that may have to
// ask elsewhere (a JWKS, a webhook) answers. Callers stay synchronous until a
// promise actually comes back, so the usual request never waits a microtask.

export type MaybePromise<T> = T | Promise<T>;

export const isPromise = <T>(value: MaybePromise<T>): value is Promise<T> => typeof (value as { then?: unknown } | undefined)?.then === 'function';

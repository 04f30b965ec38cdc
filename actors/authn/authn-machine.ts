// The authn actor: kube's authentication filter.
//
// Owns: the authenticators, one file each, tried in kube's order: the request
//   authenticators (x509.ts for --client-ca-file), then the bearer token's
//   (authenticator.ts's static tokens: the admin token and --token-auth-file;
//   service-account-tokens.ts; and those the supervisor lists after them),
//   then anonymous (--anonymous-auth). Owns too the service account issuer
//   (service-account-keys.ts): it answers serviceaccounts/token
//   (token-request.ts) and the issuer's discovery documents.
// Receives: `authenticate` from the listener; `request` for the
//   SelfSubjectReview, TokenReview, serviceaccounts/token creates and the
//   discovery paths the server chain routes to it; `store.snapshot` and
//   `store.changed` from the stores its authenticators index.
// Sends: the request, with `user` set, to the next stage (audit, apf or authz); a request of an
//   exempt priority level straight to authz when apf has said which those are (`apf.configuration`);
//   `apf.subscribe` to apf at start; 401 replies to the client. An authenticator that must ask elsewhere (a
//   JWKS, a webhook) answers later; every other request goes on synchronously.
//
// States: Serving → Stopped.

import { setup } from 'xstate';
import type { UserInfo } from '../../protocol/kube/meta.js';
import type { ApiRequest, AuthenticateRequest, AuthorizeRequest, HandleRequest } from '../../protocol/messages/request.js';
import type { ActorCounters, ActorStop } from '../../protocol/messages/lifecycle.js';
import { jsonResponse, statusResponse, type HttpResponse } from '../../protocol/messages/http.js';
import { resourceNotFound, unauthorized } from '../../protocol/kube/status.js';
import type { Clock } from '../../lib/clock.js';
import { serveTokenRequest, type StoreOf } from './token-request.js';
import type { Observer, StoreChanged, StoreSnapshot } from '../../protocol/messages/store.js';
import type { Log } from '../../lib/log.js';
import { serveSafely } from '../../lib/serve-safely.js';
import { bearerTokenOf } from './token-file.js';
import { decodeBody, isPlainObject } from '../../lib/decode-body.js';
import type { ClientCertificateAuthenticator } from './x509.js';
import { firstToKnow, isPromise, staticTokens, type Authenticated, type MaybePromise, type TokenAuthenticator } from './authenticator.js';
import { audienceAgnostic } from './audience-agnostic.js';
import { jwks, openIdConfiguration, servesDiscovery, type ServiceAccountIssuer } from './service-account-keys.js';
import type { ApfConfiguration, ApfSubscribe } from '../../protocol/messages/flowcontrol.js';
import { classify } from '../apf/classify.js';
import { countKey, pfHeaders } from '../apf/apf-machine.js';

export const ANONYMOUS: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };


/** Looks at the request itself (a client certificate, a front proxy's headers). */
export interface RequestAuthenticator {
  authenticateRequest(request: Pick<ApiRequest, 'headers' | 'clientCertificate'>, now: number): { user: UserInfo } | 'refused' | undefined;
}

export interface AuthnInput {
  tokens: ReadonlyMap<string, UserInfo>;
  /** Token authenticators after the static tokens, in kube's order (service accounts, bootstrap, OIDC, webhook). */
  tokenAuthenticators?: readonly TokenAuthenticator[];
  /** Request authenticators before x509 (the front proxy's request header). */
  requestAuthenticators?: readonly RequestAuthenticator[];
  /** What the authenticators index, from which stores. */
  observers?: readonly Observer[];
  /** The service account issuer, and the stores TokenRequest reads. */
  serviceAccounts?: { issuer: ServiceAccountIssuer; stores: StoreOf } | undefined;
  clock: Clock;
  anonymousAuth: boolean;
  /** The structured config's anonymous conditions: anonymous requests only for these paths. */
  anonymousPaths?: readonly string[] | undefined;
  /** With --client-ca-file. */
  x509?: ClientCertificateAuthenticator | undefined;
  next: { send(message: AuthorizeRequest): void };
  /**
   * When `next` is the apf actor: it tells authn its configuration, and a request of an exempt
   * priority level goes from here straight to `authorize` (authz), as kube's filter lets it through.
   */
  flowControl?: { apf: { send(message: ApfSubscribe): void }; authorize: { send(message: AuthorizeRequest): void } } | undefined;
  logger: Log;
}

interface AuthnContext {
  input: AuthnInput;
  /** Static tokens first, then the others. */
  tokenAuthenticators: readonly TokenAuthenticator[];
  requestAuthenticators: readonly RequestAuthenticator[];
  apiAudiences: readonly string[];
  logger: Log;
  counters: ActorCounters;
  /** The apf actor's latest configuration, and the exempt requests sent past it (counted for /metrics as apf's own). */
  apf: { configuration: ApfConfiguration | undefined; exemptDispatched: Map<string, number> };
}

/** An exempt request goes straight to authorization with kube's headers; true when it did. */
function passExempt(context: AuthnContext, request: ApiRequest, user: UserInfo): boolean {
  const configuration = context.apf.configuration;
  if (!configuration || !context.input.flowControl) return false;
  const classified = classify(configuration.schemas, user, request.info);
  const level = classified?.schema.spec.priorityLevelConfiguration.name;
  const levelUid = level === undefined ? undefined : configuration.exempt[level];
  if (!classified || levelUid === undefined) return false;
  const key = countKey(classified.schema.name, level!);
  context.apf.exemptDispatched.set(key, (context.apf.exemptDispatched.get(key) ?? 0) + 1);
  request.responseHeaders = pfHeaders(classified.schema, levelUid);
  request.exemptLevel = level;
  context.input.flowControl.authorize.send({ type: 'authorize', request });
  return true;
}

/** kube adds system:authenticated to every authenticated user but anonymous. */
function authenticated(user: UserInfo): UserInfo {
  if (user.groups.includes('system:authenticated')) return user;
  let withGroup = AUTHENTICATED.get(user);
  if (!withGroup) AUTHENTICATED.set(user, (withGroup = { ...user, groups: [...user.groups, 'system:authenticated'] }));
  return withGroup;
}

/** The same user (a static token's) gets the same object every request: authorizers may key caches by it. */
const AUTHENTICATED = new WeakMap<UserInfo, UserInfo>();

function anonymousAllowed(input: AuthnInput, path: string): boolean {
  return input.anonymousAuth && (input.anonymousPaths === undefined || input.anonymousPaths.includes(path));
}

/** The chain, as kube's union: request authenticators, the bearer token, anonymous. */
function authenticate(context: AuthnContext, request: Pick<ApiRequest, 'headers' | 'clientCertificate' | 'info'>): MaybePromise<UserInfo | undefined> {
  // A credential the server cannot vouch for is an error, not an absence: unless a
  // token names a user, the request is refused, not served as anonymous (kube's FailOnError).
  let refused = false;
  const now = context.input.clock.now();
  for (const authenticator of context.requestAuthenticators) {
    const answer = authenticator.authenticateRequest(request, now);
    if (answer === 'refused') refused = true;
    else if (answer) return authenticated(answer.user);
  }
  const token = bearerTokenOf(request.headers.authorization);
  if (token === undefined) return anonymousAllowed(context.input, request.info.path) && !refused ? ANONYMOUS : undefined;
  const known = firstToKnow(context.tokenAuthenticators, token, context.apiAudiences);
  if (isPromise(known)) return known.then((k) => (k ? authenticated(k.user) : undefined));
  return known ? authenticated(known.user) : undefined;
}

function selfSubjectReview(user: UserInfo, apiVersion: string): object {
  return { kind: 'SelfSubjectReview', apiVersion, metadata: { creationTimestamp: null }, status: { userInfo: user } };
}

/** TokenReview: would this server accept spec.token for spec.audiences, and as whom? An unknown token is an answer, not an error. */
function tokenReview(context: AuthnContext, request: HandleRequest['request'], apiVersion: string): MaybePromise<HttpResponse> {
  const decoded = decodeBody(request);
  if (!decoded.ok) return statusResponse(request.id, decoded.status);
  const body = decoded.value;
  const spec = isPlainObject(body) && isPlainObject(body.spec) ? body.spec : {};
  const token = typeof spec.token === 'string' ? spec.token : '';
  const asked = Array.isArray(spec.audiences) && spec.audiences.length > 0 ? spec.audiences.map(String) : context.apiAudiences;
  const answer = (known: Authenticated | undefined): HttpResponse => {
    const status = known
      ? { authenticated: true, user: authenticated(known.user), audiences: known.audiences ?? [...asked] }
      : { user: {}, error: 'invalid bearer token' };
    return jsonResponse(request.id, 201, { kind: 'TokenReview', apiVersion, metadata: { creationTimestamp: null }, spec, status });
  };
  const known = token ? firstToKnow(context.tokenAuthenticators, token, asked) : undefined;
  return isPromise(known) ? known.then(answer) : answer(known);
}

/** GET /.well-known/openid-configuration and /openid/v1/jwks, as kube serves them. */
function discovery(context: AuthnContext, request: ApiRequest): HttpResponse {
  const issuer = context.input.serviceAccounts?.issuer;
  if (!issuer || !servesDiscovery(issuer)) return statusResponse(request.id, resourceNotFound());
  const cache = { 'cache-control': 'public, max-age=3600' };
  if (request.info.path.startsWith('/openid/')) return jsonResponse(request.id, 200, jwks(issuer), { ...cache, 'content-type': 'application/jwk-set+json' });
  return jsonResponse(request.id, 200, openIdConfiguration(issuer), cache);
}

export const DISCOVERY_PATHS = /^\/(\.well-known\/openid-configuration|openid\/v1\/jwks)\/?$/;

function serve(context: AuthnContext, request: ApiRequest): MaybePromise<HttpResponse> | undefined {
  const info = request.info;
  if (!info.isResourceRequest) return discovery(context, request);
  const apiVersion = `${info.apiGroup}/${info.apiVersion}`;
  if (info.resource === 'tokenreviews') return tokenReview(context, request, apiVersion);
  if (info.resource === 'serviceaccounts' && info.subresource === 'token') {
    const accounts = context.input.serviceAccounts;
    if (!accounts) return statusResponse(request.id, resourceNotFound());
    serveTokenRequest(request, accounts.stores, accounts.issuer, context.input.clock, (reply) => request.replyTo.send(reply));
    return undefined;
  }
  return jsonResponse(request.id, 201, selfSubjectReview(request.user!, apiVersion));
}

export const authnMachine = setup({
  types: {
    context: {} as AuthnContext,
    events: {} as AuthenticateRequest | HandleRequest | StoreSnapshot | StoreChanged | ApfConfiguration | ActorStop,
    input: {} as AuthnInput,
  },
  actions: {
    subscribe: ({ context, self }) => {
      context.input.flowControl?.apf.send({ type: 'apf.subscribe', subscriber: self });
      const stores = new Set((context.input.observers ?? []).map((o) => o.store));
      for (const store of stores) store.send({ type: 'store.subscribe', subscriber: self });
    },
    learn: ({ context, event }) => {
      const message = event as StoreSnapshot | StoreChanged;
      const observers = (context.input.observers ?? []).filter((o) => o.resource === message.resource);
      const changes = message.type === 'store.snapshot' ? message.objects.map((object) => ({ type: 'ADDED', object })) : message.changes;
      for (const { type, object } of changes) {
        const { namespace = '', name = '' } = object.metadata;
        for (const observer of observers) observer.observe(namespace, name, type === 'DELETED' ? undefined : object);
      }
    },
    review: ({ context, event }) => {
      const { request } = event as HandleRequest;
      serveSafely(request, context.counters, context.logger, () => {
        const reply = serve(context, request);
        if (isPromise(reply)) void reply.then((r) => request.replyTo.send(r));
        else if (reply) request.replyTo.send(reply);
      });
    },
    authenticate: ({ context, event }) => {
      const { request } = event as AuthenticateRequest;
      serveSafely(request, context.counters, context.logger, () => {
        const proceed = (user: UserInfo | undefined): void => {
          if (!user) return request.replyTo.send(statusResponse(request.id, unauthorized()));
          request.user = user;
          if (!passExempt(context, request, user)) context.input.next.send({ type: 'authorize', request });
        };
        const user = authenticate(context, request);
        if (isPromise(user)) void user.then(proceed, () => proceed(undefined));
        else proceed(user);
      });
    },
  },
}).createMachine({
  id: 'authn',
  context: ({ input }) => {
    const requestAuthenticators: RequestAuthenticator[] = [...(input.requestAuthenticators ?? [])];
    if (input.x509) requestAuthenticators.push(input.x509);
    return {
      input,
      tokenAuthenticators: [audienceAgnostic(input.serviceAccounts?.issuer.apiAudiences ?? [], staticTokens(input.tokens)), ...(input.tokenAuthenticators ?? [])],
      requestAuthenticators,
      apiAudiences: input.serviceAccounts?.issuer.apiAudiences ?? [],
      logger: input.logger,
      counters: { handled: 0, errors: 0 },
      apf: { configuration: undefined, exemptDispatched: new Map() },
    };
  },
  entry: 'subscribe',
  initial: 'Serving',
  states: {
    Serving: {
      on: {
        authenticate: { actions: 'authenticate' },
        request: { actions: 'review' },
        'store.snapshot': { actions: 'learn' },
        'store.changed': { actions: 'learn' },
        'apf.configuration': {
          actions: ({ context, event }) => {
            context.apf.configuration = event as ApfConfiguration;
          },
        },
        'actor.stop': 'Stopped',
      },
    },
    Stopped: { type: 'final' },
  },
});

// The authn actor: kube's authentication filter.
//
// Owns: the client CA (--client-ca-file, x509.ts), the bearer tokens it
//   accepts (the generated admin token and --token-auth-file) and whether
//   anonymous requests are allowed. They are tried in kube's order: x509,
//   then the bearer token, then anonymous.
// Owns too: the service-account tokens it issued (serviceaccounts/token), until they expire,
//   and its index of the legacy ones held by Secrets (service-account-tokens.ts).
// Receives: `authenticate` from the listener; `request` for the
//   SelfSubjectReview, TokenReview and serviceaccounts/token creates the server chain routes to it;
//   `store.snapshot` and `store.changed` from the secrets and serviceaccounts stores.
// Sends: the request, with `user` set, to the next filter (audit, apf or authz); a request of an
//   exempt priority level straight to authz when apf has said which those are (`apf.configuration`);
//   `apf.subscribe` to apf at start; 401 replies to the client.

import { setup } from 'xstate';
import type { UserInfo } from '../../protocol/kube/meta.js';
import type { ApiRequest, AuthenticateRequest, AuthorizeRequest, HandleRequest, RequestHandler } from '../../protocol/messages/request.js';
import type { ActorCounters, ActorStop } from '../../protocol/messages/lifecycle.js';
import { jsonResponse, statusResponse } from '../../protocol/messages/http.js';
import { resourceNotFound, unauthorized } from '../../protocol/kube/status.js';
import type { Clock } from '../../lib/clock.js';
import { IssuedTokens, serveTokenRequest } from './token-request.js';
import type { ServiceAccountTokens } from './service-account-tokens.js';
import type { StoreChanged, StoreSnapshot, Subscriber } from '../../protocol/messages/store.js';
import type { Log } from '../../lib/log.js';
import { serveSafely } from '../../lib/serve-safely.js';
import { bearerTokenOf } from './token-file.js';
import { decodeBody, isPlainObject } from '../../lib/decode-body.js';
import type { ClientCertificateAuthenticator } from './x509.js';
import type { ApfConfiguration, ApfSubscribe } from '../../protocol/messages/flowcontrol.js';
import { classify } from '../apf/classify.js';
import { countKey, pfHeaders, replyThrough } from '../apf/apf-machine.js';

type Subscribable = { send(message: { type: 'store.subscribe'; subscriber: Subscriber }): void };

export const ANONYMOUS: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };

export interface AuthnInput {
  tokens: ReadonlyMap<string, UserInfo>;
  /** The serviceaccounts store, asked whether an account exists before its token is issued. */
  serviceAccountStore?: RequestHandler;
  /** Legacy service account tokens, learnt from these stores. */
  legacyTokens?: { tokens: ServiceAccountTokens; secrets: Subscribable; serviceAccounts: Subscribable } | undefined;
  clock: Clock;
  anonymousAuth: boolean;
  /** With --client-ca-file. */
  x509?: ClientCertificateAuthenticator | undefined;
  /** For a client certificate's validity period. */
  now?: () => number;
  next: { send(message: AuthorizeRequest): void };
  /**
   * When `next` is the apf actor: it tells authn its configuration, and a request of an exempt
   * priority level goes from here straight to `authorize` (authz), as kube's filter lets it through.
   */
  flowControl?: { apf: { send(message: ApfSubscribe): void }; authorize: { send(message: AuthorizeRequest): void } } | undefined;
  logger: Log;
}

interface AuthnContext extends Omit<AuthnInput, 'logger'> {
  logger: Log;
  issued: IssuedTokens;
  counters: ActorCounters;
  /** The apf actor's latest configuration, and the exempt requests sent past it (counted for /metrics as apf's own). */
  apf: { configuration: ApfConfiguration | undefined; exemptDispatched: Map<string, number> };
}

/** An exempt request goes straight to authorization with kube's headers; true when it did. */
function passExempt(context: AuthnContext, request: ApiRequest, user: UserInfo): boolean {
  const configuration = context.apf.configuration;
  if (!configuration || !context.flowControl) return false;
  const classified = classify(configuration.schemas, user, request.info);
  const level = classified?.schema.spec.priorityLevelConfiguration.name;
  const levelUid = level === undefined ? undefined : configuration.exempt[level];
  if (!classified || levelUid === undefined) return false;
  const key = countKey(classified.schema.name, level!);
  context.apf.exemptDispatched.set(key, (context.apf.exemptDispatched.get(key) ?? 0) + 1);
  request.replyTo = replyThrough(request.replyTo, pfHeaders(classified.schema, levelUid), undefined);
  context.flowControl.authorize.send({ type: 'authorize', request });
  return true;
}

export function authenticate(
  input: Pick<AuthnInput, 'tokens' | 'anonymousAuth' | 'x509' | 'now' | 'legacyTokens'> & { issued?: IssuedTokens },
  authorization: string | undefined,
  clientCertificate?: ApiRequest['clientCertificate'],
): UserInfo | undefined {
  // A certificate the CA does not vouch for is an error, not an absence: unless a
  // token names a user, the request is refused, not served as anonymous (kube's FailOnError).
  let certificateRefused = false;
  if (clientCertificate && input.x509) {
    const user = input.x509.userOf(clientCertificate, input.now ? input.now() : Date.now());
    if (user) return user;
    certificateRefused = true;
  }
  const token = bearerTokenOf(authorization);
  if (token === undefined) return input.anonymousAuth && !certificateRefused ? ANONYMOUS : undefined;
  const user = input.tokens.get(token) ?? input.issued?.userOf(token) ?? input.legacyTokens?.tokens.authenticate(token);
  // kube adds system:authenticated to every authenticated user.
  if (user && !user.groups.includes('system:authenticated')) return { ...user, groups: [...user.groups, 'system:authenticated'] };
  return user;
}

function selfSubjectReview(user: UserInfo, apiVersion: string): object {
  return { kind: 'SelfSubjectReview', apiVersion, metadata: { creationTimestamp: null }, status: { userInfo: user } };
}

/** TokenReview: would this server accept spec.token, and as whom? An unknown token is an answer, not an error. */
function tokenReview(context: AuthnContext, request: HandleRequest['request'], apiVersion: string): ReturnType<typeof jsonResponse> {
  const decoded = decodeBody(request);
  if (!decoded.ok) return statusResponse(request.id, decoded.status);
  const body = decoded.value;
  const spec = isPlainObject(body) && isPlainObject(body.spec) ? body.spec : {};
  const token = typeof spec.token === 'string' ? spec.token : '';
  const user = token ? authenticate({ tokens: context.tokens, issued: context.issued, legacyTokens: context.legacyTokens, anonymousAuth: false }, `Bearer ${token}`) : undefined;
  const status = user ? { authenticated: true, user } : { user: {}, error: 'invalid bearer token' };
  return jsonResponse(request.id, 201, { kind: 'TokenReview', apiVersion, metadata: { creationTimestamp: null }, spec, status });
}

export const authnMachine = setup({
  types: {
    context: {} as AuthnContext,
    events: {} as AuthenticateRequest | HandleRequest | StoreSnapshot | StoreChanged | ApfConfiguration | ActorStop,
    input: {} as AuthnInput,
  },
  actions: {
    subscribe: ({ context, self }) => {
      context.flowControl?.apf.send({ type: 'apf.subscribe', subscriber: self });
      context.legacyTokens?.secrets.send({ type: 'store.subscribe', subscriber: self });
      context.legacyTokens?.serviceAccounts.send({ type: 'store.subscribe', subscriber: self });
    },
    learn: ({ context, event }) => {
      const tokens = context.legacyTokens?.tokens;
      if (!tokens) return;
      const message = event as StoreSnapshot | StoreChanged;
      const changes = message.type === 'store.snapshot' ? message.objects.map((object) => ({ type: 'ADDED', object })) : message.changes;
      for (const { type, object } of changes) {
        const { namespace = '', name = '' } = object.metadata;
        const current = type === 'DELETED' ? undefined : object;
        if (message.resource === 'secrets') tokens.secret(namespace, name, current);
        else if (message.resource === 'serviceaccounts') tokens.account(namespace, name, current);
      }
    },
    review: ({ context, event }) => {
      const { request } = event as HandleRequest;
      serveSafely(request, context.counters, context.logger, () => {
        const info = request.info;
        const apiVersion = info.isResourceRequest ? `${info.apiGroup}/${info.apiVersion}` : 'authentication.k8s.io/v1';
        if (info.isResourceRequest && info.resource === 'tokenreviews') return request.replyTo.send(tokenReview(context, request, apiVersion));
        if (info.isResourceRequest && info.resource === 'serviceaccounts' && info.subresource === 'token') {
          if (!context.serviceAccountStore) return request.replyTo.send(statusResponse(request.id, resourceNotFound()));
          return serveTokenRequest(request, context.serviceAccountStore, context.issued, (reply) => request.replyTo.send(reply));
        }
        request.replyTo.send(jsonResponse(request.id, 201, selfSubjectReview(request.user!, apiVersion)));
      });
    },
    authenticate: ({ context, event }) => {
      const { request } = event as AuthenticateRequest;
      serveSafely(request, context.counters, context.logger, () => {
        const user = authenticate(context, request.headers.authorization, request.clientCertificate);
        if (!user) {
          request.replyTo.send(statusResponse(request.id, unauthorized()));
          return;
        }
        request.user = user;
        if (!passExempt(context, request, user)) context.next.send({ type: 'authorize', request });
      });
    },
  },
}).createMachine({
  id: 'authn',
  context: ({ input }) => ({ ...input, issued: new IssuedTokens(input.clock), counters: { handled: 0, errors: 0 }, apf: { configuration: undefined, exemptDispatched: new Map() } }),
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

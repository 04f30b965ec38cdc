// The authn actor: kube's authentication filter.
//
// Owns: the bearer tokens it accepts (the generated admin token and
//   --token-auth-file, then service account tokens held by Secrets) and whether
//   anonymous requests are allowed.
// Receives: `authenticate` from the listener; `request` for the
//   SelfSubjectReview creates the server chain routes to it; `store.snapshot`
//   and `store.changed` from the secrets and serviceaccounts stores.
// Sends: the request, with `user` set, to authz; 401 replies to the client.

import { setup } from 'xstate';
import type { UserInfo } from '../../protocol/kube/meta.js';
import type { AuthenticateRequest, AuthorizeRequest, HandleRequest } from '../../protocol/messages/request.js';
import type { ActorCounters, ActorStop } from '../../protocol/messages/lifecycle.js';
import { jsonResponse, statusResponse } from '../../protocol/messages/http.js';
import { unauthorized } from '../../protocol/kube/status.js';
import type { Log } from '../../lib/log.js';
import { serveSafely } from '../../lib/serve-safely.js';
import { bearerTokenOf } from './token-file.js';
import type { StoreChanged, StoreSnapshot, Subscriber } from '../../protocol/messages/store.js';
import type { ServiceAccountTokens } from './service-account-tokens.js';

type Subscribable = { send(message: { type: 'store.subscribe'; subscriber: Subscriber }): void };

export const ANONYMOUS: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };

export interface AuthnInput {
  tokens: ReadonlyMap<string, UserInfo>;
  anonymousAuth: boolean;
  next: { send(message: AuthorizeRequest): void };
  /** Legacy service account tokens, learnt from these stores. */
  serviceAccounts?: { tokens: ServiceAccountTokens; secrets: Subscribable; serviceAccounts: Subscribable };
  logger: Log;
}

interface AuthnContext extends Omit<AuthnInput, 'logger'> {
  logger: Log;
  counters: ActorCounters;
}

export function authenticate(input: Pick<AuthnInput, 'tokens' | 'anonymousAuth' | 'serviceAccounts'>, authorization: string | undefined): UserInfo | undefined {
  const token = bearerTokenOf(authorization);
  if (token === undefined) return input.anonymousAuth ? ANONYMOUS : undefined;
  const user = input.tokens.get(token) ?? input.serviceAccounts?.tokens.authenticate(token);
  // kube adds system:authenticated to every authenticated user.
  if (user && !user.groups.includes('system:authenticated')) return { ...user, groups: [...user.groups, 'system:authenticated'] };
  return user;
}

function selfSubjectReview(user: UserInfo, apiVersion: string): object {
  return { kind: 'SelfSubjectReview', apiVersion, metadata: { creationTimestamp: null }, status: { userInfo: user } };
}

export const authnMachine = setup({
  types: {
    context: {} as AuthnContext,
    events: {} as AuthenticateRequest | HandleRequest | StoreSnapshot | StoreChanged | ActorStop,
    input: {} as AuthnInput,
  },
  actions: {
    subscribe: ({ context, self }) => {
      context.serviceAccounts?.secrets.send({ type: 'store.subscribe', subscriber: self });
      context.serviceAccounts?.serviceAccounts.send({ type: 'store.subscribe', subscriber: self });
    },
    learn: ({ context, event }) => {
      const tokens = context.serviceAccounts?.tokens;
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
        request.replyTo.send(jsonResponse(request.id, 201, selfSubjectReview(request.user!, apiVersion)));
      });
    },
    authenticate: ({ context, event }) => {
      const { request } = event as AuthenticateRequest;
      serveSafely(request, context.counters, context.logger, () => {
        const user = authenticate(context, request.headers.authorization);
        if (!user) {
          request.replyTo.send(statusResponse(request.id, unauthorized()));
          return;
        }
        request.user = user;
        context.next.send({ type: 'authorize', request });
      });
    },
  },
}).createMachine({
  id: 'authn',
  context: ({ input }) => ({ ...input, counters: { handled: 0, errors: 0 } }),
  entry: 'subscribe',
  initial: 'Serving',
  states: {
    Serving: {
      on: {
        authenticate: { actions: 'authenticate' },
        request: { actions: 'review' },
        'store.snapshot': { actions: 'learn' },
        'store.changed': { actions: 'learn' },
        'actor.stop': 'Stopped',
      },
    },
    Stopped: { type: 'final' },
  },
});

// The authorization chain the authz actor runs, from --authorization-mode in
// the order given: RBAC, AlwaysAllow and AlwaysDeny are authz's own; ABAC,
// Node and Webhook are built here from their files and stores.

import type { RequestHandler } from '../../protocol/messages/request.js';
import type { Observer } from '../../protocol/messages/store.js';
import type { Clock } from '../../lib/clock.js';
import type { Log } from '../../lib/log.js';
import type { AuthzInput, ChainEntry } from '../authz/authz-machine.js';
import type { CompletedOptions } from './options.js';
import type { RuntimeFiles } from './runtime-files.js';
import { WebhookAuthorizer } from '../authz/webhook.js';
import type { WebhookClient } from '../../lib/webhook-client.js';

type StoreLookup = (plural: string, group: string) => (RequestHandler & Observer['store']) | undefined;

export function authorizersOf(options: CompletedOptions, files: RuntimeFiles, store: StoreLookup, clock: Clock, logger: Log, webhookClient: WebhookClient): Pick<AuthzInput, 'chain' | 'observers'> {
  void store; void logger;
  const { raw } = options;
  const observers: Observer[] = [];
  const chain: ChainEntry[] = options.authorizationModes.map((mode): ChainEntry => {
    if (mode === 'Webhook') {
      const version = raw.authorizationWebhookVersion as 'v1' | 'v1beta1';
      const ttls = { authorizedTtlMs: options.webhookTtls.authorized, unauthorizedTtlMs: options.webhookTtls.unauthorized };
      return { mode, authorizer: new WebhookAuthorizer(files.webhooks.authorization!, { version, ...ttls }, webhookClient, clock) };
    }
    return { mode };
  });
  return { chain, observers };
}

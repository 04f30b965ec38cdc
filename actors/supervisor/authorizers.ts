// The authorization chain the authz actor runs, from --authorization-mode in
// the order given, or from --authorization-config's list: RBAC, AlwaysAllow
// and AlwaysDeny are authz's own; ABAC, Node and Webhook are built here from
// their files and stores.

import type { RequestHandler } from '../../protocol/messages/request.js';
import type { Observer } from '../../protocol/messages/store.js';
import type { Clock } from '../../lib/clock.js';
import type { Log } from '../../lib/log.js';
import type { AuthzInput, ChainEntry } from '../authz/authz-machine.js';
import type { CompletedOptions } from './options.js';
import type { RuntimeFiles } from './runtime-files.js';
import { WebhookAuthorizer } from '../authz/webhook.js';
import { NodeAuthorizer } from '../authz/node.js';
import type { ConfiguredAuthorizer } from '../authz/authorization-config.js';
import type { WebhookClient } from '../../lib/webhook-client.js';

type StoreLookup = (plural: string, group: string) => (RequestHandler & Observer['store']) | undefined;

export function authorizersOf(options: CompletedOptions, files: RuntimeFiles, store: StoreLookup, clock: Clock, logger: Log, webhookClient: WebhookClient): Pick<AuthzInput, 'chain' | 'observers'> {
  void logger;
  const { raw } = options;
  const observers: Observer[] = [];
  const configured: ConfiguredAuthorizer[] = files.authorizationChain ?? options.authorizationModes.map((mode) => {
    if (mode !== 'Webhook') return { mode, name: mode };
    const version = raw.authorizationWebhookVersion as 'v1' | 'v1beta1';
    const ttls = { authorizedTtlMs: options.webhookTtls.authorized, unauthorizedTtlMs: options.webhookTtls.unauthorized };
    return { mode, name: 'webhook', webhook: { config: files.webhooks.authorization!, options: { version, ...ttls } } };
  });
  const chain = configured.map(({ mode, webhook }): ChainEntry => {
    if (webhook) return { mode, authorizer: new WebhookAuthorizer(webhook.config, webhook.options, webhookClient, clock) };
    if (mode === 'ABAC') return { mode, authorizer: files.abac! };
    if (mode === 'Node') {
      const node = new NodeAuthorizer();
      const pods = store('pods', '');
      if (pods) observers.push({ resource: 'pods', store: pods, observe: (namespace, name, object) => node.observe(namespace, name, object) });
      return { mode, authorizer: node };
    }
    return { mode };
  });
  return { chain, observers };
}

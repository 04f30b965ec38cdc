// What the mutating and the validating webhook plugins share: one webhook
// client (one connection pool) per server clock, the built-in equivalent
// resources for matchPolicy Equivalent, and the cheap test that keeps a
// write off the review hops when no webhook's rules could match it.

import type { AdmissionAttributes } from '../../../protocol/messages/admission.js';
import { internalError, type Status } from '../../../protocol/kube/status.js';
import type { Log } from '../../../lib/log.js';
import type { AdmissionPlugin } from '../plugin.js';
import { WebhookClient } from '../../../lib/webhook-client.js';
import type { Clock } from '../../../lib/clock.js';
import { builtinKinds } from '../../../scheme/kinds/index.js';
import { isExempt, rulesInvocation, type Equivalents } from './matching.js';
import type { Hook, WebhookSource } from './source.js';

const clients = new WeakMap<Clock, WebhookClient>();

/** The server's webhook client: both plugins of one server share its pool. */
export function webhookClientFor(clock: Clock): WebhookClient {
  let client = clients.get(clock);
  if (!client) {
    client = new WebhookClient({ clock });
    clients.set(clock, client);
  }
  return client;
}

/** The other served versions of a built-in resource. */
export const builtinEquivalents: Equivalents = (resource) =>
  builtinKinds
    .filter((k) => k.group === resource.group && k.plural === resource.resource && k.version !== resource.version)
    .map((k) => ({ resource: { group: k.group, version: k.version, resource: k.plural }, kind: { group: k.group, version: k.version, kind: k.kind } }));

/**
 * Whether some webhook's rules match the write. Asked before the store has the object: a patch may
 * still turn out to create (server-side apply), so an UPDATE is also tried as a CREATE.
 */
export function someHookMatches(source: WebhookSource, attributes: AdmissionAttributes, equivalents: Equivalents): boolean {
  if (isExempt(attributes)) return false;
  const hooks = source.hooks();
  if (hooks.length === 0) return false;
  const asCreate = attributes.operation === 'UPDATE' ? { ...attributes, operation: 'CREATE' as const } : undefined;
  return hooks.some((h) => rulesInvocation(h, attributes, equivalents) || (asCreate && rulesInvocation(h, asCreate, equivalents)));
}

/**
 * failurePolicy on a call that failed: Ignore lets the write on, recording the webhook under
 * `failedOpenKey` (undefined); Fail refuses it with kube's 500.
 */
export function failedCall(hook: Hook, message: string, logger: Log, auditAnnotations: Record<string, string>, failedOpenKey: string): Status | undefined {
  if (hook.failurePolicy === 'Ignore') {
    logger.warn(`Failed calling webhook, failing open ${hook.name}: ${message}`);
    auditAnnotations[failedOpenKey] = hook.name;
    return undefined;
  }
  logger.warn(`Failed calling webhook, failing closed ${hook.name}: ${message}`);
  return internalError(message);
}

/** The plugin around a source and its phase (mutate or validate). */
export function webhookPlugin(name: string, source: WebhookSource, phase: Pick<AdmissionPlugin, 'mutate'> | Pick<AdmissionPlugin, 'validate'>): AdmissionPlugin {
  return {
    name,
    watches: source.watches,
    observe: (resource, change) => source.observe(resource, change),
    wantsObject: (attributes) => someHookMatches(source, attributes, builtinEquivalents),
    ...phase,
  };
}

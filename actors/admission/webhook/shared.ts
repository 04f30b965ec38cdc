// What the mutating and the validating webhook plugins share: one webhook
// client (one connection pool) per server clock, the built-in equivalent
// resources for matchPolicy Equivalent, and the cheap test that keeps a
// write off the review hops when no webhook's rules could match it.

import type { AdmissionAttributes } from '../../../protocol/messages/admission.js';
import { internalError, invalid, type Status } from '../../../protocol/kube/status.js';
import type { Log } from '../../../lib/log.js';
import { ALLOW, type AdmissionPlugin, type PluginVerdict, type Reinvocation } from '../plugin.js';
import type { KubeObject } from '../../../protocol/kube/meta.js';
import { loadCel } from './cel.js';
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

const isConfigurationWrite = (source: WebhookSource, a: AdmissionAttributes): boolean =>
  a.resource.group === 'admissionregistration.k8s.io' && a.resource.resource === source.configurations.plural && a.subresource === ''
  && (a.operation === 'CREATE' || a.operation === 'UPDATE');

/**
 * kube's strategy check on a write of the plugin's own configurations: every matchCondition compiles
 * to a bool (422 with the causes). CEL is loaded for it only when the configuration has some.
 */
async function checkConfiguration(source: WebhookSource, attributes: AdmissionAttributes, object: KubeObject | undefined): Promise<PluginVerdict> {
  const hasConditions = Array.isArray(object?.webhooks) && object.webhooks.some((w: unknown) => Array.isArray((w as { matchConditions?: unknown }).matchConditions));
  if (!object || !hasConditions) return ALLOW;
  const causes = (await loadCel()).matchConditionErrors(object);
  return causes.length === 0 ? ALLOW : { allowed: false, status: invalid(attributes.kind.kind, attributes.kind.group, object.metadata.name ?? '', causes) };
}

type Phase = (attributes: AdmissionAttributes, object: KubeObject | undefined, oldObject: KubeObject | undefined, reinvocation?: Reinvocation) => Promise<PluginVerdict>;

/**
 * The plugin around a source and its phase. Before a phase matches, CEL is loaded if some webhook
 * has matchConditions; writes of the plugin's own configurations get their CEL checked in the
 * validating phase.
 */
export function webhookPlugin(name: string, source: WebhookSource, phase: { mutate: Phase } | { validate: Phase }): AdmissionPlugin {
  const ready = async (): Promise<void> => {
    if (source.needsCel()) await loadCel();
  };
  const validate = 'validate' in phase ? phase.validate : undefined;
  const plugin: AdmissionPlugin = {
    name,
    // What a webhook's patch makes of the object is decoded, defaulted and validated whole again by the store.
    external: 'mutate' in phase,
    watches: source.watches,
    observe: (resource, change) => {
      source.observe(resource, change);
      if (source.needsCel()) void loadCel();
    },
    wantsObject: (attributes) => isConfigurationWrite(source, attributes) || someHookMatches(source, attributes, builtinEquivalents),
    validate: async (attributes, object, oldObject) => {
      if (isConfigurationWrite(source, attributes)) return checkConfiguration(source, attributes, object);
      if (!validate) return ALLOW;
      await ready();
      return validate(attributes, object, oldObject);
    },
  };
  if ('mutate' in phase) {
    const mutate = phase.mutate;
    plugin.mutate = async (attributes, object, oldObject, reinvocation) => {
      await ready();
      return mutate(attributes, object, oldObject, reinvocation);
    };
  }
  return plugin;
}

// kube's ValidatingAdmissionWebhook plugin: every ValidatingWebhookConfiguration's
// webhooks that match the write are called at once, in parallel, and the
// write goes on only when all have answered and none refused. The first
// refusal to arrive is the answer (kube returns the first error of its
// channel). failurePolicy decides what a failed call does: Fail refuses with
// kube's 500, Ignore lets it through and records
// failed-open.validating.webhook.admission.k8s.io/round_0_index_<i>.
// Warnings go back as Warning headers; the webhooks' audit annotations are recorded.
// Watches: validatingwebhookconfigurations, namespaces, services, endpoints, endpointslices.

import type { KubeObject } from '../../../protocol/kube/meta.js';
import type { AdmissionAttributes } from '../../../protocol/messages/admission.js';
import type { Status } from '../../../protocol/kube/status.js';
import { ALLOW, type AdmissionPlugin, type PluginContext, type PluginRegistration, type PluginVerdict } from '../plugin.js';
import { callHook } from './call.js';
import { isExempt, shouldCall, type Invocation } from './matching.js';
import { builtinEquivalents, failedCall, webhookClientFor, webhookPlugin } from './shared.js';
import { WebhookSource } from './source.js';

export const FAILED_OPEN_VALIDATING_PREFIX = 'failed-open.validating.webhook.admission.k8s.io/';

function createValidatingWebhook(context: PluginContext): AdmissionPlugin {
  const source = new WebhookSource(false);
  const client = webhookClientFor(context.clock);
  const deps = { client, endpoints: source, now: () => context.clock.now(), metrics: context.metrics };

  async function validate(attributes: AdmissionAttributes, object: KubeObject | undefined, oldObject: KubeObject | undefined): Promise<PluginVerdict> {
    if (isExempt(attributes)) return ALLOW;
    const invocations: Invocation[] = [];
    for (const hook of source.hooks()) {
      const invocation = shouldCall(hook, attributes, object, oldObject, (n) => source.namespace(n), builtinEquivalents);
      if (!invocation) continue;
      if (!('hook' in invocation)) return { allowed: false, status: invocation };
      invocations.push(invocation);
    }
    if (invocations.length === 0) return ALLOW;
    const warnings: string[] = [];
    const auditAnnotations: Record<string, string> = {};
    let refusal: Status | undefined;
    await Promise.all(invocations.map(async (invocation, index) => {
      const hook = invocation.hook;
      const outcome = await callHook(deps, invocation, attributes, object, oldObject, false);
      switch (outcome.kind) {
        case 'allowed':
        case 'rejected':
          warnings.push(...outcome.warnings);
          Object.assign(auditAnnotations, outcome.auditAnnotations);
          if (outcome.kind === 'rejected') refusal ??= outcome.status;
          return;
        case 'error':
          refusal ??= outcome.status;
          return;
        case 'callFailed':
          refusal ??= failedCall(hook, outcome.message, context.logger, auditAnnotations, `${FAILED_OPEN_VALIDATING_PREFIX}round_0_index_${index}`);
      }
    }));
    if (refusal) return { allowed: false, status: refusal, warnings, auditAnnotations };
    return { allowed: true, warnings, auditAnnotations };
  }

  return webhookPlugin('ValidatingAdmissionWebhook', source, { validate });
}

export const VALIDATING_ADMISSION_WEBHOOK: PluginRegistration = { name: 'ValidatingAdmissionWebhook', defaultOn: true, create: createValidatingWebhook };

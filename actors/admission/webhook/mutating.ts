// kube's MutatingAdmissionWebhook plugin: every MutatingWebhookConfiguration's
// webhooks, one after another in kube's order, each seeing the object as the
// webhooks before it left it. A webhook's JSONPatch is applied to the object;
// when it changes it, the webhooks already called with
// reinvocationPolicy IfNeeded are called once more, after the first round.
// failurePolicy decides what a failed call does: Fail ends the request with
// kube's 500, Ignore goes on and records a failed-open audit annotation.
// Warnings go back as Warning headers; kube's audit annotations
// (mutation.webhook.admission.k8s.io/round_<r>_index_<i>, the webhook's own
// `<webhook>/<key>`) are recorded.
// Watches: mutatingwebhookconfigurations, namespaces, services, endpoints, endpointslices.

import fastJsonPatch from 'fast-json-patch';
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../../protocol/kube/meta.js';
import type { AdmissionAttributes } from '../../../protocol/messages/admission.js';
import { internalError } from '../../../protocol/kube/status.js';
import { operationError } from '../../store/patch.js';
import { ALLOW, type AdmissionPlugin, type PluginContext, type PluginRegistration, type PluginVerdict } from '../plugin.js';
import { callHook } from './call.js';
import { isExempt, shouldCall } from './matching.js';
import { builtinEquivalents, failedCall, webhookClientFor, webhookPlugin } from './shared.js';
import { WebhookSource } from './source.js';

export const MUTATION_ANNOTATION_PREFIX = 'mutation.webhook.admission.k8s.io/';
export const FAILED_OPEN_MUTATION_PREFIX = `failed-open.${MUTATION_ANNOTATION_PREFIX}`;

/** The object's contents replaced by `patched`, in place (the chain hands the same object on). */
function replaceContents(object: KubeObject, patched: KubeObject): void {
  for (const key of Object.keys(object)) delete object[key];
  Object.assign(object, patched);
}

function createMutatingWebhook(context: PluginContext): AdmissionPlugin {
  const source = new WebhookSource(true);
  const client = webhookClientFor(context.clock);
  const deps = { client, endpoints: source, now: () => context.clock.now(), metrics: context.metrics };

  async function mutate(attributes: AdmissionAttributes, object: KubeObject | undefined, oldObject: KubeObject | undefined): Promise<PluginVerdict> {
    if (isExempt(attributes)) return ALLOW;
    const hooks = source.hooks();
    const warnings: string[] = [];
    const auditAnnotations: Record<string, string> = {};
    const invokedReinvocable = new Set<string>();
    const reinvoke = new Set<string>();
    for (const round of [0, 1]) {
      if (round === 1 && reinvoke.size === 0) break;
      for (const [index, hook] of hooks.entries()) {
        const invocation = shouldCall(hook, attributes, object, oldObject, (n) => source.namespace(n), builtinEquivalents);
        if (!invocation) continue;
        if (!('hook' in invocation)) return { allowed: false, status: invocation, warnings };
        // A webhook not called in the first round is not called in the second.
        if (round === 1 && !reinvoke.has(hook.uid)) continue;
        const key = `round_${round}_index_${index}`;
        const outcome = await callHook(deps, invocation, attributes, object, oldObject, true);
        let changed = false;
        if (outcome.kind === 'allowed' || outcome.kind === 'rejected') {
          warnings.push(...outcome.warnings);
          Object.assign(auditAnnotations, outcome.auditAnnotations);
        }
        if (outcome.kind === 'allowed' && outcome.patch) {
          if (!object) return { allowed: false, status: internalError(`admission webhook "${hook.name}" attempted to modify the object, which is not supported for this operation`), warnings };
          let patched: KubeObject;
          try {
            patched = fastJsonPatch.applyPatch(structuredClone(object), outcome.patch as fastJsonPatch.Operation[], true, true).newDocument;
          } catch (e) {
            return { allowed: false, status: internalError(operationError(e)), warnings };
          }
          changed = !isDeepStrictEqual(patched, object);
          if (changed) {
            replaceContents(object, patched);
            for (const uid of invokedReinvocable) reinvoke.add(uid);
          }
        }
        auditAnnotations[`${MUTATION_ANNOTATION_PREFIX}${key}`] = JSON.stringify({ configuration: hook.configuration, webhook: hook.name, mutated: changed });
        if (hook.reinvocationPolicy === 'IfNeeded') invokedReinvocable.add(hook.uid);
        if (round === 1) reinvoke.delete(hook.uid);
        switch (outcome.kind) {
          case 'allowed':
            continue;
          case 'rejected':
          case 'error':
            return { allowed: false, status: outcome.status, warnings };
          case 'callFailed': {
            const refusal = failedCall(hook, outcome.message, context.logger, auditAnnotations, `${FAILED_OPEN_MUTATION_PREFIX}${key}`);
            if (refusal) return { allowed: false, status: refusal, warnings };
          }
        }
      }
    }
    return { allowed: true, warnings, auditAnnotations };
  }

  return webhookPlugin('MutatingAdmissionWebhook', source, { mutate });
}

export const MUTATING_ADMISSION_WEBHOOK: PluginRegistration = { name: 'MutatingAdmissionWebhook', defaultOn: true, create: createMutatingWebhook };

// kube's MutatingAdmissionWebhook plugin: every MutatingWebhookConfiguration's
// webhooks, one after another in kube's order, each seeing the object as the
// webhooks before it left it. A webhook's JSONPatch is applied to the object;
// when it changes it, the plugin asks the admission actor for kube's
// reinvocation: every mutating plugin runs once more (the built-in ones see a
// sidecar a webhook added), and in that round the webhooks with
// reinvocationPolicy IfNeeded are called again if the object changed after
// they were called (by a later webhook, or by a built-in plugin in the second round).
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
import { ALLOW, type AdmissionPlugin, type PluginContext, type PluginRegistration, type PluginVerdict, type Reinvocation } from '../plugin.js';
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

/** kube's webhookReinvokeContext: what the plugin remembers between the two rounds. */
interface ReinvokeState {
  /** The object as the plugin left it at the end of its last round. */
  lastOutput?: KubeObject;
  /** IfNeeded webhooks called since the object last changed. */
  previouslyInvoked: Set<string>;
  /** IfNeeded webhooks to call again in the second round. */
  reinvoke: Set<string>;
}

const PLUGIN_NAME = 'MutatingAdmissionWebhook';

function reinvokeStateOf(reinvocation: Reinvocation | undefined): ReinvokeState {
  const fresh: ReinvokeState = { previouslyInvoked: new Set(), reinvoke: new Set() };
  if (!reinvocation) return fresh;
  const known = reinvocation.values.get(PLUGIN_NAME) as ReinvokeState | undefined;
  if (known) return known;
  reinvocation.values.set(PLUGIN_NAME, fresh);
  return fresh;
}

/** kube's RequireReinvokingPreviouslyInvokedPlugins: the object changed after them. */
function requireReinvoking(state: ReinvokeState): void {
  for (const uid of state.previouslyInvoked) state.reinvoke.add(uid);
  state.previouslyInvoked.clear();
}

function createMutatingWebhook(context: PluginContext): AdmissionPlugin {
  const source = new WebhookSource(true);
  const client = webhookClientFor(context.clock);
  const deps = { client, endpoints: source, now: () => context.clock.now(), metrics: context.metrics };

  async function mutate(attributes: AdmissionAttributes, object: KubeObject | undefined, oldObject: KubeObject | undefined, reinvocation?: Reinvocation): Promise<PluginVerdict> {
    if (isExempt(attributes)) return ALLOW;
    const hooks = source.hooks();
    const warnings: string[] = [];
    const auditAnnotations: Record<string, string> = {};
    const state = reinvokeStateOf(reinvocation);
    const round = reinvocation?.isReinvoke ? 1 : 0;
    // Built-in plugins changed the object in the second round: every IfNeeded webhook called is called again.
    if (round === 1 && !isDeepStrictEqual(state.lastOutput, object)) requireReinvoking(state);
    try {
      for (const [index, hook] of hooks.entries()) {
        const invocation = shouldCall(hook, attributes, object, oldObject, (n) => source.namespace(n), builtinEquivalents);
        if (!invocation) continue;
        if (!('hook' in invocation)) return { allowed: false, status: invocation, warnings };
        // In the second round, only the IfNeeded webhooks the object changed after.
        if (round === 1 && !state.reinvoke.has(hook.uid)) continue;
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
            requireReinvoking(state);
            reinvocation?.requestReinvoke();
          }
        }
        auditAnnotations[`${MUTATION_ANNOTATION_PREFIX}${key}`] = JSON.stringify({ configuration: hook.configuration, webhook: hook.name, mutated: changed });
        if (hook.reinvocationPolicy === 'IfNeeded') state.previouslyInvoked.add(hook.uid);
        if (round === 1) state.reinvoke.delete(hook.uid);
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
    } finally {
      state.lastOutput = object && structuredClone(object);
    }
    return { allowed: true, warnings, auditAnnotations };
  }

  return webhookPlugin(PLUGIN_NAME, source, { mutate });
}

export const MUTATING_ADMISSION_WEBHOOK: PluginRegistration = { name: 'MutatingAdmissionWebhook', defaultOn: true, create: createMutatingWebhook };

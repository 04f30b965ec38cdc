// The eviction actor: kube's pods/eviction (policy/v1 Eviction), a delete
// that honours PodDisruptionBudgets.
//
// Owns: nothing; it asks the stores that own pods and PodDisruptionBudgets.
// Receives: `request` for POST pods/<name>/eviction (routed by the server chain); `actor.stop`.
// Sends: loopback get/list/update/delete to the pods and poddisruptionbudgets
//   stores; one reply to each request's replyTo.
// States: Serving → Stopped. Each eviction runs as its own chain of asks, and
//   every ask is answered by its store in every state, so none hangs.
//
// kube's order: the pod must exist; a pod that is not running (Pending,
// Succeeded, Failed) goes at once; otherwise the one budget matching its
// labels decides. A budget its controller has not processed yet, or one that
// allows no disruption, gets 429 TooManyRequests (Retry-After when kube gives
// one); one that allows it is decremented in its status, then the pod is deleted.

import { setup } from 'xstate';
import type { HandleRequest, RequestHandler } from '../../protocol/messages/request.js';
import type { ActorCounters, ActorStop } from '../../protocol/messages/lifecycle.js';
import type { KubeObject } from '../../protocol/kube/meta.js';
import { statusResponse, type HttpResponse } from '../../protocol/messages/http.js';
import { badRequest, failure, internalError, notFound, success, type Status } from '../../protocol/kube/status.js';
import { decodeBody, isPlainObject } from '../../lib/decode-body.js';
import { loopback } from '../../lib/loopback.js';
import type { Log } from '../../lib/log.js';
import { serveSafely } from '../../lib/serve-safely.js';
import { labelSelectorMatches } from './label-selector-object.js';

export interface EvictionInput {
  pods: RequestHandler;
  budgets: RequestHandler | undefined;
  logger: Log;
}

interface EvictionContext extends EvictionInput {
  counters: ActorCounters;
}

interface Budget extends KubeObject {
  spec?: { selector?: unknown };
  status?: { observedGeneration?: number; disruptionsAllowed?: number; desiredHealthy?: number; currentHealthy?: number; disruptedPods?: Record<string, string> };
}

const parse = (reply: HttpResponse): KubeObject & { items?: KubeObject[] } =>
  JSON.parse(typeof reply.body === 'string' ? reply.body : Buffer.from(reply.body).toString('utf8')) as KubeObject & { items?: KubeObject[] };

const PDB_VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget.";

function blocked(retryAfterSeconds: number, message: string): Status {
  const status = failure('TooManyRequests', PDB_VIOLATION, { causes: [{ reason: 'DisruptionBudget', message }] });
  if (retryAfterSeconds > 0) status.details = { ...status.details, retryAfterSeconds };
  return status;
}

async function evict(context: EvictionContext, request: HandleRequest['request']): Promise<Status> {
  const info = request.info;
  if (!info.isResourceRequest) return badRequest('not an eviction');
  const decoded = decodeBody(request);
  if (!decoded.ok) return decoded.status;
  const eviction = decoded.value;
  if (!isPlainObject(eviction)) return badRequest('the object provided is not an Eviction');
  const evictionName = (isPlainObject(eviction.metadata) ? (eviction.metadata as { name?: string }).name : undefined) ?? '';
  if (evictionName !== info.name) return badRequest('name in URL does not match name in Eviction object');
  const where = { apiGroup: '', namespace: info.namespace, resource: 'pods', name: info.name };
  const got = await loopback(context.pods, 'get', where);
  if (got.status !== 200) return notFound({ group: '', resource: 'pods' }, info.name);
  const pod = parse(got);
  const deleteOptions = isPlainObject(eviction.deleteOptions) ? eviction.deleteOptions : undefined;
  const remove = async (): Promise<Status> => {
    const deleted = await loopback(context.pods, 'delete', where, deleteOptions as KubeObject | undefined);
    if (deleted.status !== 200 && deleted.status !== 202) return parse(deleted) as unknown as Status;
    return { ...success(), code: 201 };
  };
  const phase = (pod.status as { phase?: string } | undefined)?.phase ?? 'Pending';
  if (phase !== 'Running' && phase !== 'Unknown') return remove();
  if (!context.budgets) return remove();
  const listed = await loopback(context.budgets, 'list', { apiGroup: 'policy', apiVersion: 'v1', namespace: info.namespace, resource: 'poddisruptionbudgets' });
  const budgets = (parse(listed).items ?? []).filter((b) => labelSelectorMatches((b as Budget).spec?.selector, pod.metadata.labels)) as Budget[];
  if (budgets.length === 0) return remove();
  if (budgets.length > 1) return internalError('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  const budget = budgets[0]!;
  const name = budget.metadata.name ?? '';
  const status = budget.status ?? {};
  if ((status.observedGeneration ?? 0) < (budget.metadata.generation ?? 1)) return blocked(10, `The disruption budget ${name} is still being processed by the server.`);
  if ((status.disruptionsAllowed ?? 0) <= 0) {
    return blocked(0, `The disruption budget ${name} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently`);
  }
  const updated: Budget = {
    ...budget,
    status: { ...status, disruptionsAllowed: (status.disruptionsAllowed ?? 0) - 1, disruptedPods: { ...status.disruptedPods, [info.name]: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') } },
  };
  const written = await loopback(context.budgets, 'update', { apiGroup: 'policy', apiVersion: 'v1', namespace: info.namespace, resource: 'poddisruptionbudgets', name, subresource: 'status' }, updated);
  if (written.status === 409) return blocked(0, `The disruption budget ${name} was changed meanwhile`);
  if (written.status !== 200) return parse(written) as unknown as Status;
  return remove();
}

export const evictionMachine = setup({
  types: {
    context: {} as EvictionContext,
    events: {} as HandleRequest | ActorStop,
    input: {} as EvictionInput,
  },
  actions: {
    evict: ({ context, event }) => {
      const { request } = event as HandleRequest;
      serveSafely(request, context.counters, context.logger, () => {
        void evict(context, request).then(
          (status) => request.replyTo.send(statusResponse(request.id, status)),
          (error: unknown) => request.replyTo.send(statusResponse(request.id, internalError(error instanceof Error ? error.message : String(error)))),
        );
      });
    },
  },
}).createMachine({
  id: 'eviction',
  context: ({ input }) => ({ ...input, counters: { handled: 0, errors: 0 } }),
  initial: 'Serving',
  states: {
    Serving: {
      on: {
        request: { actions: 'evict' },
        'actor.stop': 'Stopped',
      },
    },
    Stopped: { type: 'final' },
  },
});

// ttl-after-finished-controller (kube-controller-manager's
// `ttl-after-finished`): a Job with spec.ttlSecondsAfterFinished is deleted,
// with its Pods (foreground propagation), that many seconds after it finished
// (the lastTransitionTime of its Complete or Failed condition).
//
// Watches: jobs that set ttlSecondsAfterFinished. Key: `<namespace>/<name>`.
// Reconcile: a Job not finished, or being deleted, is left alone; one whose
//   TTL has not run out comes back when it will have (kube's AddAfter); one
//   whose TTL has run out is read afresh (the TTL may have changed) and
//   deleted with a uid precondition.
// Acts as: system:serviceaccount:kube-system:ttl-after-finished-controller.

import type { KubeObject } from '../../../protocol/kube/meta.js';
import { jsonOf, serviceAccountUser } from '../../../lib/loopback.js';
import { reconcilerMachine, terminateReconciler, type ReconcilerLogic } from '../reconciler.js';
import type { ControllerDescriptor } from '../controller.js';
import { expectStatus } from '../http-errors.js';

interface JobCondition {
  type?: string;
  status?: string;
  lastTransitionTime?: string;
}

const ttlOf = (job: KubeObject): number | undefined => {
  const ttl = (job.spec as { ttlSecondsAfterFinished?: unknown } | undefined)?.ttlSecondsAfterFinished;
  return typeof ttl === 'number' ? ttl : undefined;
};

/** When a finished Job finished (its Complete or Failed condition), or undefined while it runs. */
export function finishedAt(job: KubeObject): number | undefined {
  const conditions = ((job.status as { conditions?: JobCondition[] } | undefined)?.conditions) ?? [];
  const finished = conditions.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
  if (!finished) return undefined;
  const at = Date.parse(finished.lastTransitionTime ?? '');
  if (Number.isNaN(at)) throw new Error(`unable to find the time when the Job ${job.metadata.namespace}/${job.metadata.name} finished`);
  return at;
}

/** Milliseconds until the Job may be deleted (0 or less: now), or undefined when it needs no clean-up. */
export function timeLeft(job: KubeObject, now: number): number | undefined {
  const ttl = ttlOf(job);
  if (ttl === undefined || job.metadata.deletionTimestamp) return undefined;
  const finished = finishedAt(job);
  return finished === undefined ? undefined : finished + ttl * 1000 - now;
}

const logic: ReconcilerLogic = {
  id: 'ttl-after-finished-controller',
  watches: [{ plural: 'jobs', group: 'batch', keep: (job) => ttlOf(job) !== undefined }],
  workers: 5,
  keysOf: (_resource, job, deleted) => (deleted ? [] : [`${job.metadata.namespace ?? ''}/${job.metadata.name ?? ''}`]),
  async reconcile(key, view, input) {
    const [namespace = '', name = ''] = key.split('/');
    const cached = view.get('jobs.batch', namespace, name);
    const left = cached && timeLeft(cached, input.clock.now());
    if (left === undefined) return;
    if (left > 0) return left;
    const where = { apiGroup: 'batch', namespace, resource: 'jobs', name };
    const fresh = await input.client.request('get', where);
    if (fresh.status === 404) return;
    const job = jsonOf(expectStatus(`reading job ${key}`, fresh, 200));
    const freshLeft = timeLeft(job, input.clock.now());
    if (freshLeft === undefined) return;
    if (freshLeft > 0) return freshLeft;
    const body = { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Foreground', preconditions: { uid: job.metadata.uid } };
    expectStatus(`deleting job ${key}`, await input.client.request('delete', where, { body }), 200, 202, 404, 409);
  },
};

export const ttlAfterFinishedController: ControllerDescriptor = {
  name: 'ttl-after-finished-controller',
  aliases: ['ttl-after-finished'],
  user: serviceAccountUser('ttl-after-finished-controller'),
  machine: reconcilerMachine(logic),
  terminate: terminateReconciler as (context: never) => void,
};

// The pod terminator: what a kubelet does for a pod bound to its node once the
// pod is deleted gracefully. There is no kubelet here, so when the grace
// period ends (the pod's deletionTimestamp) this actor deletes the pod for
// good, as the kubelet would once its containers had stopped.
//
// Owns: a timer per pod in graceful deletion.
// Receives: `store.snapshot` / `store.changed` from the pods store;
//   `pod.graceEnded` (its own timer) for a pod whose grace period is over.
// Sends: DELETE with gracePeriodSeconds 0 and the pod's uid as precondition
//   (a loopback request) to the pods store. With several servers on one etcd
//   each sends it; the first deletes the pod, the others hear 404 or 409.
//
// States: Watching → Stopped.

import { setup } from 'xstate';
import type { KubeObject } from '../../protocol/kube/meta.js';
import type { StoreChanged, StoreSnapshot, Subscriber } from '../../protocol/messages/store.js';
import type { ActorCounters, ActorStop } from '../../protocol/messages/lifecycle.js';
import type { RequestHandler } from '../../protocol/messages/request.js';
import type { Clock } from '../../lib/clock.js';
import type { Log } from '../../lib/log.js';
import { loopback } from '../../lib/loopback.js';

export interface PodTerminatorInput {
  pods: RequestHandler & { send(message: { type: 'store.subscribe'; subscriber: Subscriber }): void };
  clock: Clock;
  logger: Log;
}

interface GraceEnded {
  type: 'pod.graceEnded';
  pod: KubeObject;
}

interface TerminatorContext extends PodTerminatorInput {
  counters: ActorCounters;
  /** By `<namespace>/<name>`: the timer of each pod waiting out its grace period. */
  timers: Map<string, unknown>;
}

const keyOf = (pod: KubeObject): string => `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;

/** A pod marked for deletion with a grace period and no finalizers left: it goes when the period ends. */
function graceEndsAt(pod: KubeObject): number | undefined {
  const { deletionTimestamp, deletionGracePeriodSeconds, finalizers } = pod.metadata;
  if (!deletionTimestamp || !deletionGracePeriodSeconds || (finalizers ?? []).length > 0) return undefined;
  const at = Date.parse(deletionTimestamp);
  return Number.isNaN(at) ? undefined : at;
}

function forget(context: TerminatorContext, key: string): void {
  const timer = context.timers.get(key);
  if (timer === undefined) return;
  context.clock.clearTimeout(timer);
  context.timers.delete(key);
}

function follow(context: TerminatorContext, self: { send(message: GraceEnded): void }, pod: KubeObject, deleted: boolean): void {
  const key = keyOf(pod);
  forget(context, key);
  const at = deleted ? undefined : graceEndsAt(pod);
  if (at === undefined) return;
  const timer = context.clock.setTimeout(() => {
    context.timers.delete(key);
    self.send({ type: 'pod.graceEnded', pod });
  }, Math.max(0, at - context.clock.now()));
  context.timers.set(key, timer);
}

async function terminate(context: TerminatorContext, pod: KubeObject): Promise<void> {
  const options = { kind: 'DeleteOptions', apiVersion: 'v1', metadata: {}, gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } } as unknown as KubeObject;
  const where = { apiGroup: '', namespace: pod.metadata.namespace ?? '', resource: 'pods', name: pod.metadata.name ?? '' };
  const reply = await loopback(context.pods, 'delete', where, options);
  // 404: already gone; 409: another server's terminator, or a new pod of the same name.
  if (reply.status >= 300 && reply.status !== 404 && reply.status !== 409) context.logger.warn(`terminating pod ${keyOf(pod)}: ${String(reply.body)}`);
}

export const podTerminatorMachine = setup({
  types: {
    context: {} as TerminatorContext,
    events: {} as StoreSnapshot | StoreChanged | GraceEnded | ActorStop,
    input: {} as PodTerminatorInput,
  },
  actions: {
    subscribe: ({ context, self }) => context.pods.send({ type: 'store.subscribe', subscriber: self }),
    followAll: ({ context, self, event }) => {
      for (const pod of (event as StoreSnapshot).objects) follow(context, self, pod, false);
    },
    followChanges: ({ context, self, event }) => {
      for (const change of (event as StoreChanged).changes) follow(context, self, change.object, change.type === 'DELETED');
    },
    terminate: ({ context, event }) => {
      const { pod } = event as GraceEnded;
      context.counters.handled++;
      terminate(context, pod).catch((e: unknown) => {
        context.counters.errors++;
        context.logger.error(`terminating pod ${keyOf(pod)} failed`, e);
      });
    },
    clearTimers: ({ context }) => terminatePodTerminator(context),
  },
}).createMachine({
  id: 'pod-terminator',
  context: ({ input }) => ({ ...input, counters: { handled: 0, errors: 0 }, timers: new Map() }),
  entry: 'subscribe',
  initial: 'Watching',
  states: {
    Watching: {
      on: {
        'store.snapshot': { actions: 'followAll' },
        'store.changed': { actions: 'followChanges' },
        'pod.graceEnded': { actions: 'terminate' },
        'actor.stop': { target: 'Stopped', actions: 'clearTimers' },
      },
    },
    Stopped: { type: 'final' },
  },
});

/** On a crash or stop: cancel the timers this incarnation set. */
export function terminatePodTerminator(context: { clock: Clock; timers: Map<string, unknown> }): void {
  for (const timer of context.timers.values()) context.clock.clearTimeout(timer);
  context.timers.clear();
}

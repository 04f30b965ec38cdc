// Supervision, as OTP and Akka do it: every long-lived child has a declared
// restart policy, and a crash reaches the supervisor as a message
// (xstate's `xstate.error.actor.<id>`), never as a dead process.
//
// A ChildSlot is the address other actors hold for a child. Like an Akka
// ActorRef it outlives the incarnation behind it: messages sent while the
// child is down wait in the slot and are delivered to the next incarnation,
// and `store.subscribe` messages are replayed to it, so subscribers get a
// fresh `store.snapshot` (an informer's re-list) instead of going stale.

import type { AnyActorRef, AnyStateMachine } from 'xstate';
import type { Clock } from '../../lib/clock.js';
import type { Log } from '../../lib/log.js';
import { directActions } from './direct-actions.js';

export interface RestartPolicy {
  /** permanent: restarted after a crash. escalate: a crash ends the whole server, cleanly. */
  restart: 'permanent' | 'escalate';
  /** OTP's intensity and period: more than maxRestarts crashes within periodMs escalates. */
  maxRestarts: number;
  periodMs: number;
  /** The wait before a restart doubles with each recent crash, up to maxMs. */
  backoff: { initialMs: number; maxMs: number };
  /** How long HTTPServerStoppedListening waits for this child before stopping it outright. */
  shutdownTimeoutMs: number;
}

/** one-for-one: a crash restarts only the child that crashed. */
export const PERMANENT: RestartPolicy = {
  restart: 'permanent', maxRestarts: 3, periodMs: 60_000, backoff: { initialMs: 100, maxMs: 5_000 }, shutdownTimeoutMs: 10_000,
};

/** The listener owns the socket and every open response: nothing sensible survives its crash. */
export const ESCALATE: RestartPolicy = { ...PERMANENT, restart: 'escalate', maxRestarts: 0 };

export type CrashDecision = { action: 'restart'; delayMs: number } | { action: 'escalate'; reason: string };

/** What to do about a crash, given the times of this child's crashes so far (including this one). */
export function decide(id: string, policy: RestartPolicy, crashTimes: readonly number[], now: number): CrashDecision {
  if (policy.restart === 'escalate') return { action: 'escalate', reason: `${id} crashed; it is not restarted` };
  const recent = crashTimes.filter((t) => now - t < policy.periodMs).length;
  if (recent > policy.maxRestarts) {
    return { action: 'escalate', reason: `${id} crashed ${recent} times within ${policy.periodMs / 1000}s (restart limit ${policy.maxRestarts})` };
  }
  return { action: 'restart', delayMs: Math.min(policy.backoff.maxMs, policy.backoff.initialMs * 2 ** (recent - 1)) };
}

/**
 * Akka's Kill message: the child throws, so the crash takes the real path
 * (snapshot status `error`, the parent told by message). Tests and operators
 * use it to exercise supervision; no actor sends it on its own.
 */
export const KILL = { type: 'actor.kill' } as const;

/**
 * OTP's terminate/2: what a crashing actor releases before it goes (a socket,
 * timers). xstate runs no exit actions for an actor that errors, so the
 * supervised wrapper calls it with the context the actor had when it crashed.
 */
export type Terminate = (context: never) => void;

/**
 * `machine`, crashing on `actor.kill`, and running `terminate` on any crash. A message that only
 * runs plain actions in the current state runs them directly (direct-actions.ts).
 */
export function supervised<T extends AnyStateMachine>(machine: T, terminate?: Terminate): T {
  const logic = Object.create(machine) as T;
  logic.transition = ((snapshot, event, scope) => {
    try {
      const type = (event as { type: string }).type;
      if (type === KILL.type) throw new Error('killed (actor.kill)');
      const direct = directActions(machine, snapshot, type);
      if (!direct) return machine.transition(snapshot, event, scope);
      const args = { context: (snapshot as unknown as { context: unknown }).context, event, self: scope.self, system: scope.system };
      for (const { fn, params } of direct) fn(args, params);
      return snapshot;
    } catch (error) {
      try {
        terminate?.((snapshot as unknown as { context: never }).context);
      } catch {
        // The crash being reported matters more than a failed cleanup.
      }
      throw error;
    }
  }) as T['transition'];
  return logic;
}

interface Message {
  type: string;
}

export class ChildSlot {
  ref: AnyActorRef | undefined;
  restarts = 0;
  readonly crashTimes: number[] = [];
  private readonly waiting: Message[] = [];
  private readonly subscriptions: Message[] = [];

  constructor(
    readonly id: string,
    readonly machine: AnyStateMachine,
    readonly input: unknown,
    readonly policy: RestartPolicy,
    /** What asks this child to finish: most take `actor.stop`; the listener, `listener.close`. */
    readonly stopMessage: Message = { type: 'actor.stop' },
    readonly terminate?: Terminate,
  ) {}

  send<M extends Message>(message: M): void {
    if (message.type === 'store.subscribe') this.subscriptions.push(message);
    if (message.type === 'store.unsubscribe') {
      // The subscriber is gone: a later incarnation must not hear from it again.
      const gone = (message as unknown as { subscriber: unknown }).subscriber;
      const at = this.subscriptions.findIndex((m) => (m as unknown as { subscriber: unknown }).subscriber === gone);
      if (at >= 0) this.subscriptions.splice(at, 1);
      if (!this.ref) return;
    }
    if (this.ref) this.ref.send(message);
    else if (message.type !== 'store.subscribe') this.waiting.push(message);
  }

  /** The incarnation behind this slot crashed: hold messages until the next one. */
  down(): AnyActorRef | undefined {
    const dead = this.ref;
    this.ref = undefined;
    return dead;
  }

  /** A new incarnation: it hears the subscriptions first, then whatever waited. */
  up(ref: AnyActorRef, restarted: boolean): void {
    this.ref = ref;
    if (restarted) this.restarts++;
    for (const message of this.subscriptions) ref.send(message);
    for (const message of this.waiting.splice(0)) ref.send(message);
  }

  /** Asks the child to stop and waits for its final state, or stops it outright after its timeout. */
  stop(clock: Clock, logger: Log): Promise<void> {
    const ref = this.ref;
    if (!ref || ref.getSnapshot().status !== 'active') return Promise.resolve();
    return new Promise((resolve) => {
      let timer: unknown;
      const finished = (): void => {
        clock.clearTimeout(timer);
        subscription.unsubscribe();
        resolve();
      };
      const subscription = ref.subscribe({ complete: finished, error: finished });
      timer = clock.setTimeout(() => {
        logger.warn(`${this.id} did not stop within ${this.policy.shutdownTimeoutMs} ms; stopping it`);
        ref.stop();
        finished();
      }, this.policy.shutdownTimeoutMs);
      ref.send(this.stopMessage);
    });
  }
}

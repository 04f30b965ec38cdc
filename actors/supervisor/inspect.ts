// /debug/actors: the actor tree, read from each actor's snapshot on demand,
// and a short journal of each actor's transitions.
//
// Transitions are sensed by one snapshot observer per child, the cheapest hook
// xstate offers (a function call per message, a message to the supervisor only
// when the state value or status changes). xstate's system-wide inspection
// stays unregistered, so it allocates nothing. The supervisor keeps the journal
// in its own context and streams it to `?watch=true` clients, encoded once per
// transition for all of them.

import type { AnyActorRef } from 'xstate';
import type { ActorCounters, ActorRecord, ActorTransition, ActorTransitioned, ActorWatchEvent } from '../../protocol/messages/lifecycle.js';
import type { ApiRequest } from '../../protocol/messages/request.js';
import type { Clock } from '../../lib/clock.js';

/** How many transitions each actor keeps. */
export const JOURNAL_DEPTH = 20;

interface InspectableContext {
  counters?: ActorCounters;
}

export function recordOf(id: string, parent: string | null, actor: AnyActorRef, transitions: ActorTransition[], children: string[] = [], restarts = 0): ActorRecord {
  const snapshot = actor.getSnapshot() as { value?: unknown; status: string; tags?: Set<string>; context?: InspectableContext };
  return {
    id,
    parent,
    children,
    state: snapshot.value ?? null,
    status: snapshot.status,
    tags: snapshot.tags ? [...snapshot.tags] : [],
    counters: snapshot.context?.counters ?? { handled: 0, errors: 0 },
    restarts,
    transitions,
  };
}

const sameValue = (a: unknown, b: unknown): boolean =>
  a === b || (typeof a === 'object' && typeof b === 'object' && JSON.stringify(a) === JSON.stringify(b));

const timestamp = (clock: Clock): string => new Date(clock.now()).toISOString();

/**
 * Observes one incarnation of a child and reports each change of its state value
 * or status to `report` (the supervisor). The first report has `from: null`.
 */
export function senseTransitions(id: string, ref: AnyActorRef, clock: Clock, report: (message: ActorTransitioned) => void): void {
  let last: { value: unknown; status: string } | undefined;
  const observe = (snapshot: { value?: unknown; status: string }, cause: string): void => {
    const value = snapshot.value ?? null;
    if (last && last.status === snapshot.status && sameValue(last.value, value)) return;
    report({ type: 'inspect.transition', transition: { actor: id, from: last?.value ?? null, to: value, status: snapshot.status, cause, at: timestamp(clock) } });
    last = { value, status: snapshot.status };
  };
  observe(ref.getSnapshot() as { value?: unknown; status: string }, 'started');
  ref.subscribe({
    next: (snapshot) => observe(snapshot as { value?: unknown; status: string }, 'message'),
    // The crash itself reaches the supervisor as xstate.error.actor.<id>; here it is only journaled.
    error: (error) => observe({ value: last?.value, status: 'error' }, `crash: ${error instanceof Error ? error.message : String(error)}`),
  });
}

interface Watcher {
  id: number;
  replyTo: ApiRequest['replyTo'];
}

const encoder = new TextEncoder();
const line = (event: ActorWatchEvent): Uint8Array => encoder.encode(`${JSON.stringify(event)}\n`);

const WATCH_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-cache, private' };

/** The supervisor's record of recent transitions, and the clients watching them. */
export class TransitionJournal {
  private readonly byActor = new Map<string, ActorTransition[]>();
  private readonly watchers = new Map<number, Watcher>();

  record(transition: ActorTransition): void {
    const list = this.byActor.get(transition.actor) ?? [];
    list.push(transition);
    if (list.length > JOURNAL_DEPTH) list.shift();
    this.byActor.set(transition.actor, list);
    if (this.watchers.size === 0) return;
    const chunk = line({ type: 'TRANSITION', object: transition });
    const byReplyTo = new Map<Watcher['replyTo'], number[]>();
    for (const w of this.watchers.values()) byReplyTo.set(w.replyTo, [...(byReplyTo.get(w.replyTo) ?? []), w.id]);
    for (const [replyTo, ids] of byReplyTo) replyTo.send({ type: 'stream.chunk', ids, chunk });
  }

  of(actor: string): ActorTransition[] {
    return [...(this.byActor.get(actor) ?? [])];
  }

  /** Opens a `?watch=true` stream: every actor as ADDED (with its journal), then transitions as they come. */
  watch(request: ApiRequest, owner: AnyActorRef, tree: ActorRecord[]): void {
    request.replyTo.send({ type: 'stream.open', id: request.id, headers: WATCH_HEADERS, owner });
    const initial = tree.map((record) => line({ type: 'ADDED', object: record }));
    if (initial.length > 0) request.replyTo.send({ type: 'stream.chunk', ids: [request.id], chunk: Buffer.concat(initial) });
    this.watchers.set(request.id, { id: request.id, replyTo: request.replyTo });
  }

  forget(id: number): void {
    this.watchers.delete(id);
  }
}

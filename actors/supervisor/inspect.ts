// /debug/actors: the actor tree, read from each actor's snapshot on demand,
// so inspection costs nothing while no one asks.

import type { AnyActorRef } from 'xstate';
import type { ActorCounters, ActorRecord } from '../../protocol/messages/lifecycle.js';

interface InspectableContext {
  counters?: ActorCounters;
}

export function recordOf(id: string, parent: string | null, actor: AnyActorRef, children: string[] = [], restarts = 0): ActorRecord {
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
  };
}

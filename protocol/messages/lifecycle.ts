// Lifecycle messages between the supervisor and its children, and the
// inspection records /debug/actors serves.
//
// actor.stop — sent by the supervisor, in reverse start order, during
//   HTTPServerStoppedListening. The child finishes what it owes (pending
//   commits, open streams) and reaches its final state.
// listener.stop-accepting — sent by the supervisor at NotAcceptingNewRequest.
// stream.owner-down — sent by the supervisor to the listener after a crash.
// listener.drained — sent by the listener to the supervisor when no
//   non-long-running request is in flight after stop-accepting.

export interface ActorCounters {
  handled: number;
  errors: number;
}

export interface ActorStop {
  type: 'actor.stop';
}

export interface ListenerStopAccepting {
  type: 'listener.stop-accepting';
  /** With --shutdown-send-retry-after: keep the socket open and answer 429 instead. */
  sendRetryAfter: boolean;
}

/**
 * Sent by the supervisor to the listener when a child crashed: the streams it
 * owned will never be written again, so the listener ends them and their
 * clients re-watch.
 */
export interface StreamOwnerDown {
  type: 'stream.owner-down';
  owner: unknown;
}

export interface ListenerClose {
  type: 'listener.close';
}

export interface ListenerListening {
  type: 'listener.listening';
  port: number;
}

export interface ListenerFailed {
  type: 'listener.failed';
  error: string;
}

export interface ListenerDrained {
  type: 'listener.drained';
}

export interface ActorRecord {
  id: string;
  parent: string | null;
  children: string[];
  state: unknown;
  status: string;
  tags: string[];
  counters: ActorCounters;
  restarts: number;
  /** The most recent transitions, oldest first. */
  transitions: ActorTransition[];
}

/** One change of an actor's state value or status, as /debug/actors reports it. */
export interface ActorTransition {
  actor: string;
  /** null when the actor (or a new incarnation of it) just started. */
  from: unknown;
  to: unknown;
  status: string;
  /** 'started', 'message', or the crash that ended the incarnation. */
  cause: string;
  /** RFC 3339 with milliseconds, from the server's clock. */
  at: string;
}

/**
 * Sent to the supervisor by the system's inspection hook whenever an actor's
 * state value or status changes; it keeps the last few per actor and streams
 * them to `/debug/actors?watch=true`.
 */
export interface ActorTransitioned {
  type: 'inspect.transition';
  transition: ActorTransition;
}

/**
 * One line of `/debug/actors?watch=true`, shaped like a kube watch event:
 * ADDED for every actor when the watch starts, then TRANSITION as they happen.
 */
export type ActorWatchEvent =
  | { type: 'ADDED'; object: ActorRecord }
  | { type: 'TRANSITION'; object: ActorTransition };

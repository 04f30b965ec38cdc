// The listener actor: owns the TLS socket and every open HTTP response, on
// one of two transports (transport.ts): uWebSockets.js or node:http2.
//
// Receives: replies to requests (`http.response`, `stream.open`,
//   `stream.chunk`, `stream.close`, and for upgraded connections
//   `tunnel.open`, `tunnel.data`, `tunnel.paused`/`resumed`) from whichever actor served them;
//   `listener.stop-accepting`, `listener.close`, `stream.owner-down` from the supervisor.
// Sends: each HTTP request, as a `request` message, to authn (the first
//   filter); `stream.cancelled` to a stream's owner; `tunnel.data` (the
//   client's) and `tunnel.paused`/`resumed` (the client's reading) to a tunnel's peer; `listener.listening`,
//   `listener.failed`, `listener.drained` to the supervisor.
//
// States, named after kube-apiserver's lifecycle signals:
//   Binding → Listening → NotAcceptingNewRequest → Closed
// In NotAcceptingNewRequest the socket is closed (or, with
// --shutdown-send-retry-after, kept open answering 429), requests already
// accepted run to completion, and `listener.drained` is sent once none are left.

import { setup } from 'xstate';
import type { AuthenticateRequest } from '../../protocol/messages/request.js';
import type { HttpReply } from '../../protocol/messages/http.js';
import type {
  ActorCounters, ListenerClose, ListenerDrained, ListenerFailed, ListenerListening, ListenerStopAccepting, StreamOwnerDown,
} from '../../protocol/messages/lifecycle.js';
import type { Clock } from '../../lib/clock.js';
import type { Log } from '../../lib/log.js';
import type { Admission, FrontendOptions, HttpFrontend } from './http-frontend.js';
import { createFrontend, type TransportChoice } from './transport.js';
import type { ServerMetrics } from '../../lib/metrics.js';

export interface ListenerInput {
  options: FrontendOptions;
  /** --transport: auto (uWS where it loads, node when client certificates are wanted), uws or node. */
  transport: TransportChoice;
  clock: Clock;
  logger: Log;
  /** The first filter of the handler chain. */
  next: { send(message: AuthenticateRequest): void };
  supervisor: Supervisor;
  /** Where each finished request is counted for /metrics. */
  metrics?: ServerMetrics;
  /** Where each finished request is logged (-v=3 and up). */
  requestLog?: Log;
}

/** What the listener tells its supervisor. */
type Supervisor = { send(message: ListenerListening | ListenerFailed | ListenerDrained): void };

interface BoundEvent {
  type: 'bound';
  port: number | undefined;
}
interface IdleEvent {
  type: 'idle';
}

export type ListenerEvent = HttpReply | ListenerStopAccepting | ListenerClose | StreamOwnerDown | BoundEvent | IdleEvent;

interface ListenerContext {
  frontend: HttpFrontend<unknown>;
  counters: ActorCounters;
  logger: Log;
  supervisor: Supervisor;
  sendRetryAfter: boolean;
  port: number;
}

/** Replies are written in every state that still has open responses. */
const REPLIES = {
  'http.response': { actions: 'reply' },
  'stream.open': { actions: 'reply' },
  'stream.chunk': { actions: 'reply' },
  'stream.close': { actions: 'reply' },
  'tunnel.open': { actions: 'reply' },
  'tunnel.data': { actions: 'reply' },
  'tunnel.paused': { actions: 'reply' },
  'tunnel.resumed': { actions: 'reply' },
  'stream.owner-down': { actions: 'endOrphanedStreams' },
} as const;

export const listenerMachine = setup({
  types: {
    context: {} as ListenerContext,
    events: {} as ListenerEvent,
    input: {} as ListenerInput,
  },
  actions: {
    bind: ({ context, self }) => context.frontend.listen((port) => self.send({ type: 'bound', port })),
    reply: ({ context, event }) => {
      const frontend = context.frontend;
      switch (event.type) {
        case 'http.response':
          return frontend.respond(event);
        case 'stream.open':
          return frontend.streamOpen(event);
        case 'stream.chunk':
          return frontend.streamChunk(event);
        case 'stream.close':
          return frontend.streamClose(event.id);
        case 'tunnel.open':
          return frontend.tunnelOpen(event);
        case 'tunnel.data':
          return frontend.tunnelData(event);
        case 'tunnel.paused':
        case 'tunnel.resumed':
          return frontend.tunnelFlow(event);
      }
    },
    endOrphanedStreams: ({ context, event }) => context.frontend.closeStreamsOf((event as StreamOwnerDown).owner),
    stopAccepting: ({ context, event }) => {
      const { sendRetryAfter } = event as ListenerStopAccepting;
      context.sendRetryAfter = sendRetryAfter;
      if (!sendRetryAfter) context.frontend.stopListening();
      context.logger.info(`[graceful-termination] not accepting new requests${sendRetryAfter ? ' (answering 429 Retry-After)' : ''}`);
    },
    reportIfDrained: ({ context }) => {
      if (context.frontend.nonLongRunningInFlight === 0) context.supervisor.send({ type: 'listener.drained' });
    },
    close: ({ context }) => {
      context.frontend.closeStreams('shutdown');
      context.frontend.close();
    },
  },
  guards: {
    bound: ({ event }) => (event as BoundEvent).port !== undefined,
  },
}).createMachine({
  id: 'listener',
  context: ({ input, self }) => {
    const counters = { handled: 0, errors: 0 };
    const admission = (): Admission => {
      const snapshot = self.getSnapshot();
      if (!snapshot || snapshot.value !== 'NotAcceptingNewRequest') return 'serve';
      return snapshot.context.sendRetryAfter ? 'retry-after' : 'serve-and-close';
    };
    const { frontend, why } = createFrontend(input.transport, {
      options: input.options,
      clock: input.clock,
      replyTo: self,
      forward: (request) => {
        counters.handled++;
        input.next.send({ type: 'authenticate', request });
      },
      admission,
      // Only a draining listener waits for idle: no message per request while serving.
      onIdle: () => {
        if (self.getSnapshot()?.value === 'NotAcceptingNewRequest') self.send({ type: 'idle' });
      },
      onError: (error) => {
        counters.errors++;
        input.logger.error('request failed before it became a message', error);
      },
      metrics: input.metrics,
      requestLog: input.requestLog,
    });
    input.logger.info(why);
    return { frontend, counters, logger: input.logger, supervisor: input.supervisor, sendRetryAfter: false, port: 0 };
  },
  initial: 'Binding',
  states: {
    Binding: {
      entry: 'bind',
      on: {
        bound: [
          {
            guard: 'bound',
            target: 'Listening',
            actions: [
              ({ context, event }) => {
                context.port = (event as BoundEvent).port!;
              },
              ({ context }) => context.supervisor.send({ type: 'listener.listening', port: context.port }),
            ],
          },
          {
            target: 'Closed',
            actions: ({ context }) =>
              context.supervisor.send({ type: 'listener.failed', error: 'failed to listen: the address may be in use' }),
          },
        ],
      },
    },
    Listening: {
      tags: ['serving'],
      on: {
        ...REPLIES,
        'listener.stop-accepting': { target: 'NotAcceptingNewRequest', actions: ['stopAccepting', 'reportIfDrained'] },
        'listener.close': { target: 'Closed', actions: 'close' },
      },
    },
    NotAcceptingNewRequest: {
      tags: ['serving'],
      on: {
        ...REPLIES,
        idle: { actions: 'reportIfDrained' },
        'listener.close': { target: 'Closed', actions: 'close' },
      },
    },
    Closed: { type: 'final' },
  },
});

/** On a crash: release the socket, and end the streams no one will write to again. */
export function terminateListener(context: ListenerContext): void {
  context.frontend.closeStreams('shutdown');
  context.frontend.close();
}

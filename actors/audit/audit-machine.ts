// The audit actor: kube's WithAudit filter and its log backend.
//
// Owns: the audit policy, the events of requests still being answered, the log file.
// Receives: `authorize` from authn (it stands between authn and authz, as
//   kube's audit filter runs right after authentication); the replies of the
//   requests it audits (`http.response`, `stream.*`, and a proxied upgrade's
//   `tunnel.*` from its peer: it makes itself their replyTo); `stream.cancelled`
//   for the streams and tunnels it relays; `audit.flush`
//   from the supervisor at InFlightRequestsDrained; `actor.stop`.
// Sends: `authorize` to authz; every reply on to the listener, with an
//   Audit-Id header; `stream.cancelled` on to a stream's owner.
//
// States: Auditing → Stopped (flushes and closes the log).

import { setup } from 'xstate';
import type { AuditEvent, Policy } from '../../protocol/kube/audit.js';
import type { ApiRequest, AuthorizeRequest, ReplyTo } from '../../protocol/messages/request.js';
import type { HttpReply, StreamCancelled } from '../../protocol/messages/http.js';
import type { ActorCounters, ActorStop } from '../../protocol/messages/lifecycle.js';
import type { Clock } from '../../lib/clock.js';
import type { Log } from '../../lib/log.js';
import { decide } from './policy.js';
import { atStage, auditUser, requestReceived } from './event.js';
import { AuditLogBackend, type AuditLogMode } from './log-backend.js';

export interface AuditFlush {
  type: 'audit.flush';
}

export interface AuditInput {
  policy: Policy;
  logPath: string;
  mode: AuditLogMode;
  next: { send(message: AuthorizeRequest): void };
  clock: Clock;
  logger: Log;
}

interface Pending {
  event: AuditEvent;
  replyTo: ReplyTo;
  owner: { send(message: StreamCancelled): void } | undefined;
  /** What the response's completion reports: 200, or 101 for an upgraded connection. */
  status: number;
  skip: ReadonlySet<string>;
  /** The request as handed on, which authz marks with the impersonated user. */
  forwarded?: ApiRequest;
}

interface AuditContext {
  policy: Policy;
  next: AuditInput['next'];
  backend: AuditLogBackend;
  clock: Clock;
  logger: Log;
  counters: ActorCounters;
  /** apiserver_audit_event_total and apiserver_audit_level_total, read by /metrics. */
  audited: { events: number; levels: Map<string, number> };
  /** By request id: the requests whose answers this actor relays. */
  pending: Map<number, Pending>;
  /** Where replies go when their request is unknown (they were sent before a restart). */
  lastReplyTo: ReplyTo | undefined;
}

export type AuditMessage = AuthorizeRequest | HttpReply | StreamCancelled | AuditFlush | ActorStop;

function emit(context: AuditContext, pending: Pending, event: AuditEvent): void {
  // Impersonation happens after audit, in authz: a later stage records both identities, as kube's does.
  const impersonated = pending.forwarded?.impersonatedUser;
  if (impersonated && !event.impersonatedUser) event = { ...event, impersonatedUser: auditUser(impersonated) };
  // What admission recorded (plugins, webhooks, policies) is in every event after the request was handled.
  const annotations = event.stage === 'RequestReceived' ? undefined : pending.forwarded?.auditAnnotations;
  if (annotations && Object.keys(annotations).length > 0) event = { ...event, annotations: { ...event.annotations, ...annotations } };
  pending.event = event;
  if (!pending.skip.has(event.stage)) {
    context.backend.process(event);
    context.audited.events++;
  }
}

function receive(context: AuditContext, self: ReplyTo & { send(message: StreamCancelled): void }, message: AuthorizeRequest): void {
  const { request } = message;
  context.counters.handled++;
  const decision = decide(context.policy, request.info, request.user ?? { username: '', groups: [] });
  context.audited.levels.set(decision.level, (context.audited.levels.get(decision.level) ?? 0) + 1);
  if (decision.level === 'None') return context.next.send(message);
  const pending: Pending = {
    event: requestReceived(request, decision.level, context.clock.now()),
    replyTo: request.replyTo,
    owner: undefined,
    status: 200,
    skip: decision.omitStages,
  };
  context.pending.set(request.id, pending);
  context.lastReplyTo = request.replyTo;
  emit(context, pending, pending.event);
  pending.forwarded = { ...request, replyTo: self, auditAnnotations: {} };
  context.next.send({ type: 'authorize', request: pending.forwarded });
}

function relay(context: AuditContext, self: { send(message: StreamCancelled): void }, reply: HttpReply): void {
  const now = context.clock.now();
  if (reply.type === 'stream.chunk') {
    // One chunk may serve many watchers; all of them answer to the same listener.
    const to = context.pending.get(reply.ids[0]!)?.replyTo ?? context.lastReplyTo;
    to?.send(reply);
    return;
  }
  const pending = context.pending.get(reply.id);
  const to = pending?.replyTo ?? context.lastReplyTo;
  if (!pending) return to?.send(reply);
  const auditId = { 'audit-id': pending.event.auditID };
  switch (reply.type) {
    case 'http.response':
      context.pending.delete(reply.id);
      pending.replyTo.send({ ...reply, headers: { ...reply.headers, ...auditId } });
      return emit(context, pending, atStage(pending.event, 'ResponseComplete', now, reply.status, reply.body));
    case 'stream.open':
      pending.owner = reply.owner;
      pending.replyTo.send({ ...reply, headers: { ...reply.headers, ...auditId }, owner: self });
      return emit(context, pending, atStage(pending.event, 'ResponseStarted', now, 200));
    case 'tunnel.open': {
      // The client's data goes straight to the peer; only the client's leaving comes here, to be recorded.
      const peer = reply.peer;
      pending.owner = peer;
      pending.status = 101;
      const leaving = { send: (message: Parameters<typeof peer.send>[0]) => (message.type === 'stream.cancelled' ? self.send(message) : peer.send(message)) };
      pending.replyTo.send({ ...reply, headers: { ...reply.headers, ...auditId }, peer: leaving });
      return emit(context, pending, atStage(pending.event, 'ResponseStarted', now, 101));
    }
    case 'stream.close':
      context.pending.delete(reply.id);
      pending.replyTo.send(reply);
      return emit(context, pending, atStage(pending.event, 'ResponseComplete', now, pending.status));
    default:
      // The peer's data and flow control, on to the client as they came.
      pending.replyTo.send(reply);
  }
}

function cancelled(context: AuditContext, message: StreamCancelled): void {
  const pending = context.pending.get(message.id);
  if (!pending) return;
  context.pending.delete(message.id);
  pending.owner?.send(message);
  emit(context, pending, atStage(pending.event, 'ResponseComplete', context.clock.now(), pending.status));
}

const REPLIES = ['http.response', 'stream.open', 'stream.chunk', 'stream.close', 'tunnel.open', 'tunnel.data', 'tunnel.paused', 'tunnel.resumed'] as const;

export const auditMachine = setup({
  types: {
    context: {} as AuditContext,
    events: {} as AuditMessage,
    input: {} as AuditInput,
  },
  actions: {
    receive: ({ context, self, event }) => receive(context, self as never, event as AuthorizeRequest),
    relay: ({ context, self, event }) => relay(context, self as never, event as HttpReply),
    cancelled: ({ context, event }) => cancelled(context, event as StreamCancelled),
    flush: ({ context }) => context.backend.flush(),
    close: ({ context }) => context.backend.close(),
  },
}).createMachine({
  id: 'audit',
  context: ({ input }) => ({
    policy: input.policy,
    next: input.next,
    backend: new AuditLogBackend(input.logPath, input.mode, input.clock),
    clock: input.clock,
    logger: input.logger,
    counters: { handled: 0, errors: 0 },
    audited: { events: 0, levels: new Map() },
    pending: new Map(),
    lastReplyTo: undefined,
  }),
  initial: 'Auditing',
  states: {
    Auditing: {
      on: {
        authorize: { actions: 'receive' },
        ...Object.fromEntries(REPLIES.map((type) => [type, { actions: 'relay' }])),
        'stream.cancelled': { actions: 'cancelled' },
        'audit.flush': { actions: 'flush' },
        'actor.stop': { target: 'Stopped', actions: 'close' },
      },
    },
    Stopped: { type: 'final' },
  },
});

/** On a crash: write out what is buffered; the file stays consistent line by line. */
export function terminateAudit(context: AuditContext): void {
  context.backend.close();
}

// Builds audit.k8s.io/v1 Events from a request and its answer. Pure.

import { randomUUID } from 'node:crypto';
import type { AuditEvent, AuditLevel } from '../../protocol/kube/audit.js';
import type { ApiRequest } from '../../protocol/messages/request.js';
import type { UserInfo } from '../../protocol/kube/meta.js';

/** RFC 3339 with microseconds, as kube's audit timestamps are written. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function jsonOf(bytes: Uint8Array | string | undefined): unknown {
  if (bytes === undefined || bytes.length === 0) return undefined;
  try {
    return JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  } catch {
    return undefined; // protobuf and YAML bodies are not recorded, as kube records only what it can convert
  }
}

/** audit's UserInfo: name, uid, groups and extra, never a credential. */
export function auditUser(user: UserInfo): AuditEvent['user'] {
  return { username: user.username, ...(user.uid ? { uid: user.uid } : {}), ...(user.groups.length > 0 ? { groups: user.groups } : {}), ...(user.extra ? { extra: user.extra } : {}) };
}

/** Below RequestResponse, a TokenReview's token stays out of the audit log. */
function withoutCredentials(info: ApiRequest['info'], body: unknown): unknown {
  if (!info.isResourceRequest || info.resource !== 'tokenreviews' || typeof body !== 'object' || body === null) return body;
  const review = body as { spec?: Record<string, unknown> };
  if (!review.spec || typeof review.spec !== 'object' || !('token' in review.spec)) return body;
  const spec = { ...review.spec };
  delete spec.token;
  return { ...review, spec };
}

export function requestReceived(request: ApiRequest, level: AuditLevel, now: number): AuditEvent {
  const info = request.info;
  const query = new URLSearchParams(request.query).toString();
  const event: AuditEvent = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level,
    auditID: randomUUID(),
    stage: 'RequestReceived',
    requestURI: query ? `${info.path}?${query}` : info.path,
    verb: info.verb,
    user: auditUser(request.user ?? { username: '', groups: [] }),
    ...(request.headers['user-agent'] ? { userAgent: request.headers['user-agent'] } : {}),
    requestReceivedTimestamp: microTime(now),
    stageTimestamp: microTime(now),
  };
  if (info.isResourceRequest) {
    event.objectRef = {
      resource: info.resource,
      ...(info.namespace ? { namespace: info.namespace } : {}),
      ...(info.name ? { name: info.name } : {}),
      ...(info.apiGroup ? { apiGroup: info.apiGroup } : {}),
      apiVersion: info.apiVersion,
      ...(info.subresource ? { subresource: info.subresource } : {}),
    };
  }
  if (level === 'Request' || level === 'RequestResponse') {
    const body = request.bodyEncoding === 'json' ? jsonOf(request.body) : undefined;
    if (body !== undefined) event.requestObject = level === 'Request' ? withoutCredentials(info, body) : body;
  }
  return event;
}

/** The same event at a later stage; a failed answer's Status reason and message are kept, as kube keeps them. */
export function atStage(event: AuditEvent, stage: AuditEvent['stage'], now: number, code: number, body?: Uint8Array | string): AuditEvent {
  const next: AuditEvent = { ...event, stage, stageTimestamp: microTime(now), responseStatus: { metadata: {}, code } };
  const parsed = jsonOf(body) as { kind?: string; status?: string; reason?: string; message?: string } | undefined;
  if (parsed?.kind === 'Status') {
    next.responseStatus = {
      metadata: {}, code,
      ...(parsed.status ? { status: parsed.status } : {}),
      ...(parsed.reason ? { reason: parsed.reason } : {}),
      ...(parsed.message ? { message: parsed.message } : {}),
    };
  }
  if (event.level === 'RequestResponse' && parsed !== undefined) next.responseObject = parsed;
  return next;
}

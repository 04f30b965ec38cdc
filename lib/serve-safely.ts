// kube's panic-recovery filter, for actors: a handler that throws answers its
// request with a 500 Status and is counted; the actor goes on serving others.

import type { ApiRequest } from '../protocol/messages/request.js';
import type { ActorCounters } from '../protocol/messages/lifecycle.js';
import { statusResponse } from '../protocol/messages/http.js';
import { internalError } from '../protocol/kube/status.js';

export interface ErrorReporter {
  error(...args: unknown[]): unknown;
}

export function serveSafely(request: ApiRequest, counters: ActorCounters, log: ErrorReporter, serve: () => void): void {
  counters.handled++;
  try {
    serve();
  } catch (e) {
    counters.errors++;
    log.error(`request ${request.method} ${request.info.path} failed`, e);
    request.replyTo.send(statusResponse(request.id, internalError(e instanceof Error ? e.message : String(e))));
  }
}

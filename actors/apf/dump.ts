// kube's APF debug endpoints (apf_controller_debug.go), in our own code:
//
//   /debug/api_priority_and_fairness/dump_priority_levels   a row per priority level
//   /debug/api_priority_and_fairness/dump_queues            a row per queue
//   /debug/api_priority_and_fairness/dump_requests          a row per request waiting or executing
//                                                           (?includeRequestDetails=1 adds who and what)
//
// Rows are kube's: values joined by ",\t" and aligned as Go's tabwriter
// (minimum width 8, padding 1, spaces) aligns them. Served to whoever
// authorization lets GET the path (kube installs them unlisted on its mux).

import type { ApiRequest } from '../../protocol/messages/request.js';
import { statusResponse, textResponse } from '../../protocol/messages/http.js';
import { resourceNotFound } from '../../protocol/kube/status.js';
import type { PriorityLevel, Ticket } from './fair-queuing.js';
import type { Pending } from './apf-machine.js';

export const DUMP_PATHS = /^\/debug\/api_priority_and_fairness\/dump_(priority_levels|queues|requests)$/;

const MIN_WIDTH = 8;
const PADDING = 1;

/**
 * Go's text/tabwriter with flags 0: each tab-terminated cell is padded to its column block's width
 * (consecutive lines that have that column), the last cell of a line left as it is.
 */
export function alignColumns(text: string): string {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const cells = lines.map((line) => line.split('\t'));
  const out: string[] = [];
  const widths: number[] = [];
  const write = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const row = cells[i]!;
      out.push(row.map((cell, j) => (j < widths.length && j < row.length - 1 ? cell.padEnd(widths[j]!, ' ') : cell)).join(''));
    }
  };
  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let at = line0; at < line1; at++) {
      if (column >= cells[at]!.length - 1) continue;
      write(line0, at);
      line0 = at;
      let width = MIN_WIDTH;
      for (; at < line1 && column < cells[at]!.length - 1; at++) width = Math.max(width, [...cells[at]![column]!].length + PADDING);
      widths.push(width);
      format(line0, at);
      widths.pop();
      line0 = at;
      at--;
    }
    write(line0, line1);
  };
  format(0, cells.length);
  return out.map((line) => `${line}\n`).join('');
}

const row = (...columns: (string | number | boolean)[]): string => columns.map(String).join(',\t');

/** Go's time.RFC3339Nano in UTC: fractional seconds without trailing zeros. */
function rfc3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z');
}

/** Go's Duration.String for a whole or fractional number of milliseconds. */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1) return `${Number((ms * 1000).toFixed(3))}µs`;
  if (ms < 1000) return `${Number(ms.toFixed(6))}ms`;
  return `${Number((ms / 1000).toFixed(9))}s`;
}

/** kube's SeatSeconds.String: seat-seconds with 8 decimals and the unit `ss`. */
function seatSeconds(value: number): string {
  return `${value.toFixed(8)}ss`;
}

function priorityLevels(levels: readonly PriorityLevel<Pending>[]): string {
  const lines = [row('PriorityLevelName', 'ActiveQueues', 'IsIdle', 'IsQuiescing', 'WaitingRequests', 'ExecutingRequests', 'DispatchedRequests', 'RejectedRequests', 'TimedoutRequests', 'CancelledRequests')];
  for (const level of [...levels].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const active = level.queues.filter((q) => q.waiting.length > 0).length;
    const idle = level.waiting === 0 && level.executing.size === 0;
    const { dispatched, rejected, timedOut, cancelled } = level.totals;
    lines.push(row(level.name, active, idle, false, level.waiting, level.executing.size, dispatched, rejected, timedOut, cancelled));
  }
  return lines.join('\n') + '\n';
}

function queues(levels: readonly PriorityLevel<Pending>[]): string {
  const lines = [row('PriorityLevelName', 'Index', 'PendingRequests', 'ExecutingRequests', 'SeatsInUse', 'NextDispatchR', 'InitialSeatsSum', 'MaxSeatsSum', 'TotalWorkSum')];
  for (const level of levels) {
    level.queues.forEach((queue, i) => {
      lines.push(row(level.name, i, queue.waiting.length, queue.executing, queue.seatsInUse, seatSeconds(queue.nextDispatchR), queue.initialSeatsSum, queue.seatsSum, seatSeconds(queue.workSum)));
    });
  }
  return lines.join('\n') + '\n';
}

function requests(levels: readonly PriorityLevel<Pending>[], details: boolean): string {
  const header = row('PriorityLevelName', 'FlowSchemaName', 'QueueIndex', 'RequestIndexInQueue', 'FlowDistingsher', 'ArriveTime', 'InitialSeats', 'FinalSeats', 'AdditionalLatency', 'StartTime');
  const lines = [details ? `${header},\t${row('UserName', 'Verb', 'APIPath', 'Namespace', 'Name', 'APIVersion', 'Resource', 'SubResource')}` : header];
  const line = (level: PriorityLevel<Pending>, queue: number, index: number, ticket: Ticket<Pending>): void => {
    const { schema, distinguisher, request } = ticket.item;
    const { estimate } = ticket;
    let text = row(level.name, schema.name, queue, index, distinguisher, rfc3339Nano(ticket.arrivedAt), estimate.initialSeats, estimate.finalSeats, goDuration(estimate.additionalLatencyMs), rfc3339Nano(ticket.startedAt));
    if (details) {
      const info = request.info;
      const resource = info.isResourceRequest ? info : undefined;
      const groupVersion = resource ? (resource.apiGroup ? `${resource.apiGroup}/${resource.apiVersion}` : resource.apiVersion) : '';
      text += `,\t${row(request.user?.username ?? '', info.verb, info.path, resource?.namespace ?? '', resource?.name ?? '', groupVersion, resource?.resource ?? '', resource?.subresource ?? '')}`;
    }
    lines.push(text);
  };
  for (const level of levels) {
    level.queues.forEach((queue, q) => {
      queue.waiting.forEach((ticket, i) => line(level, q, i, ticket));
      for (const ticket of level.executing) if (ticket.queue === q) line(level, q, -1, ticket);
    });
    for (const ticket of level.executing) if (ticket.queue < 0) line(level, -1, -1, ticket);
  }
  return lines.join('\n') + '\n';
}

/** Answers one of the three dumps. */
export function serveDump(request: ApiRequest, all: Iterable<PriorityLevel<Pending>>): void {
  const which = DUMP_PATHS.exec(request.info.path)?.[1];
  if (!which || (request.method !== 'GET' && request.method !== 'HEAD')) return request.replyTo.send(statusResponse(request.id, resourceNotFound()));
  const levels = [...all];
  const text = which === 'priority_levels' ? priorityLevels(levels) : which === 'queues' ? queues(levels) : requests(levels, (request.query.includeRequestDetails ?? '') !== '');
  request.replyTo.send(textResponse(request.id, 200, alignColumns(text), { 'content-type': 'text/plain; charset=utf-8' }));
}

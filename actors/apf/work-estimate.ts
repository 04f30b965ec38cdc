// kube's APF work estimator (k8s.io/apiserver flowcontrol/request), in our own
// code: how many seats a request occupies, and for how long after it is answered.
//
//   list            one seat per 100 objects it is estimated to process, 1 to maxSeats:
//                   served from the cache: every stored object; from storage with a
//                   selector: stored + limit; from storage without: 2 × limit.
//                   A list pinned to one name (fieldSelector=metadata.name=…) costs 1.
//   watch           1 seat while it is initialized (kube 1.33: WatchList is off); a
//                   watch that asks for sendInitialEvents costs what its list would.
//   create, update, patch, delete
//                   1 seat while it runs, then, when 10 or more watchers will be sent
//                   the change, ceil(watchers / 10) seats (at most maxSeats) held for
//                   5 ms × ceil(watchers / 10) / those seats: the watch fan-out.
//   anything else   1 seat.
//
// maxSeats is the level's (kube's max(1, min(ceil(0.15 × nominalCL), nominalCL / handSize)))
// within kube's limit of 10.

import type { RequestInfo, ResourceRequestInfo } from '../../protocol/messages/request.js';

export interface WorkEstimate {
  initialSeats: number;
  finalSeats: number;
  /** How long the final seats stay taken after the answer, in ms. */
  additionalLatencyMs: number;
}

/** What the estimator reads of the stores. */
export interface Workload {
  /** Objects stored of a resource; undefined when this server does not store it (kube's ObjectCountNotFound). */
  objectCount(group: string, resource: string): number | undefined;
  /** Watchers that a change to this object will be sent to. */
  watchCount(info: ResourceRequestInfo): number;
}

const MINIMUM_SEATS = 1;
const MAXIMUM_SEATS_LIMIT = 10;
const OBJECTS_PER_SEAT = 100;
const WATCHES_PER_SEAT = 10;
const EVENT_ADDITIONAL_MS = 5;

export const ONE_SEAT: WorkEstimate = Object.freeze({ initialSeats: MINIMUM_SEATS, finalSeats: 0, additionalLatencyMs: 0 });
const seats = (initialSeats: number): WorkEstimate => (initialSeats === MINIMUM_SEATS ? ONE_SEAT : { initialSeats, finalSeats: 0, additionalLatencyMs: 0 });

export const maxSeatsOf = (estimate: WorkEstimate): number => Math.max(estimate.initialSeats, estimate.finalSeats);

/** The name a list or watch is pinned to by `fieldSelector=metadata.name=<n>` (kube's RequestInfo sets it as the name). */
export function selectedName(query: Record<string, string>): string {
  const selector = query.fieldSelector;
  if (!selector) return '';
  for (const term of selector.split(',')) {
    const match = /^\s*metadata\.name\s*==?\s*([^=!\s]+)\s*$/.exec(term);
    if (match) return match[1]!;
  }
  return '';
}

/** Whether kube would serve the list from storage rather than the watch cache (its ShouldDelegateList, without snapshots). */
function listFromStorage(query: Record<string, string>): boolean {
  const match = query.resourceVersionMatch ?? '';
  if (match === 'Exact') return true;
  if (match === 'NotOlderThan') return false;
  if (match !== '') return true;
  if (query.continue) return true;
  const rv = query.resourceVersion;
  if (rv !== undefined && rv !== '' && rv !== '0' && Number(query.limit ?? 0) > 0) return true;
  // A consistent read is served from the cache (ConsistentListFromCache); RV=0 or N from it too.
  return false;
}

function estimateList(info: ResourceRequestInfo, query: Record<string, string>, maxSeats: number, workload: Workload): WorkEstimate {
  if (info.name !== '' || selectedName(query) !== '') return ONE_SEAT;
  const limitText = query.limit;
  const limit = limitText === undefined || limitText === '' ? 0 : Number(limitText);
  // A malformed option fails validation later: kube charges it the most.
  if (!Number.isInteger(limit)) return seats(maxSeats);
  if (info.verb === 'watch' && query.sendInitialEvents !== 'true') return ONE_SEAT;
  const stored = workload.objectCount(info.apiGroup, info.resource);
  // Not stored here (an aggregated API): its cost is another server's.
  if (stored === undefined) return ONE_SEAT;
  const returned = limit > 0 && limit < stored ? limit : stored;
  const fromCache = info.verb === 'watch' || !listFromStorage(query);
  const processed = fromCache ? stored : query.fieldSelector || query.labelSelector ? stored + returned : 2 * returned;
  return seats(Math.min(maxSeats, Math.max(MINIMUM_SEATS, Math.ceil(processed / OBJECTS_PER_SEAT))));
}

function estimateMutating(info: ResourceRequestInfo, maxSeats: number, workload: Workload, observeWatchCount: ((count: number) => void) | undefined): WorkEstimate {
  // A service account token is written nowhere: no watcher hears of it.
  if (info.resource === 'serviceaccounts' && info.subresource === 'token') return ONE_SEAT;
  const watchers = workload.watchCount(info);
  observeWatchCount?.(watchers);
  if (watchers < WATCHES_PER_SEAT) return ONE_SEAT;
  const fanOut = Math.ceil(watchers / WATCHES_PER_SEAT);
  const finalSeats = Math.min(fanOut, maxSeats);
  return { initialSeats: MINIMUM_SEATS, finalSeats, additionalLatencyMs: (fanOut * EVENT_ADDITIONAL_MS) / finalSeats };
}

/** The work a request will cost its priority level; `levelMaxSeats` 0 means the estimator's own limit. */
export function estimateWork(info: RequestInfo, query: Record<string, string>, levelMaxSeats: number, workload: Workload | undefined, observeWatchCount?: (count: number) => void): WorkEstimate {
  if (!info.isResourceRequest || !workload) return ONE_SEAT;
  const maxSeats = levelMaxSeats === 0 || levelMaxSeats > MAXIMUM_SEATS_LIMIT ? MAXIMUM_SEATS_LIMIT : levelMaxSeats;
  switch (info.verb) {
    case 'list':
    case 'watch':
      return estimateList(info, query, maxSeats, workload);
    case 'create':
    case 'update':
    case 'patch':
    case 'delete':
      return estimateMutating(info, maxSeats, workload, observeWatchCount);
    default:
      return ONE_SEAT;
  }
}

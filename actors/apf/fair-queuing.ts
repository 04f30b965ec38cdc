// One priority level's seats and queues: kube's queueset (fair queuing for
// server requests, k8s.io/apiserver flowcontrol/fairqueuing/queueset), in our
// own code. A request occupies the seats its work estimate asks (the most of
// its initial and final seats) from dispatch until it is released.
//
// Virtual time. R(t) counts the seat-seconds given to each busy queue since
// the level began; it advances at min(C, seats asked) / (busy queues) per
// second, where C is the level's current limit, seats asked are the seats
// executing plus the seats waiting, and a queue is busy while it has a request
// waiting or executing. Each request's work is its initial seats × G (G, the
// estimated service time, 3 ms) plus its final seats × its additional latency.
//
//   arrival    shuffle sharding deals the flow a hand of queues; the request
//              joins the one with the least work waiting. A queue that was idle
//              starts at R(now).
//   dispatch   while seats are free, the queue whose head would finish first in
//              virtual time (its start + the head's work) is served; when that
//              head does not fit in the free seats, nothing is dispatched (no
//              request jumps it). The queue's start advances by the head's work.
//   finish     the queue's start goes back by initial seats × (G − the real
//              service time), so a queue is charged for what its requests
//              really took; its seats are released then, or after the
//              request's additional latency.
//   bound      a queue's start is never before its head's arrival R (kube's
//              anti-windup).
//
// So each busy queue gets an equal share of seat-seconds: a queue of wide
// requests is served less often than a queue of narrow ones. A full queue, a
// level that rejects rather than queues, or a wait past the limit is a
// rejection (429). The limit is the level's current limit, which borrowing moves.

import { Integrator, noDemand, type Borrower, type DemandStats, type Limits } from './borrowing.js';
import { maxSeatsOf, type WorkEstimate } from './work-estimate.js';

/** kube's estimatedServiceDuration (G), in seconds. */
export const ESTIMATED_SERVICE_SECONDS = 0.003;

/** kube's shuffle-sharding dealer: handSize distinct queues of deckSize, from one hash. */
export function deal(hash: number, deckSize: number, handSize: number): number[] {
  const remainders: number[] = [];
  let value = hash;
  for (let i = 0; i < handSize; i++) {
    const size = deckSize - i;
    remainders.push(value % size);
    value = Math.floor(value / size);
  }
  const hand: number[] = [];
  for (let i = 0; i < handSize; i++) {
    let card = remainders[i]!;
    for (let j = i; j > 0; j--) if (card >= remainders[j - 1]!) card++;
    hand.push(card);
  }
  return hand;
}

/** FNV-1a over the flow's key, widened to 48 bits: enough for a hand of 6 from 128 queues. */
export function flowHash(key: string): number {
  let low = 0x811c9dc5;
  let high = 0x050c5d1f;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    low = Math.imul(low ^ c, 0x01000193) >>> 0;
    high = Math.imul(high ^ c ^ (low >>> 24), 0x01000193) >>> 0;
  }
  return (high & 0xffff) * 2 ** 32 + low;
}

export interface Queuing {
  queues: number;
  handSize: number;
  queueLengthLimit: number;
}

/** A request as its level holds it, waiting or executing. */
export interface Ticket<T> {
  item: T;
  flow: string;
  estimate: WorkEstimate;
  /** max(initial, final) seats: what it occupies from dispatch to release. */
  seats: number;
  /** Its work in seat-seconds: initial seats × G + final seats × additional latency. */
  work: number;
  /** Its queue's index, or -1 when dispatched without queuing. */
  queue: number;
  arrivedAt: number;
  /** R when it arrived. */
  arrivalR: number;
  startedAt: number;
  /** Its main phase is over (its seats may linger). */
  finished: boolean;
}

/** One queue: requests waiting in arrival order, and what its requests hold. */
export interface Queue<T> {
  readonly waiting: Ticket<T>[];
  /** The virtual time at which its head starts (kube's nextDispatchR), in seat-seconds. */
  nextDispatchR: number;
  /** Requests dispatched from it still in their main phase. */
  executing: number;
  seatsInUse: number;
  /** Sums over the requests waiting. */
  initialSeatsSum: number;
  seatsSum: number;
  workSum: number;
}

export type Offer = 'dispatched' | 'queued' | 'queue-full' | 'concurrency-limit';

/** What /debug/api_priority_and_fairness/dump_priority_levels counts, since the level was introduced. */
export interface LevelTotals {
  dispatched: number;
  rejected: number;
  timedOut: number;
  cancelled: number;
}

/** What the last dispatch from a queue saw of the queues' virtual starts, for /metrics (kube's SetDispatchMetrics). */
export interface DispatchBounds {
  /** R at that dispatch. */
  r: number;
  /** The served queue's start (the dispatched request's virtual start, S). */
  latestS: number;
  /** The least and most start of the queues with requests waiting. */
  minStart: number;
  maxStart: number;
  /** The same, less each queue's work in progress (seats in use × G). */
  minDiscountedStart: number;
  maxDiscountedStart: number;
}

const busy = <T>(queue: Queue<T>): boolean => queue.waiting.length > 0 || queue.executing > 0;

export class PriorityLevel<T> implements Borrower {
  seatsInUse = 0;
  seatsWaiting = 0;
  waiting = 0;
  readonly executing = new Set<Ticket<T>>();
  readonly queues: Queue<T>[];
  readonly totals: LevelTotals = { dispatched: 0, rejected: 0, timedOut: 0, cancelled: 0 };
  /**
   * Times the head due next could not be served for want of seats, by its flow schema (a flow is
   * `<flow schema>\0<distinguisher>`): apiserver_flowcontrol_request_dispatch_no_accommodation_total.
   */
  readonly noAccommodation = new Map<string, number>();
  demand: DemandStats = noDemand();
  target = 0;
  currentLimit: number;
  /** An exempt level's requests that authn sent past apf and that are not yet answered, as last sampled. */
  passedBy = 0;
  /** R: seat-seconds given to each busy queue since the level began. */
  currentR = 0;
  /** Set at each dispatch from a queue. */
  lastDispatch: DispatchBounds | undefined;
  private readonly integrator: Integrator;
  private lastRealTime: number;
  /** Queues with a request waiting or executing. */
  private busyQueues = 0;
  /** Seats held by requests dispatched from the queues. */
  private queuedSeatsInUse = 0;
  /** The last queue served: the search for the next starts after it, so ties go round. */
  private robinIndex = -1;
  private enqueues = 0;

  constructor(
    readonly name: string,
    readonly uid: string,
    public limits: Limits,
    readonly queuing: Queuing | undefined,
    now: number,
    readonly exempt = false,
  ) {
    this.currentLimit = limits.initial;
    this.integrator = new Integrator(now);
    this.lastRealTime = now;
    this.queues = Array.from({ length: queuing?.queues ?? 0 }, () => ({ waiting: [], nextDispatchR: 0, executing: 0, seatsInUse: 0, initialSeatsSum: 0, seatsSum: 0, workSum: 0 }));
  }

  /** Seats executing plus seats waiting: what the level could use now. */
  get seatDemand(): number {
    return this.seatsInUse + this.seatsWaiting + this.passedBy;
  }

  /** A sample of the requests sent past apf at this (exempt) level, one seat each. */
  notePassedBy(requests: number, now: number): void {
    if (requests === this.passedBy) return;
    this.passedBy = requests;
    this.integrator.set(this.seatDemand, now);
  }

  /** Ends a demand period for borrowing: folds it into `demand`. */
  takeDemand(now: number): ReturnType<Integrator['reset']> {
    return this.integrator.reset(now);
  }

  /**
   * A request arrives. A level without queues dispatches it at once when its seats are free, else
   * rejects it; a queuing level queues it (or rejects it when its queue is full): dispatchWaiting()
   * then serves the queues.
   */
  offer(item: T, flow: string, estimate: WorkEstimate, now: number): { offer: Offer; ticket: Ticket<T> } {
    this.syncTime(now);
    const work = estimate.initialSeats * ESTIMATED_SERVICE_SECONDS + (estimate.finalSeats * estimate.additionalLatencyMs) / 1000;
    const ticket: Ticket<T> = { item, flow, estimate, seats: maxSeatsOf(estimate), work, queue: -1, arrivedAt: now, arrivalR: this.currentR, startedAt: 0, finished: false };
    if (this.exempt) {
      this.start(ticket, now);
      return { offer: 'dispatched', ticket };
    }
    if (!this.queuing) {
      if (!this.canAccommodate(ticket.seats)) return this.refuse(ticket, 'concurrency-limit');
      this.start(ticket, now);
      return { offer: 'dispatched', ticket };
    }
    const index = this.shuffleShard(flow);
    const queue = this.queues[index]!;
    if (this.seatsInUse >= this.currentLimit && queue.waiting.length >= this.queuing.queueLengthLimit) return this.refuse(ticket, 'queue-full');
    ticket.queue = index;
    if (!busy(queue)) {
      queue.nextDispatchR = this.currentR;
      this.busyQueues++;
    }
    queue.waiting.push(ticket);
    queue.initialSeatsSum += estimate.initialSeats;
    queue.seatsSum += ticket.seats;
    queue.workSum += work;
    this.waiting++;
    this.seatsWaiting += ticket.seats;
    this.integrator.set(this.seatDemand, now);
    this.boundNextDispatch(queue);
    return { offer: 'queued', ticket };
  }

  /** Fills free seats from the queues, the one whose head finishes first in virtual time first. Returns what it dispatched. */
  dispatchWaiting(now: number): Ticket<T>[] {
    this.syncTime(now);
    const dispatched: Ticket<T>[] = [];
    while (this.waiting > 0 && this.seatsInUse < this.currentLimit) {
      const index = this.nextQueue();
      const queue = this.queues[index]!;
      const ticket = queue.waiting[0]!;
      if (!this.canAccommodate(ticket.seats)) {
        const schema = ticket.flow.slice(0, Math.max(0, ticket.flow.indexOf('\0')));
        this.noAccommodation.set(schema, (this.noAccommodation.get(schema) ?? 0) + 1);
        break;
      }
      this.robinIndex = index;
      queue.executing++;
      this.takeHead(queue);
      this.start(ticket, now);
      queue.seatsInUse += ticket.seats;
      this.queuedSeatsInUse += ticket.seats;
      queue.nextDispatchR += ticket.work;
      this.boundNextDispatch(queue);
      dispatched.push(ticket);
    }
    return dispatched;
  }

  /**
   * A request's main phase is over: its queue is charged for the service time it really took
   * (kube's finishRequestLocked). Its seats stay taken until release().
   */
  finish(ticket: Ticket<T>, now: number): void {
    if (ticket.finished || !this.executing.has(ticket)) return;
    ticket.finished = true;
    const queue = this.queues[ticket.queue];
    if (!queue) return;
    this.syncTime(now);
    queue.executing--;
    queue.nextDispatchR -= ticket.estimate.initialSeats * (ESTIMATED_SERVICE_SECONDS - (now - ticket.startedAt) / 1000);
    this.boundNextDispatch(queue);
    if (!busy(queue)) this.busyQueues--;
  }

  /** A request's seats are free again: finishes it if finish() was not called, and serves the queues. Returns what to dispatch now. */
  release(ticket: Ticket<T>, now: number): Ticket<T>[] {
    if (this.executing.has(ticket)) {
      this.finish(ticket, now);
      this.syncTime(now);
      this.executing.delete(ticket);
      this.seatsInUse -= ticket.seats;
      const queue = this.queues[ticket.queue];
      if (queue) {
        queue.seatsInUse -= ticket.seats;
        this.queuedSeatsInUse -= ticket.seats;
      }
      this.integrator.set(this.seatDemand, now);
    }
    return this.dispatchWaiting(now);
  }

  /** Takes out the requests that have waited since before `cutoff`. */
  expire(cutoff: number, now: number): Ticket<T>[] {
    const expired: Ticket<T>[] = [];
    if (this.waiting === 0) return expired;
    this.syncTime(now);
    for (const queue of this.queues) {
      while (queue.waiting.length > 0 && queue.waiting[0]!.arrivedAt <= cutoff) {
        expired.push(queue.waiting[0]!);
        this.takeHead(queue);
      }
      if (queue.waiting.length > 0) this.boundNextDispatch(queue);
    }
    this.totals.timedOut += expired.length;
    this.integrator.set(this.seatDemand, now);
    return expired;
  }

  /** Every request still waiting (a level removed from the configuration hands them over). */
  drain(): Ticket<T>[] {
    const all: Ticket<T>[] = [];
    for (const queue of this.queues) {
      all.push(...queue.waiting);
      while (queue.waiting.length > 0) this.takeHead(queue);
    }
    return all;
  }

  /** A level rebuilt with a new spec keeps the requests executing in the old one. */
  adopt(old: PriorityLevel<T>, now: number): void {
    for (const ticket of old.executing) {
      ticket.queue = -1;
      this.executing.add(ticket);
    }
    this.seatsInUse = old.seatsInUse;
    this.integrator.set(this.seatDemand, now);
  }

  /** kube's syncTimeLocked: R advances by min(C, seats asked) / busy queues for each second since the last event. */
  private syncTime(now: number): void {
    const seconds = (now - this.lastRealTime) / 1000;
    this.lastRealTime = now;
    if (this.busyQueues === 0 || seconds <= 0) return;
    const asked = this.queuedSeatsInUse + this.seatsWaiting;
    this.currentR += (Math.min(asked, this.currentLimit) / this.busyQueues) * seconds;
  }

  /** The queue of the flow's hand with the least work waiting; the search starts one further each time, so ties spread. */
  private shuffleShard(flow: string): number {
    const hand = deal(flowHash(flow), this.queues.length, Math.min(this.queuing!.handSize, this.queues.length));
    const offset = this.enqueues++ % hand.length;
    let best = hand[offset]!;
    for (let i = 1; i < hand.length; i++) {
      const index = hand[(offset + i) % hand.length]!;
      if (this.queues[index]!.workSum < this.queues[best]!.workSum) best = index;
    }
    return best;
  }

  /** The queue with a request waiting whose head has the least virtual finish time, searching round from the last served. */
  private nextQueue(): number {
    const n = this.queues.length;
    let chosen = -1;
    let minFinish = Infinity;
    const bounds: DispatchBounds = { r: this.currentR, latestS: 0, minStart: Infinity, maxStart: -Infinity, minDiscountedStart: Infinity, maxDiscountedStart: -Infinity };
    for (let i = 1; i <= n; i++) {
      const index = (this.robinIndex + i + n) % n;
      const queue = this.queues[index]!;
      const head = queue.waiting[0];
      if (!head) continue;
      const start = queue.nextDispatchR;
      const discounted = start - queue.seatsInUse * ESTIMATED_SERVICE_SECONDS;
      bounds.minStart = Math.min(bounds.minStart, start);
      bounds.maxStart = Math.max(bounds.maxStart, start);
      bounds.minDiscountedStart = Math.min(bounds.minDiscountedStart, discounted);
      bounds.maxDiscountedStart = Math.max(bounds.maxDiscountedStart, discounted);
      if (start + head.work < minFinish) {
        minFinish = start + head.work;
        chosen = index;
      }
    }
    bounds.latestS = this.queues[chosen]!.nextDispatchR;
    this.lastDispatch = bounds;
    return chosen;
  }

  /** kube's anti-windup: a queue's start is never before its head arrived. */
  private boundNextDispatch(queue: Queue<T>): void {
    const head = queue.waiting[0];
    if (head && queue.nextDispatchR < head.arrivalR) queue.nextDispatchR = head.arrivalR;
  }

  /** Takes the head out of its queue. */
  private takeHead(queue: Queue<T>): void {
    const ticket = queue.waiting.shift()!;
    queue.initialSeatsSum -= ticket.estimate.initialSeats;
    queue.seatsSum -= ticket.seats;
    queue.workSum -= ticket.work;
    this.waiting--;
    this.seatsWaiting -= ticket.seats;
    if (!busy(queue)) this.busyQueues--;
  }

  private canAccommodate(seats: number): boolean {
    // A request wider than the whole limit runs alone (kube's quick fix until borrowing gives it room).
    if (seats > this.currentLimit) return this.executing.size === 0;
    return this.seatsInUse + seats <= this.currentLimit;
  }

  private start(ticket: Ticket<T>, now: number): void {
    ticket.startedAt = now;
    this.executing.add(ticket);
    this.seatsInUse += ticket.seats;
    this.totals.dispatched++;
    this.integrator.set(this.seatDemand, now);
  }

  private refuse(ticket: Ticket<T>, offer: Offer): { offer: Offer; ticket: Ticket<T> } {
    this.totals.rejected++;
    return { offer, ticket };
  }
}

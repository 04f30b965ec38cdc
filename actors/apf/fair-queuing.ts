// One priority level's seats and queues: kube's queueset, with round-robin
// turns in place of its virtual-time fair queuing. A request occupies the
// seats its work estimate asks (the most of its initial and final seats) from
// dispatch until it is released. Requests of a flow go to the shortest of a
// hand of queues dealt by shuffle sharding from the flow's hash; queues are
// served in turn as seats free up, and the head of the queue whose turn it is
// waits until its seats are free (no request jumps it). A full queue, a level
// that rejects rather than queues, or a wait past the limit is a rejection (429).
// The limit is the level's current concurrency limit, which borrowing moves.

import { Integrator, noDemand, type Borrower, type DemandStats, type Limits } from './borrowing.js';
import { maxSeatsOf, type WorkEstimate } from './work-estimate.js';

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
  /** Its queue's index, or -1 when dispatched without queuing. */
  queue: number;
  arrivedAt: number;
  startedAt: number;
}

export type Offer = 'dispatched' | 'queued' | 'queue-full' | 'concurrency-limit';

/** What /debug/api_priority_and_fairness/dump_priority_levels counts, since the level was introduced. */
export interface LevelTotals {
  dispatched: number;
  rejected: number;
  timedOut: number;
  cancelled: number;
}

export class PriorityLevel<T> implements Borrower {
  seatsInUse = 0;
  seatsWaiting = 0;
  waiting = 0;
  readonly executing = new Set<Ticket<T>>();
  readonly queues: Ticket<T>[][];
  readonly totals: LevelTotals = { dispatched: 0, rejected: 0, timedOut: 0, cancelled: 0 };
  demand: DemandStats = noDemand();
  target = 0;
  currentLimit: number;
  private readonly integrator: Integrator;
  private next = 0;

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
    this.queues = Array.from({ length: queuing?.queues ?? 0 }, () => []);
  }

  /** Seats executing plus seats waiting: what the level could use now. */
  get seatDemand(): number {
    return this.seatsInUse + this.seatsWaiting;
  }

  /** Ends a demand period for borrowing: folds it into `demand`. */
  takeDemand(now: number): ReturnType<Integrator['reset']> {
    return this.integrator.reset(now);
  }

  /** Dispatches at once when its seats are free and no one waits; else queues (or rejects). */
  offer(item: T, flow: string, estimate: WorkEstimate, now: number): { offer: Offer; ticket: Ticket<T> } {
    const ticket: Ticket<T> = { item, flow, estimate, seats: maxSeatsOf(estimate), queue: -1, arrivedAt: now, startedAt: 0 };
    if (this.exempt) {
      this.start(ticket, now);
      return { offer: 'dispatched', ticket };
    }
    if (!this.queuing) {
      if (!this.canAccommodate(ticket.seats)) return this.refuse(ticket, 'concurrency-limit');
      this.start(ticket, now);
      return { offer: 'dispatched', ticket };
    }
    // As kube's queueset: every request of a queuing level belongs to the queue shuffle sharding picks, even one dispatched at once.
    const hand = deal(flowHash(flow), this.queues.length, Math.min(this.queuing.handSize, this.queues.length));
    let chosen = hand[0]!;
    for (const index of hand) if (this.queues[index]!.length < this.queues[chosen]!.length) chosen = index;
    ticket.queue = chosen;
    // A limit of 0 waits for borrowing; a request wider than the limit runs alone.
    if (this.waiting === 0 && this.seatsInUse < this.currentLimit && this.canAccommodate(ticket.seats)) {
      this.start(ticket, now);
      return { offer: 'dispatched', ticket };
    }
    const queue = this.queues[chosen]!;
    if (this.seatsInUse >= this.currentLimit && queue.length >= this.queuing.queueLengthLimit) return this.refuse(ticket, 'queue-full');
    queue.push(ticket);
    this.waiting++;
    this.seatsWaiting += ticket.seats;
    this.integrator.set(this.seatDemand, now);
    return { offer: 'queued', ticket };
  }

  /** A request's seats are free again: the next queues in turn get them. Returns what to dispatch now. */
  release(ticket: Ticket<T>, now: number): Ticket<T>[] {
    if (this.executing.delete(ticket)) {
      this.seatsInUse -= ticket.seats;
      this.integrator.set(this.seatDemand, now);
    }
    return this.dispatchWaiting(now);
  }

  /** Fills free seats from the queues, in turn; the head whose turn it is waits for its seats. */
  dispatchWaiting(now: number): Ticket<T>[] {
    const dispatched: Ticket<T>[] = [];
    while (this.waiting > 0 && this.seatsInUse < this.currentLimit) {
      let index = this.next;
      while (this.queues[index]!.length === 0) index = (index + 1) % this.queues.length;
      const queue = this.queues[index]!;
      if (!this.canAccommodate(queue[0]!.seats)) break;
      this.next = (index + 1) % this.queues.length;
      const ticket = queue.shift()!;
      this.waiting--;
      this.seatsWaiting -= ticket.seats;
      this.start(ticket, now);
      dispatched.push(ticket);
    }
    return dispatched;
  }

  /** Takes out the requests that have waited since before `cutoff`. */
  expire(cutoff: number, now: number): Ticket<T>[] {
    const expired: Ticket<T>[] = [];
    if (this.waiting === 0) return expired;
    for (const queue of this.queues) {
      while (queue.length > 0 && queue[0]!.arrivedAt <= cutoff) {
        const ticket = queue.shift()!;
        this.waiting--;
        this.seatsWaiting -= ticket.seats;
        expired.push(ticket);
      }
    }
    this.totals.timedOut += expired.length;
    this.integrator.set(this.seatDemand, now);
    return expired;
  }

  /** Every request still waiting (a level removed from the configuration hands them over). */
  drain(): Ticket<T>[] {
    const all = this.queues.flatMap((q) => q.splice(0));
    this.waiting = 0;
    this.seatsWaiting = 0;
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

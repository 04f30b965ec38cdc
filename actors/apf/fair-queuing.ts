// One priority level's seats and queues: kube's queueset, simplified to one
// seat a request. Requests of a flow go to the shortest of a hand of queues
// dealt by shuffle sharding from the flow's hash; queues are served round
// robin as seats free up; a full queue, a level that rejects rather than
// queues, or a wait past the limit is a rejection (429).

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

export interface Waiting<T> {
  item: T;
  flow: string;
  enqueuedAt: number;
}

export type Offer = 'dispatched' | 'queued' | 'queue-full' | 'concurrency-limit';

export class PriorityLevel<T> {
  seatsInUse = 0;
  waiting = 0;
  private readonly queues: Waiting<T>[][];
  private next = 0;

  constructor(
    readonly name: string,
    readonly uid: string,
    public limit: number,
    readonly queuing: Queuing | undefined,
  ) {
    this.queues = Array.from({ length: queuing?.queues ?? 0 }, () => []);
  }

  /** Dispatches at once when a seat is free and no one waits; else queues (or rejects). */
  offer(item: T, flow: string, now: number): Offer {
    if (this.seatsInUse < this.limit && this.waiting === 0) {
      this.seatsInUse++;
      return 'dispatched';
    }
    if (!this.queuing) return 'concurrency-limit';
    const hand = deal(flowHash(flow), this.queues.length, Math.min(this.queuing.handSize, this.queues.length));
    let chosen = this.queues[hand[0]!]!;
    for (const index of hand) if (this.queues[index]!.length < chosen.length) chosen = this.queues[index]!;
    if (chosen.length >= this.queuing.queueLengthLimit) return 'queue-full';
    chosen.push({ item, flow, enqueuedAt: now });
    this.waiting++;
    return 'queued';
  }

  /** A request finished: its seat goes to the next queue in turn. Returns what to dispatch now. */
  release(): T[] {
    this.seatsInUse--;
    return this.dispatchWaiting();
  }

  /** Fills free seats from the queues, round robin. */
  dispatchWaiting(): T[] {
    const dispatched: T[] = [];
    while (this.seatsInUse < this.limit && this.waiting > 0) {
      for (let i = 0; i < this.queues.length; i++) {
        const queue = this.queues[(this.next + i) % this.queues.length]!;
        if (queue.length === 0) continue;
        this.next = (this.next + i + 1) % this.queues.length;
        dispatched.push(queue.shift()!.item);
        this.waiting--;
        this.seatsInUse++;
        break;
      }
    }
    return dispatched;
  }

  /** Takes out the requests that have waited since before `cutoff`. */
  expire(cutoff: number): T[] {
    const expired: T[] = [];
    if (this.waiting === 0) return expired;
    for (const queue of this.queues) {
      while (queue.length > 0 && queue[0]!.enqueuedAt <= cutoff) {
        expired.push(queue.shift()!.item);
        this.waiting--;
      }
    }
    return expired;
  }

  /** Every request still waiting (a level removed from the configuration hands them over). */
  drain(): T[] {
    const all = this.queues.flatMap((q) => q.splice(0).map((w) => w.item));
    this.waiting = 0;
    return all;
  }
}

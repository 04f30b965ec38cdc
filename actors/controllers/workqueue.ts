// kube's workqueue, for the controllers: a key is queued at most once, is
// never worked on by two workers at once (a key changed while in progress runs
// again after), and a failed key comes back after a per-key backoff
// (kube's ItemExponentialFailureRateLimiter: 5 ms doubling, here up to 30 s).
// Pure bookkeeping: the owning actor starts the work and reports its end.

import type { Clock } from '../../lib/clock.js';

const BASE_DELAY_MS = 5;
const MAX_DELAY_MS = 30_000;

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Set<unknown>();

  constructor(private readonly clock: Clock) {}

  add(key: string): void {
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
  }

  /** The next key to work on, if any is waiting and fewer than `workers` are busy. */
  take(workers: number): string | undefined {
    if (this.processing.size >= workers) return undefined;
    const key = this.queue.shift();
    if (key === undefined) return undefined;
    this.queued.delete(key);
    this.processing.add(key);
    return key;
  }

  /**
   * A worker finished `key`. On failure it comes back after its backoff; with `after` (kube's
   * AddAfter: the work is not finished, look again later) after that long. Both come back through `requeue`.
   */
  done(key: string, outcome: { failed: boolean; after?: number }, requeue: (key: string) => void): void {
    this.processing.delete(key);
    let delay: number | undefined = outcome.after;
    if (outcome.failed) {
      const count = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, count);
      delay = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (count - 1));
    } else {
      this.failures.delete(key);
    }
    if (delay !== undefined) {
      const timer = this.clock.setTimeout(() => {
        this.timers.delete(timer);
        requeue(key);
      }, delay);
      this.timers.add(timer);
    }
    if (this.dirty.delete(key)) this.add(key);
  }

  get idle(): boolean {
    return this.queue.length === 0 && this.processing.size === 0;
  }

  /** Cancels the pending retries (on stop or crash). */
  clear(): void {
    for (const timer of this.timers) this.clock.clearTimeout(timer);
    this.timers.clear();
  }
}

// A clock that moves only when a test says so. Every timer in kubeactor (xstate's
// delayed transitions, the shutdown delay and grace periods, request deadlines,
// watch timeouts, bookmarks) goes through the injected Clock, so a test can walk
// a whole shutdown sequence without sleeping.

import type { Clock } from '../lib/clock.js';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

export class SimulatedClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly timers = new Map<number, Timer>();

  /** Starts at `start` (default: the real time now, so timestamps look real). */
  constructor(start = Date.now()) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): number {
    const id = ++this.seq;
    this.timers.set(id, { at: this.time + Math.max(0, ms), seq: id, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Timers waiting to fire: a test can check nothing is left pending. */
  get pending(): number {
    return this.timers.size;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due, in time
   * order (then in the order they were set), including timers those set.
   */
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      let next: [number, Timer] | undefined;
      for (const entry of this.timers) {
        if (entry[1].at > until) continue;
        if (!next || entry[1].at < next[1].at || (entry[1].at === next[1].at && entry[1].seq < next[1].seq)) next = entry;
      }
      if (!next) break;
      this.timers.delete(next[0]);
      this.time = Math.max(this.time, next[1].at);
      next[1].fn();
    }
    this.time = until;
  }
}

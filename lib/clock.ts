// Time is injected everywhere, so tests can drive it (see harness/simulated-clock.ts).
// The shape extends xstate's Clock, so the same object also drives delayed transitions.

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  // Timers stay referenced: the shutdown sequence's delays must keep the process
  // alive after the socket closes. Every actor clears its timers when it stops.
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

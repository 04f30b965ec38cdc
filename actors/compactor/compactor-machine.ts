// The compactor: kube-apiserver's storage compaction (`--etcd-compaction-interval`),
// for the revision log. Every interval it compacts to the revision it noted at
// the previous tick, so at least one interval of history is always kept for
// watches and continue tokens; older ones get 410 Gone.
//
// Owns: the revision noted at the last tick, and its record of compactions.
// Receives: `actor.stop`.
// Sends: nothing. It works the log in bounded steps, yielding to the event
//   loop between them, so requests are served while it runs.
//
// States: Waiting → Compacting → Waiting …; Stopped.

import { assign, fromPromise, setup } from 'xstate';
import type { ActorCounters, ActorStop } from '../../protocol/messages/lifecycle.js';
import type { RevisionLog } from '../store/revision-log.js';
import type { Clock } from '../../lib/clock.js';
import type { Log } from '../../lib/log.js';

export interface CompactorInput {
  log: RevisionLog;
  intervalMs: number;
  clock: Clock;
  logger: Log;
}

export interface Compaction {
  revision: number;
  at: number;
  steps: number;
}

interface CompactorContext extends CompactorInput {
  /** The revision seen at the previous tick: the next compaction's target. */
  noted: number;
  last: Compaction | undefined;
  counters: ActorCounters;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export const compactorMachine = setup({
  types: {
    context: {} as CompactorContext,
    events: {} as ActorStop,
    input: {} as CompactorInput,
  },
  actors: {
    compact: fromPromise<Compaction, { log: RevisionLog; revision: number; clock: Clock }>(async ({ input, signal }) => {
      const { log, revision, clock } = input;
      await log.compact(revision);
      let steps = 0;
      while (!signal.aborted && log.compactStep()) {
        steps++;
        await nextTurn();
      }
      return { revision, at: clock.now(), steps };
    }),
  },
  delays: {
    interval: ({ context }) => context.intervalMs,
  },
  guards: {
    somethingToCompact: ({ context }) => context.noted > context.log.compactedRevision(),
  },
}).createMachine({
  id: 'compactor',
  context: ({ input }) => ({ ...input, noted: 0, last: undefined, counters: { handled: 0, errors: 0 } }),
  initial: 'Waiting',
  on: { 'actor.stop': '.Stopped' },
  states: {
    Waiting: {
      after: {
        interval: [
          { guard: 'somethingToCompact', target: 'Compacting' },
          { target: 'Waiting', reenter: true, actions: assign({ noted: ({ context }) => context.log.currentRevision() }) },
        ],
      },
    },
    Compacting: {
      invoke: {
        src: 'compact',
        input: ({ context }) => ({ log: context.log, revision: context.noted, clock: context.clock }),
        onDone: {
          target: 'Waiting',
          actions: [
            assign(({ context, event }) => ({ last: event.output, noted: context.log.currentRevision(), counters: { ...context.counters, handled: context.counters.handled + 1 } })),
            ({ context, event }) => context.logger.debug(`compacted to revision ${event.output.revision} in ${event.output.steps} steps`),
          ],
        },
        // A failed compaction is retried at the next tick; serving goes on meanwhile.
        onError: {
          target: 'Waiting',
          actions: [
            assign(({ context }) => ({ noted: context.log.currentRevision(), counters: { ...context.counters, errors: context.counters.errors + 1 } })),
            ({ context, event }) => context.logger.error('compaction failed', event.error),
          ],
        },
      },
    },
    Stopped: { type: 'final' },
  },
});

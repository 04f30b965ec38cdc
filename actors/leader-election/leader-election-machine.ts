// The leader-election actor: kube-controller-manager's --leader-elect. Of
// several kubeactor processes on one etcd, the one holding the Lease
// (kube-system/kube-controller-manager by default) runs the built-in
// controllers; the others wait as candidates and take over within the lease
// duration once it stops renewing.
//
// Owns: this process's identity (`<hostname>_<uuid>`) and what it last saw of
//   the Lease (./lease.ts).
// Receives: `actor.stop` (from the supervisor, at shutdown).
// Sends: Lease requests through its ClusterClient (as
//   system:kube-controller-manager); `leader.elected` and `leader.lost` to the
//   supervisor, which starts and stops the controllers.
// States (client-go's loops):
//   Candidate   tries to acquire at once, then every retry period with
//               client-go's jitter (Waiting between tries)
//   Leading     renews every retry period (Holding ⇄ Renewing); each renewal
//               starts a new Term; a Term that sees no renewal within the renew
//               deadline is lost → Candidate (kube exits the process; here the
//               controllers stop and the process stands again)
//   Releasing   at shutdown, a leader empties the Lease's holder so another
//               takes over at once
//   Stopped

import { assign, fromPromise, setup } from 'xstate';
import type { ActorStop } from '../../protocol/messages/lifecycle.js';
import type { Clock } from '../../lib/clock.js';
import type { Log } from '../../lib/log.js';
import { JITTER_FACTOR, release, tryAcquireOrRenew, type Attempt, type ElectionConfig, type LeaseClient, type Observation } from './lease.js';

export interface LeaderElected { type: 'leader.elected'; identity: string }
export interface LeaderLost { type: 'leader.lost'; identity: string }

export interface LeaderElectionInput {
  config: ElectionConfig;
  client: LeaseClient;
  /** Told when this process starts and stops leading. */
  parent: { send(message: LeaderElected | LeaderLost): void };
  clock: Clock;
  logger: Log;
  /** 0 ≤ r < 1, for the candidate's jitter (injected so specs can fix it). */
  random?: () => number;
}

interface LeaderElectionContext {
  input: LeaderElectionInput;
  observation: Observation | undefined;
}

type AttemptInput = { client: LeaseClient; config: ElectionConfig; observation: Observation | undefined; clock: Clock };

export const leaderElectionMachine = setup({
  types: {
    context: {} as LeaderElectionContext,
    events: {} as ActorStop,
    input: {} as LeaderElectionInput,
  },
  actors: {
    attempt: fromPromise<Attempt, AttemptInput>(({ input }) => tryAcquireOrRenew(input.client, input.config, input.observation, () => input.clock.now())),
    release: fromPromise<boolean, AttemptInput>(({ input }) => (input.observation ? release(input.client, input.config, input.observation, () => input.clock.now()) : Promise.resolve(true))),
  },
  actions: {
    observe: assign({ observation: ({ context, event }) => (event as unknown as { output: Attempt }).output.observation ?? context.observation }),
    elected: ({ context }) => {
      context.input.logger.info(`successfully acquired lease ${context.input.config.namespace}/${context.input.config.name} as ${context.input.config.identity}`);
      context.input.parent.send({ type: 'leader.elected', identity: context.input.config.identity });
    },
    lost: ({ context }) => {
      context.input.logger.warn(`leaderelection lost: ${context.input.config.identity} did not renew lease ${context.input.config.namespace}/${context.input.config.name} within the renew deadline`);
      context.input.parent.send({ type: 'leader.lost', identity: context.input.config.identity });
    },
    failedAttempt: ({ context, event }) => context.input.logger.debug(`error retrieving resource lock ${context.input.config.namespace}/${context.input.config.name}: ${String((event as unknown as { error: unknown }).error)}`),
  },
  guards: {
    leading: ({ event }) => (event as unknown as { output: Attempt }).output.leading,
  },
  delays: {
    retryPeriod: ({ context }) => context.input.config.retryPeriodMs,
    jitteredRetryPeriod: ({ context }) => context.input.config.retryPeriodMs * (1 + JITTER_FACTOR * (context.input.random ?? Math.random)()),
    renewDeadline: ({ context }) => context.input.config.renewDeadlineMs,
    releaseTimeout: ({ context }) => context.input.config.retryPeriodMs,
  },
}).createMachine({
  id: 'leader-election',
  context: ({ input }) => ({ input, observation: undefined }),
  initial: 'Candidate',
  states: {
    Candidate: {
      initial: 'Acquiring',
      states: {
        Acquiring: {
          invoke: {
            src: 'attempt',
            input: ({ context }) => ({ client: context.input.client, config: context.input.config, observation: context.observation, clock: context.input.clock }),
            onDone: [{ guard: 'leading', target: '#leader-election.Leading', actions: ['observe', 'elected'] }, { target: 'Waiting', actions: 'observe' }],
            onError: { target: 'Waiting', actions: 'failedAttempt' },
          },
        },
        Waiting: { after: { jitteredRetryPeriod: 'Acquiring' } },
      },
      on: { 'actor.stop': 'Stopped' },
    },
    Leading: {
      initial: 'Term',
      states: {
        Term: {
          after: { renewDeadline: { target: '#leader-election.Candidate', actions: 'lost' } },
          initial: 'Holding',
          states: {
            Holding: { after: { retryPeriod: 'Renewing' } },
            Renewing: {
              invoke: {
                src: 'attempt',
                input: ({ context }) => ({ client: context.input.client, config: context.input.config, observation: context.observation, clock: context.input.clock }),
                onDone: [
                  { guard: 'leading', target: '#leader-election.Leading.Term', reenter: true, actions: 'observe' },
                  { target: 'Holding', actions: 'observe' },
                ],
                onError: { target: 'Holding', actions: 'failedAttempt' },
              },
            },
          },
        },
      },
      on: { 'actor.stop': 'Releasing' },
    },
    Releasing: {
      invoke: {
        src: 'release',
        input: ({ context }) => ({ client: context.input.client, config: context.input.config, observation: context.observation, clock: context.input.clock }),
        onDone: 'Stopped',
        onError: 'Stopped',
      },
      after: { releaseTimeout: 'Stopped' },
    },
    Stopped: { type: 'final' },
  },
});

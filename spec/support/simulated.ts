// A whole kubeactor in this process on a simulated clock, for lifecycle specs.

import { SimulatedClock, startServer, type Outcome, type RunningServer, type StartOptions } from '../../harness/start-server.js';
import { rmSync } from 'node:fs';
import { tempDir } from './temp.js';
import { transportFromEnvironment } from './server.js';

export interface Simulated {
  server: RunningServer;
  clock: SimulatedClock;
  dataDir: string;
}

export async function simulated(options: Partial<StartOptions> = {}): Promise<Simulated> {
  const clock = new SimulatedClock();
  const dataDir = options.dataDir ?? tempDir('simulated');
  const server = await startServer({ securePort: 0, quiet: true, dataDir, clock, ...transportFromEnvironment(), ...options });
  return { server, clock, dataDir };
}

/** From a started drain to the end, with no watch grace period: on a simulated clock even a zero wait needs a tick. */
export async function finishDrain(server: RunningServer, clock: SimulatedClock): Promise<Outcome> {
  await server.reached('InFlightRequestsDrained');
  clock.advance(0);
  return server.done;
}

/** A simulated server for one spec: stopped through the termination states and removed however the spec ends. */
export async function withSimulated(options: Partial<StartOptions>, spec: (s: Simulated) => Promise<void>): Promise<void> {
  const s = await simulated(options);
  try {
    await spec(s);
  } finally {
    if (s.server.actor.getSnapshot().status === 'active') {
      s.server.signal('SIGTERM');
      s.clock.advance(0);
      await finishDrain(s.server, s.clock);
    }
    rmSync(s.dataDir, { recursive: true, force: true });
  }
}

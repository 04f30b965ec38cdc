// Starts a whole kubeactor in this process: what `bin/kubeactor` runs, and
// what tests use to get a real server on a random port with a temporary
// data directory.

import { createActor, type Actor } from 'xstate';
import { supervisorMachine } from '../actors/supervisor/supervisor-machine.js';
import { DEFAULT_OPTIONS, type ServerRunOptions } from '../actors/supervisor/options.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { createRootLog, silentLog, type Log } from '../lib/log.js';
import { credentialsOf, ServerClient, settle, type HeldRequest } from './client.js';

export { SimulatedClock } from './simulated-clock.js';
export { ServerClient, credentialsOf, settle, type HeldRequest, type OpenWatch, type Reply, type WatchEvent } from './client.js';

export interface StartOptions extends Partial<ServerRunOptions> {
  clock?: Clock;
  logger?: Log;
  /** Logs nothing; the default for tests. */
  quiet?: boolean;
  /** false serves no /metrics and counts nothing: what the bench compares /metrics' cost against. */
  metrics?: boolean;
}

export interface Outcome {
  state: 'Stopped' | 'Failed';
  error: string | undefined;
  /** Option errors, one line each, when Complete()/Validate() refused the options. */
  optionErrors: string[];
}

export interface RunningServer {
  actor: Actor<typeof supervisorMachine>;
  port: number;
  dataDir: string;
  kubeconfigPath: string;
  caFile: string;
  /** Delivers a signal, as bin/ does on SIGTERM. */
  signal(name?: string): void;
  /** Resolves when the supervisor reaches a final state. */
  done: Promise<Outcome>;
  /** signal() and wait for done. */
  stop(): Promise<Outcome>;
  /** An HTTPS client with the admin credentials. */
  client: ServerClient;
  /** The supervisor's phases so far, in order (RegisteringResources … Stopped). */
  phases(): string[];
  /** Resolves once the supervisor has entered `phase`. */
  reached(phase: string): Promise<void>;
  /** Non-long-running requests the listener holds right now (what the drain waits for). */
  inFlight(): number;
  /** Starts a request and holds it in flight (half its body sent) until release(); resolves once the listener counts it. */
  holdRequest(method: string, path: string, body: unknown): Promise<HeldRequest>;
  /** Akka's Kill for one child (e.g. 'store/configmaps'): it crashes, and supervision takes over. */
  kill(id: string): void;
}

export class StartupError extends Error {
  constructor(readonly outcome: Outcome) {
    super(outcome.error ?? 'startup failed');
  }
}

export function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const { clock = systemClock, quiet, logger: given, metrics, ...flags } = options;
  const logger = given ?? (quiet ? silentLog() : createRootLog());
  const actor = createActor(supervisorMachine, {
    input: { options: { ...DEFAULT_OPTIONS, ...flags }, clock, logger, metrics: metrics !== false },
    clock: clock as never,
  });
  const done = new Promise<Outcome>((resolve) => {
    actor.subscribe({
      complete: () => {
        const snapshot = actor.getSnapshot();
        resolve({ state: snapshot.value === 'Failed' ? 'Failed' : 'Stopped', error: snapshot.context.error, optionErrors: snapshot.context.optionErrors });
      },
      error: (error) => resolve({ state: 'Failed', error: error instanceof Error ? error.stack ?? error.message : String(error), optionErrors: [] }),
    });
  });
  const signal = (name = 'SIGTERM'): void => actor.send({ type: 'shutdown.signal', signal: name });
  return new Promise((resolve, reject) => {
    const subscription = actor.subscribe((snapshot) => {
      if (snapshot.value !== 'Ready') return;
      subscription.unsubscribe();
      const files = snapshot.context.files!;
      // Built on first use: reading the kubeconfig loads the YAML parser, which a bare start never needs.
      let client: ServerClient | undefined;
      const clientOf = (): ServerClient => (client ??= new ServerClient(credentialsOf(files.kubeconfigPath)));
      const phases = (): string[] => actor.getSnapshot().context.runtime.phases.map((p) => p.phase);
      const inFlight = (): number => {
        const listener = actor.getSnapshot().context.runtime.listener?.ref?.getSnapshot() as { context?: { frontend?: { nonLongRunningInFlight: number } } } | undefined;
        return listener?.context?.frontend?.nonLongRunningInFlight ?? 0;
      };
      resolve({
        get client() {
          return clientOf();
        },
        phases,
        reached: (phase) => settle(() => phases().includes(phase), `phase ${phase}`),
        inFlight,
        async holdRequest(method, path, body) {
          const before = inFlight();
          const held = clientOf().startHeld(method, path, body);
          await settle(() => inFlight() > before, `${method} ${path} to be in flight`);
          return held;
        },
        kill: (id) => actor.send({ type: 'supervision.kill', id }),
        actor,
        port: snapshot.context.runtime.port,
        dataDir: files.dataDir,
        kubeconfigPath: files.kubeconfigPath,
        caFile: files.caFile,
        signal,
        done,
        stop: () => {
          signal();
          return done;
        },
      });
    });
    void done.then((outcome) => reject(new StartupError(outcome)));
    actor.start();
  });
}

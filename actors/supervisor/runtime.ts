// What the supervisor keeps while it runs: its context, and the mutable record of the children it
// started (Runtime). Shared by the supervisor's machine and the files that start and serve for it
// (children/, controllers.ts, own-paths.ts); no behaviour here.

import type { ActorCounters } from '../../protocol/messages/lifecycle.js';
import type { Clock } from '../../lib/clock.js';
import type { Log } from '../../lib/log.js';
import type { ServerMetrics } from '../../lib/metrics.js';
import type { Scheme } from '../../scheme/scheme.js';
import type { RevisionLog } from '../store/revision-log.js';
import { storeKey } from './custom-resources.js';
import type { Shared } from './child-spec.js';
import type { TransitionJournal } from './inspect.js';
import type { CompletedOptions, ServerRunOptions } from './options.js';
import type { RuntimeFiles } from './runtime-files.js';
import type { ChildSlot } from './supervision.js';

/** The supervisor's own mutable record of what it started, in start order. */
export interface Runtime {
  log: RevisionLog | undefined;
  /** Every long-lived child, in start order. */
  children: ChildSlot[];
  stores: Map<string, ChildSlot>;
  listener: ChildSlot | undefined;
  /** Where authn hands an authenticated request: audit when on, else authz. Controllers' requests enter here. */
  chain: ChildSlot | undefined;
  crashes: number;
  hooksDone: Set<string>;
  hookNames: string[];
  preShutdownHooksDone: boolean;
  port: number;
  startedAt: number;
  phases: { phase: string; at: number }[];
  journal: TransitionJournal;
  /** /metrics: the listener counts requests into it; the rest is read from the actors at scrape time. Absent when turned off. */
  metrics: ServerMetrics | undefined;
  /**
   * What the server chain's children share, built in BuildingServerChain (child-spec.ts): the custom
   * resources served now, the proxy's HTTPS client (shared by the aggregator's discovery fetches and
   * the availability checks), the remote routes and the webhook client.
   */
  shared: Shared | undefined;
  /** The controllers being stopped after a lost election: a new term starts them once they are gone. */
  controllersStopping: Promise<void> | undefined;
}

export interface SupervisorContext {
  raw: ServerRunOptions;
  clock: Clock;
  logger: Log;
  scheme: Scheme | undefined;
  options: CompletedOptions | undefined;
  files: RuntimeFiles | undefined;
  runtime: Runtime;
  counters: ActorCounters;
  error: string | undefined;
  optionErrors: string[];
}

/** A store child by resource, as the request path and the controllers look them up. */
export const storeOf = (runtime: Runtime) => (plural: string, group: string): ChildSlot | undefined => runtime.stores.get(storeKey(plural, group));

/** The address the kubernetes Service's endpoints name: the bind address, or loopback when it binds every interface. */
export const endpointIpOf = (options: CompletedOptions): string =>
  options.raw.bindAddress === '0.0.0.0' || options.raw.bindAddress === '' ? '127.0.0.1' : options.raw.bindAddress;

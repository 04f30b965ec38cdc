// What every built-in controller is given, and how each is declared.
//
// A controller is an actor under the supervisor (started from CONTROLLERS in
// ./index.ts, chosen with kube-controller-manager's --controllers). It learns
// through store subscriptions and writes through the handler chain as its own
// service account (ClusterClient), so audit, RBAC and admission see it as
// they see any client.

import type { AnyStateMachine } from 'xstate';
import type { AuthorizeRequest, RequestHandler } from '../../protocol/messages/request.js';
import type { StoreSubscribe, StoreUnsubscribe } from '../../protocol/messages/store.js';
import type { UserInfo } from '../../protocol/kube/meta.js';
import type { Scheme } from '../../scheme/scheme.js';
import type { Clock } from '../../lib/clock.js';
import type { Log } from '../../lib/log.js';
import type { ClusterClient } from '../../lib/loopback.js';
import type { ServiceAccountKey } from '../authn/service-account-tokens.js';
import { PERMANENT, type RestartPolicy } from '../supervisor/supervision.js';

/**
 * A controller in a crash loop never takes the server down (kube-controller-manager's
 * controllers are not the API server's): restarted after 100 ms, doubling per recent crash
 * up to 30 s, however often it crashes.
 */
export const CONTROLLER_RESTART_POLICY: RestartPolicy = { ...PERMANENT, maxRestarts: Number.POSITIVE_INFINITY, backoff: { initialMs: 100, maxMs: 30_000 } };

/** A store as a controller holds it: it can be subscribed to (and asked directly, for reads). */
export type StoreRef = RequestHandler & { send(message: StoreSubscribe | StoreUnsubscribe): void };

export interface ControllerInput {
  /** kube-controller-manager's name for it (`garbage-collector-controller`). */
  name: string;
  scheme: Scheme;
  /** The store serving a resource, if the scheme has it. */
  store(plural: string, group: string): StoreRef | undefined;
  /** Requests as this controller's user, through audit, authz and admission. */
  client: ClusterClient;
  /** The cluster CA, PEM (--client-ca-file's role here: the data directory's CA). */
  caPem: string;
  /** The CA csrsigning signs with (--cluster-signing-cert-file, --cluster-signing-key-file) and its longest certificate. */
  clusterSigning: { certFile: string; keyFile: string; durationMs: number };
  /** Signs legacy service account tokens (the serviceaccount-token controller). */
  serviceAccountKey: ServiceAccountKey;
  clock: Clock;
  logger: Log;
}

export interface ControllerDescriptor {
  /** The canonical name (kube 1.28+): `garbage-collector-controller`. */
  name: string;
  /** Older names --controllers still accepts: `garbagecollector`. */
  aliases: readonly string[];
  /** Who it acts as. */
  user: UserInfo;
  machine: AnyStateMachine;
  /** kube's ControllersDisabledByDefault (bootstrapsigner, tokencleaner): `*` leaves it off; only its name turns it on. */
  disabledByDefault?: boolean;
  /** What it releases when it crashes (timers): OTP's terminate. */
  terminate?: (context: never) => void;
}

/** What authn hands an authenticated request to: the entry of the rest of the chain. */
export type Chain = { send(message: AuthorizeRequest): void };

// kube's leader election over a coordination.k8s.io Lease (client-go's
// leaderelection with a LeaseLock), as pure steps over a client: one attempt
// to acquire or renew, and the release.
//
// A candidate reads the Lease. Absent, it creates it and leads. Held by
// another, it leads only once the record has not changed for the lease's
// duration, by its own clock: the time it last saw the record change, not the
// renewTime written in it, so clocks that disagree between servers do not
// matter. Taking over (or renewing) is an update naming the resourceVersion it
// read: the store's compare-and-swap lets one candidate win; the others get a
// 409. A change of holder counts in leaseTransitions.

import type { HttpResponse } from '../../protocol/messages/http.js';
import type { RequestOptions, Where } from '../../lib/loopback.js';
import type { Verb } from '../../protocol/messages/request.js';

export interface ElectionConfig {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

/** What leader election asks of the cluster (a ClusterClient as kube-controller-manager). */
export interface LeaseClient {
  request(verb: Verb, where: Where, options?: RequestOptions): Promise<HttpResponse>;
}

/** client-go's LeaderElectionRecord, as a Lease's spec holds it. */
export interface LeaseRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions: number;
}

/** The record last seen, its resourceVersion, and when (this server's clock) it was last seen to change. */
export interface Observation {
  record: LeaseRecord;
  resourceVersion: string;
  observedAt: number;
}

export interface Attempt {
  leading: boolean;
  observation?: Observation;
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
export const microTime = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

const body = (response: HttpResponse): string => (typeof response.body === 'string' ? response.body : Buffer.from(response.body).toString('utf8'));

function recordOf(spec: Record<string, unknown> | undefined): LeaseRecord {
  return {
    holderIdentity: typeof spec?.holderIdentity === 'string' ? spec.holderIdentity : '',
    leaseDurationSeconds: typeof spec?.leaseDurationSeconds === 'number' ? spec.leaseDurationSeconds : 0,
    ...(typeof spec?.acquireTime === 'string' ? { acquireTime: spec.acquireTime } : {}),
    ...(typeof spec?.renewTime === 'string' ? { renewTime: spec.renewTime } : {}),
    leaseTransitions: typeof spec?.leaseTransitions === 'number' ? spec.leaseTransitions : 0,
  };
}

const leaseObject = (config: ElectionConfig, record: LeaseRecord, resourceVersion?: string) => ({
  apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
  metadata: { name: config.name, namespace: config.namespace, ...(resourceVersion ? { resourceVersion } : {}) },
  spec: record,
});

const where = (config: ElectionConfig, named: boolean): Where => ({ apiGroup: 'coordination.k8s.io', namespace: config.namespace, resource: 'leases', ...(named ? { name: config.name } : {}) });

class LeaseRequestFailed extends Error {}
const failed = (what: string, response: HttpResponse): never => {
  throw new LeaseRequestFailed(`${what}: ${response.status} ${body(response).slice(0, 200)}`);
};

/** client-go's tryAcquireOrRenew: one attempt. A failed request rejects; losing the race is `leading: false`. */
export async function tryAcquireOrRenew(client: LeaseClient, config: ElectionConfig, observed: Observation | undefined, now: () => number): Promise<Attempt> {
  const fresh = (t: number): LeaseRecord => ({
    holderIdentity: config.identity, leaseDurationSeconds: Math.round(config.leaseDurationMs / 1000), acquireTime: microTime(t), renewTime: microTime(t), leaseTransitions: 0,
  });
  const got = await client.request('get', where(config, true));
  if (got.status === 404) {
    const t = now();
    const record = fresh(t);
    const created = await client.request('create', where(config, false), { body: leaseObject(config, record) });
    if (created.status === 409) return { leading: false, ...(observed ? { observation: observed } : {}) };
    if (created.status !== 201) failed('creating the lease', created);
    const rv = (JSON.parse(body(created)) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    return { leading: true, observation: { record, resourceVersion: rv, observedAt: t } };
  }
  if (got.status !== 200) failed('reading the lease', got);
  const lease = JSON.parse(body(got)) as { metadata: { resourceVersion: string }; spec?: Record<string, unknown> };
  const record = recordOf(lease.spec);
  const t = now();
  const changed = !observed || JSON.stringify(observed.record) !== JSON.stringify(record);
  const observation: Observation = { record, resourceVersion: lease.metadata.resourceVersion, observedAt: changed ? t : observed.observedAt };
  const mine = record.holderIdentity === config.identity;
  if (record.holderIdentity !== '' && !mine && observation.observedAt + record.leaseDurationSeconds * 1000 > t) return { leading: false, observation };
  const next: LeaseRecord = mine
    ? { ...fresh(t), ...(record.acquireTime ? { acquireTime: record.acquireTime } : {}), leaseTransitions: record.leaseTransitions }
    : { ...fresh(t), leaseTransitions: record.leaseTransitions + 1 };
  const updated = await client.request('update', where(config, true), { body: leaseObject(config, next, lease.metadata.resourceVersion) });
  if (updated.status === 409) return { leading: false, observation };
  if (updated.status !== 200) failed('updating the lease', updated);
  const rv = (JSON.parse(body(updated)) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  return { leading: true, observation: { record: next, resourceVersion: rv, observedAt: t } };
}

/** client-go's release: the leader empties the holder and shortens the lease to 1 s, so another takes over at once. */
export async function release(client: LeaseClient, config: ElectionConfig, observed: Observation, now: () => number): Promise<boolean> {
  if (observed.record.holderIdentity !== config.identity) return true;
  const t = microTime(now());
  const record: LeaseRecord = { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: t, renewTime: t, leaseTransitions: observed.record.leaseTransitions };
  const updated = await client.request('update', where(config, true), { body: leaseObject(config, record, observed.resourceVersion) });
  return updated.status === 200;
}

/** client-go's NewLeaderElector checks, in its words. */
export function electionConfigErrors(leaseDurationMs: number, renewDeadlineMs: number, retryPeriodMs: number): string[] {
  const errors: string[] = [];
  if (leaseDurationMs <= renewDeadlineMs) errors.push('leaseDuration must be greater than renewDeadline');
  if (renewDeadlineMs <= JITTER_FACTOR * retryPeriodMs) errors.push('renewDeadline must be greater than retryPeriod*JitterFactor');
  if (leaseDurationMs < 1) errors.push('leaseDuration must be greater than zero');
  if (renewDeadlineMs < 1) errors.push('renewDeadline must be greater than zero');
  if (retryPeriodMs < 1) errors.push('retryPeriod must be greater than zero');
  return errors;
}

/** client-go's JitterFactor: a candidate waits between one and 2.2 retry periods. */
export const JITTER_FACTOR = 1.2;

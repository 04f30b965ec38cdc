// When the time-driven controllers act: a Job's time left after it finished,
// and a bootstrap token's expiration and fitness to sign, as kube reads them.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../protocol/kube/meta.js';
import { timeLeft } from '../../actors/controllers/ttl-after-finished/ttl-after-finished-controller.js';
import { expiration, signingToken } from '../../actors/controllers/bootstrap-tokens.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

const job = (ttl: number | undefined, conditions: { type: string; status: string; lastTransitionTime?: string }[], deleting = false): KubeObject => ({
  apiVersion: 'batch/v1', kind: 'Job',
  metadata: { name: 'j', namespace: 'default', ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  spec: ttl === undefined ? {} : { ttlSecondsAfterFinished: ttl },
  status: { conditions },
});

describe('a Job\'s time left', () => {
  const complete = (at: string) => [{ type: 'Complete', status: 'True', lastTransitionTime: at }];
  const cases: { name: string; job: KubeObject; left: number | undefined }[] = [
    { name: 'no TTL: never cleaned up', job: job(undefined, complete('2026-01-01T00:00:00Z')), left: undefined },
    { name: 'not finished', job: job(10, [{ type: 'Suspended', status: 'True', lastTransitionTime: '2025-12-31T00:00:00Z' }]), left: undefined },
    { name: 'a condition not True does not count', job: job(10, [{ type: 'Failed', status: 'False', lastTransitionTime: '2025-12-31T00:00:00Z' }]), left: undefined },
    { name: 'finished 4 s ago with a 10 s TTL', job: job(10, complete('2025-12-31T23:59:56Z')), left: 6000 },
    { name: 'failed long ago', job: job(10, [{ type: 'Failed', status: 'True', lastTransitionTime: '2025-12-31T00:00:00Z' }]), left: -86_390_000 },
    { name: 'already being deleted', job: job(0, complete('2025-12-31T00:00:00Z'), true), left: undefined },
  ];
  for (const c of cases) it(c.name, () => assert.equal(timeLeft(c.job, NOW), c.left));
  it('a finished condition without a time is an error, retried', () => {
    assert.throws(() => timeLeft(job(1, [{ type: 'Complete', status: 'True' }]), NOW), /unable to find the time when the Job default\/j finished/);
  });
});

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const token = (name: string, data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1', kind: 'Secret', type: 'bootstrap.kubernetes.io/token', metadata: { name, namespace: 'kube-system' },
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
});

describe('a bootstrap token', () => {
  it('without an expiration never expires', () => assert.deepEqual(expiration(token('bootstrap-token-abcdef', {}), NOW), { expired: false }));
  it('expires at its expiration', () => {
    assert.deepEqual(expiration(token('t', { expiration: '2026-01-01T00:00:10Z' }), NOW), { expired: false, leftMs: 10_000 });
    assert.deepEqual(expiration(token('t', { expiration: '2026-01-01T00:00:00Z' }), NOW), { expired: true });
    assert.deepEqual(expiration(token('t', { expiration: '2026-01-01T01:00:00+02:00' }), NOW), { expired: true });
  });
  it('with an expiration that does not parse counts as expired', () => assert.deepEqual(expiration(token('t', { expiration: 'soon' }), NOW), { expired: true }));
  it('signs only when named for its id, holding a secret, and allowed to', () => {
    const good = { 'token-id': 'abcdef', 'token-secret': 's3cr3t', 'usage-bootstrap-signing': 'true' };
    assert.deepEqual(signingToken(token('bootstrap-token-abcdef', good), NOW), { id: 'abcdef', secret: 's3cr3t' });
    assert.equal(signingToken(token('bootstrap-token-abcdeg', good), NOW), undefined);
    assert.equal(signingToken(token('bootstrap-token-abcdef', { ...good, 'usage-bootstrap-signing': 'false' }), NOW), undefined);
    assert.equal(signingToken(token('bootstrap-token-abcdef', { ...good, 'token-secret': '' }), NOW), undefined);
    assert.equal(signingToken(token('bootstrap-token-abcdef', { ...good, expiration: '2025-01-01T00:00:00Z' }), NOW), undefined);
  });
});

// /livez, /readyz and /healthz output, as kube renders it.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderHealth, type HealthCheck } from '../../actors/supervisor/health.js';

const checks: HealthCheck[] = [
  { name: 'ping', check: () => undefined },
  { name: 'shutdown', check: () => 'process is shutting down' },
];

describe('health endpoints', () => {
  it('lists each check with ?verbose and fails when one fails', () => {
    assert.deepEqual(renderHealth('readyz', '/readyz', { verbose: '' }, [], checks), {
      status: 500,
      body: '[+]ping ok\n[-]shutdown failed: reason withheld\nreadyz check failed\n',
    });
  });
  it('passes when the failing check is excluded', () => {
    assert.deepEqual(renderHealth('readyz', '/readyz', { verbose: '' }, ['shutdown'], checks), {
      status: 200,
      body: '[+]ping ok\n[+]shutdown excluded: ok\nreadyz check passed\n',
    });
  });
  it('answers a single check by path, and nothing for an unknown one', () => {
    assert.deepEqual(renderHealth('livez', '/livez/ping', {}, [], checks), { status: 200, body: 'ok' });
    assert.equal(renderHealth('livez', '/livez/nope', {}, [], checks), undefined);
  });
});

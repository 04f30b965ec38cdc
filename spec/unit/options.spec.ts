// Complete() then Validate(): kube-apiserver's options, with one clear line per problem.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { completeAndValidate, DEFAULT_OPTIONS, firstServiceIp, parseDuration } from '../../actors/supervisor/options.js';

describe('server options', () => {
  it('completes the defaults', () => {
    const result = completeAndValidate(DEFAULT_OPTIONS);
    assert.ok('options' in result);
    assert.deepEqual(result.options.authorizationModes, ['RBAC']);
    assert.equal(result.options.requestTimeoutMs, 60_000);
    assert.equal(result.options.kubernetesServiceIp, '10.0.0.1');
  });
  it('reports every invalid option', () => {
    const result = completeAndValidate({ ...DEFAULT_OPTIONS, securePort: 70000, authorizationMode: ['Magic'], shutdownDelayDuration: 'soon' });
    assert.ok('errors' in result);
    assert.equal(result.errors.length, 3);
    assert.match(result.errors[0]!, /^--secure-port 70000 must be between 0 and 65535/);
    assert.match(result.errors[1]!, /^--authorization-mode "Magic" is not a valid mode/);
    assert.match(result.errors[2]!, /^--shutdown-delay-duration "soon" is not a valid duration/);
  });
  it('parses Go durations', () => {
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('0'), 0);
    assert.equal(parseDuration('5 s'), undefined);
  });
  it('takes the kubernetes Service IP from the first address of the service range', () => {
    assert.equal(firstServiceIp('10.96.0.0/12'), '10.96.0.1');
    assert.equal(firstServiceIp('not-a-cidr'), undefined);
  });
});

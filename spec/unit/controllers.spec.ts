// The pure parts of the built-in controllers: kube-controller-manager's
// --controllers rule, kube's workqueue, the API server's choice of GC
// finalizer on DELETE.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CONTROLLERS, isControllerEnabled, unknownControllers } from '../../actors/controllers/index.js';
import { WorkQueue } from '../../actors/controllers/workqueue.js';
import { deletionFinalizers, propagationOf } from '../../actors/store/propagation.js';
import { SimulatedClock } from '../../harness/simulated-clock.js';
import { configMap } from '../../scheme/kinds/configmap.js';
import { event } from '../../scheme/kinds/event.js';
import type { KubeObject } from '../../protocol/kube/meta.js';

const named = (name: string) => CONTROLLERS.find((c) => c.name === name)!;

describe('--controllers', () => {
  it('enables all with *, by name or alias, and the first entry naming a controller decides', () => {
    const gc = named('garbage-collector-controller');
    assert.equal(isControllerEnabled(gc, ['*']), true);
    assert.equal(isControllerEnabled(gc, ['*', '-garbagecollector']), false);
    assert.equal(isControllerEnabled(gc, ['-garbage-collector-controller', '*']), false);
    assert.equal(isControllerEnabled(gc, ['garbagecollector', '-garbagecollector']), true);
    // Without *, only what is named runs.
    assert.equal(isControllerEnabled(gc, ['serviceaccount']), false);
    assert.equal(isControllerEnabled(named('serviceaccount-controller'), ['serviceaccount']), true);
    assert.equal(isControllerEnabled(gc, []), false);
  });

  it('leaves bootstrapsigner and tokencleaner off under *, as kube does, and runs them when named', () => {
    for (const name of ['bootstrap-signer-controller', 'token-cleaner-controller']) {
      const controller = named(name);
      assert.equal(isControllerEnabled(controller, ['*']), false, name);
      assert.equal(isControllerEnabled(controller, ['*', controller.aliases[0]!]), true, name);
      assert.equal(isControllerEnabled(controller, [name]), true, name);
    }
  });

  it('refuses names it does not know, as kube words it', () => {
    assert.deepEqual(unknownControllers(['*', '-garbagecollector', 'namespace-controller']), []);
    assert.deepEqual(unknownControllers(['*', '-nope', 'nodeipam']), ['"nope" is not in the list of known controllers', '"nodeipam" is not in the list of known controllers']);
  });
});

describe('the workqueue', () => {
  it('queues a key once, never hands it to two workers, and runs it again when it changed meanwhile', () => {
    const q = new WorkQueue(new SimulatedClock());
    q.add('a');
    q.add('a');
    q.add('b');
    assert.equal(q.take(1), 'a');
    assert.equal(q.take(1), undefined, 'one worker busy');
    q.add('a');
    assert.equal(q.take(2), 'b');
    q.done('b', { failed: false }, () => assert.fail());
    q.done('a', { failed: false }, () => assert.fail());
    assert.equal(q.take(2), 'a', 'dirty while in progress: queued again');
    q.done('a', { failed: false }, () => assert.fail());
    assert.ok(q.idle);
  });

  it('brings a failed key back after a backoff that doubles per failure, and a look-again after its delay', () => {
    const clock = new SimulatedClock();
    const q = new WorkQueue(clock);
    const back: string[] = [];
    for (const wait of [5, 10, 20]) {
      q.add('k');
      q.done(q.take(1)!, { failed: true }, (key) => back.push(key));
      clock.advance(wait - 1);
      assert.equal(back.length, [5, 10, 20].indexOf(wait));
      clock.advance(1);
    }
    assert.deepEqual(back, ['k', 'k', 'k']);
    q.add('n');
    q.done(q.take(1)!, { failed: false, after: 1000 }, (key) => back.push(key));
    clock.advance(999);
    assert.equal(back.length, 3);
    clock.advance(1);
    assert.equal(back.at(-1), 'n');
  });
});

describe('the API server\'s half of cascading deletion', () => {
  const object = (finalizers?: string[]): KubeObject => ({ metadata: { name: 'x', ...(finalizers ? { finalizers } : {}) } });

  it('sets orphan or foregroundDeletion as the request asks, replacing the other, and leaves Background alone', () => {
    assert.deepEqual(deletionFinalizers(configMap, object(), { propagationPolicy: 'Orphan' }), ['orphan']);
    assert.deepEqual(deletionFinalizers(configMap, object(['a']), { propagationPolicy: 'Foreground' }), ['a', 'foregroundDeletion']);
    assert.deepEqual(deletionFinalizers(configMap, object(['orphan']), { propagationPolicy: 'Foreground' }), ['foregroundDeletion']);
    assert.deepEqual(deletionFinalizers(configMap, object(['orphan']), { propagationPolicy: 'Background' }), []);
    assert.equal(deletionFinalizers(configMap, object(), {}), undefined);
    assert.equal(deletionFinalizers(configMap, object(['foregroundDeletion']), {}), undefined, 'a finalizer already there decides');
    assert.deepEqual(deletionFinalizers(configMap, object(), { orphanDependents: true }), ['orphan']);
  });

  it('takes no part for a kind kube marks Unsupported (Events)', () => {
    assert.equal(deletionFinalizers(event, object(), { propagationPolicy: 'Orphan' }), undefined);
  });

  it('reads the policy from the query when the body has none', () => {
    assert.deepEqual(propagationOf({}, { propagationPolicy: 'Orphan' }), { propagationPolicy: 'Orphan' });
    assert.deepEqual(propagationOf({ propagationPolicy: 'Foreground' }, { propagationPolicy: 'Orphan' }), { propagationPolicy: 'Foreground' });
    assert.deepEqual(propagationOf({}, { orphanDependents: 'true' }), { orphanDependents: true });
  });
});


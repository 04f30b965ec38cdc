// kube-apiserver's graceful termination, walked state by state on a simulated
// clock: nothing here sleeps; time moves only when a spec advances it.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { settle, startServer, type RunningServer } from '../../harness/start-server.js';
import { finishDrain, simulated } from '../support/simulated.js';

const SHUTDOWN = ['Ready', 'ShutdownInitiated', 'AfterShutdownDelayDuration', 'NotAcceptingNewRequest', 'InFlightRequestsDrained', 'HTTPServerStoppedListening', 'Stopped'];

const afterReady = (server: RunningServer): string[] => server.phases().slice(server.phases().indexOf('Ready'));

function configMap(name: string): object {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { key: 'x'.repeat(200) } };
}

const refused = (promise: Promise<unknown>): Promise<void> => assert.rejects(promise, /ECONNREFUSED|ECONNRESET|socket hang up/);

describe('graceful termination', () => {
  it('with no delay, walks ShutdownInitiated → AfterShutdownDelayDuration → NotAcceptingNewRequest → InFlightRequestsDrained → HTTPServerStoppedListening → Stopped', async () => {
    const { server, clock, dataDir } = await simulated();
    server.signal('SIGTERM');
    await server.reached('ShutdownInitiated');
    clock.advance(0);
    const outcome = await finishDrain(server, clock);
    assert.equal(outcome.state, 'Stopped');
    assert.deepEqual(afterReady(server), SHUTDOWN);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves normally through --shutdown-delay-duration, failing only /readyz, then stops accepting connections', async () => {
    const { server, clock, dataDir } = await simulated({ shutdownDelayDuration: '10s' });
    server.signal('SIGTERM');
    await server.reached('ShutdownInitiated');

    const readyz = await server.client.request('GET', '/readyz?verbose');
    assert.equal(readyz.status, 500);
    assert.match(readyz.body, /\[-\]shutdown failed/);
    assert.equal((await server.client.request('GET', '/livez')).status, 200);
    assert.equal((await server.client.request('POST', '/api/v1/namespaces/default/configmaps', configMap('during-delay'))).status, 201);
    // The bootstrap-controller pre-shutdown hook has taken this server out of the `kubernetes` Endpoints.
    await settle(async () => {
      const endpoints = JSON.parse((await server.client.request('GET', '/api/v1/namespaces/default/endpoints/kubernetes')).body);
      return endpoints.subsets.length === 0;
    }, 'the pre-shutdown hook');

    clock.advance(9_999);
    assert.equal(server.phases().at(-1), 'ShutdownInitiated');
    clock.advance(1);
    await server.reached('NotAcceptingNewRequest');
    await refused(server.client.request('GET', '/api/v1/namespaces/default/configmaps/during-delay'));

    assert.equal((await finishDrain(server, clock)).state, 'Stopped');
    assert.deepEqual(afterReady(server), SHUTDOWN);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lets a request accepted before NotAcceptingNewRequest finish, and keeps its write', async () => {
    const { server, clock, dataDir } = await simulated({ shutdownDelayDuration: '5s' });
    const held = await server.holdRequest('POST', '/api/v1/namespaces/default/configmaps', configMap('slow-create'));
    server.signal('SIGTERM');
    clock.advance(5_000);
    await server.reached('NotAcceptingNewRequest');
    assert.equal(server.inFlight(), 1);
    assert.ok(!server.phases().includes('InFlightRequestsDrained'), 'the drain waits for the held request');

    const reply = await held.release();
    assert.equal(reply.status, 201);
    assert.equal(reply.headers.connection, 'close', 'a connection that outlives NotAcceptingNewRequest is closed after its answer');
    assert.equal((await finishDrain(server, clock)).state, 'Stopped');

    const again = await startServer({ securePort: 0, quiet: true, dataDir });
    const read = await again.client.request('GET', '/api/v1/namespaces/default/configmaps/slow-create');
    assert.equal(read.status, 200);
    const endpoints = JSON.parse((await again.client.request('GET', '/api/v1/namespaces/default/endpoints/kubernetes')).body);
    assert.deepEqual(endpoints.subsets[0].addresses, [{ ip: '127.0.0.1' }], 'the next start puts its address back');
    await again.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('cuts an in-flight request that never finishes at --request-timeout, so the drain ends', async () => {
    const { server, clock, dataDir } = await simulated({ requestTimeout: '30s' });
    const held = await server.holdRequest('POST', '/api/v1/namespaces/default/configmaps', configMap('never-finishes'));
    server.signal('SIGTERM');
    clock.advance(0);
    await server.reached('NotAcceptingNewRequest');
    clock.advance(29_000);
    assert.ok(!server.phases().includes('InFlightRequestsDrained'));
    clock.advance(2_000);
    await server.reached('InFlightRequestsDrained');
    const reply = await held.release();
    assert.equal(reply.status, 504);
    assert.equal(JSON.parse(reply.body).reason, 'Timeout');
    clock.advance(0);
    assert.equal((await server.done).state, 'Stopped');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('closes open watches when the server stops listening, without a grace period', async () => {
    const { server, clock, dataDir } = await simulated();
    const watch = await server.client.watch('/api/v1/namespaces/default/configmaps?watch=true');
    let ended = false;
    void watch.ended.then(() => (ended = true));
    server.signal('SIGTERM');
    clock.advance(0);
    await server.reached('InFlightRequestsDrained');
    assert.equal(ended, false, 'a watch is long-running: the drain does not wait for it');
    clock.advance(0);
    await watch.ended;
    assert.equal((await server.done).state, 'Stopped');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps open watches for --shutdown-watch-termination-grace-period after the drain', async () => {
    const { server, clock, dataDir } = await simulated({ shutdownWatchTerminationGracePeriod: '8s' });
    const watch = await server.client.watch('/api/v1/namespaces/default/configmaps?watch=true');
    let ended = false;
    void watch.ended.then(() => (ended = true));
    server.signal('SIGTERM');
    clock.advance(0);
    await server.reached('InFlightRequestsDrained');
    clock.advance(7_999);
    assert.equal(server.phases().at(-1), 'InFlightRequestsDrained');
    assert.equal(ended, false);
    clock.advance(1);
    await watch.ended;
    assert.equal((await server.done).state, 'Stopped');
    assert.deepEqual(afterReady(server), SHUTDOWN);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('with --shutdown-send-retry-after, answers new requests 429 with Retry-After and Connection: close until drained, except health', async () => {
    const { server, clock, dataDir } = await simulated({ shutdownSendRetryAfter: true });
    const held = await server.holdRequest('POST', '/api/v1/namespaces/default/configmaps', configMap('held'));
    server.signal('SIGTERM');
    clock.advance(0);
    await server.reached('NotAcceptingNewRequest');

    const rejected = await server.client.request('GET', '/api/v1/namespaces/default/configmaps');
    assert.equal(rejected.status, 429);
    assert.equal(rejected.headers['retry-after'], '5');
    assert.equal(rejected.headers.connection, 'close');
    assert.equal(JSON.parse(rejected.body).message, 'The apiserver is shutting down, please try again later.');
    assert.equal((await server.client.request('GET', '/livez')).status, 200);

    assert.equal((await held.release()).status, 201);
    assert.equal((await finishDrain(server, clock)).state, 'Stopped');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('without --shutdown-send-retry-after, refuses new connections from NotAcceptingNewRequest on', async () => {
    const { server, clock, dataDir } = await simulated();
    const held = await server.holdRequest('POST', '/api/v1/namespaces/default/configmaps', configMap('held'));
    server.signal('SIGTERM');
    clock.advance(0);
    await server.reached('NotAcceptingNewRequest');
    await refused(server.client.request('GET', '/livez'));
    assert.equal((await held.release()).status, 201);
    clock.advance(0);
    await server.reached('Stopped');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('on a second SIGTERM stops at once, without waiting for the delay, and reports it', async () => {
    const { server, dataDir } = await simulated({ shutdownDelayDuration: '60s' });
    server.signal('SIGTERM');
    await server.reached('ShutdownInitiated');
    server.signal('SIGTERM');
    const outcome = await server.done;
    assert.equal(outcome.state, 'Failed');
    assert.equal(outcome.error, 'received a second SIGTERM during shutdown');
    assert.deepEqual(afterReady(server), ['Ready', 'ShutdownInitiated', 'HTTPServerStoppedListening', 'Failed']);
    rmSync(dataDir, { recursive: true, force: true });
  });
});

// Watch streams under backpressure, on both transports (HTTP/1.1 on uWS,
// HTTP/2 on node:http2): a watcher that stops reading holds unsent bytes in
// the transport; once they exceed the backlog limit (16 MiB) it is ended, as
// kube's cacheWatcher ends a watcher that cannot keep up, while a watcher that
// reads gets every event.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { startTestServer, type TestServer } from '../support/server.js';

const WATCH = '/api/v1/namespaces/default/configmaps?watch=true';
/** 24 events of 1.5 MB: more than the 16 MiB a stalled watcher may hold. */
const EVENTS = 24;
const VALUE = 'x'.repeat(1_500_000);

interface Watcher {
  /** Bytes read so far. */
  received(): number;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  pause(): void;
  resume(): void;
  close(): void;
}

function http1Watch(server: TestServer, token: string): Promise<Watcher> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    let endStream!: () => void;
    const ended = new Promise<void>((r) => (endStream = r));
    const req = request({ host: '127.0.0.1', port: server.port, path: WATCH, ca: readFileSync(server.caFile), agent: false, headers: { authorization: `Bearer ${token}` } }, (res: IncomingMessage) => {
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', endStream);
      res.on('close', endStream);
      resolve({ received: () => bytes, ended, pause: () => res.pause(), resume: () => res.resume(), close: () => req.destroy() });
    });
    req.on('error', (e) => (bytes === 0 ? reject(e) : endStream()));
    req.end();
  });
}

function http2Watch(server: TestServer, token: string): Promise<Watcher> {
  return new Promise((resolve, reject) => {
    // Flow-control windows as Go's HTTP/2 client opens them (client-go's): 4 MiB a stream, 1 GiB the connection.
    // Node's client keeps HTTP/2's 64 KiB defaults, which hold a reader to a trickle on any link.
    const session: ClientHttp2Session = connect(`https://127.0.0.1:${server.port}`, { ca: readFileSync(server.caFile), settings: { initialWindowSize: 4 << 20 } });
    session.on('connect', () => session.setLocalWindowSize(1 << 30));
    session.on('error', () => undefined);
    const stream: ClientHttp2Stream = session.request({ ':path': WATCH, authorization: `Bearer ${token}` });
    let bytes = 0;
    let endStream!: () => void;
    const ended = new Promise<void>((r) => (endStream = r));
    stream.on('data', (c: Buffer) => (bytes += c.length));
    stream.on('end', endStream);
    stream.on('close', endStream);
    stream.on('error', () => endStream());
    stream.on('response', (headers) => {
      if (headers[':status'] !== 200) return reject(new Error(`watch answered ${headers[':status']}`));
      resolve({ received: () => bytes, ended, pause: () => stream.pause(), resume: () => stream.resume(), close: () => session.destroy() });
    });
  });
}

for (const [transport, watch] of [['uws', http1Watch], ['node', http2Watch]] as const) {
  describe(`watch backpressure on the ${transport} transport`, () => {
    let server: TestServer;
    let token: string;

    before(async () => {
      server = await startTestServer({ transport });
      token = readFileSync(`${server.dataDir}/admin.token`, 'utf8').trim();
    });
    after(() => server.dispose());

    it('ends a watcher that stops reading once its backlog passes the limit, and the reading watcher gets every event', async () => {
      const stalled = await watch(server, token);
      const reading = await watch(server, token);
      stalled.pause();
      let endedEarly = false;
      void stalled.ended.then(() => (endedEarly = true));
      for (let i = 0; i < EVENTS; i++) {
        const reply = await server.client.request('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `big-${i}` }, data: { v: VALUE } });
        assert.equal(reply.status, 201, reply.body);
      }
      const everything = EVENTS * VALUE.length;
      const deadline = Date.now() + 20_000;
      while (reading.received() < everything && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.ok(reading.received() >= everything, `the reading watcher got ${reading.received()} of at least ${everything} bytes`);
      // The stalled watcher is ended by the server; what it buffered can still be read, but not everything.
      stalled.resume();
      await Promise.race([stalled.ended, new Promise((r) => setTimeout(r, 10_000).unref())]);
      assert.ok(endedEarly || stalled.received() < everything, 'the stalled watcher was ended');
      assert.ok(stalled.received() < everything, `the stalled watcher got ${stalled.received()} bytes, fewer than all ${everything}`);
      stalled.close();
      reading.close();
    });

    it('keeps a watcher that pauses briefly: it gets every event once it reads again', async () => {
      const paused = await watch(server, token);
      paused.pause();
      for (let i = 0; i < 4; i++) {
        const reply = await server.client.request('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `brief-${i}` }, data: { v: VALUE } });
        assert.equal(reply.status, 201, reply.body);
      }
      paused.resume();
      const deadline = Date.now() + 10_000;
      while (paused.received() < 4 * VALUE.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.ok(paused.received() >= 4 * VALUE.length, `got ${paused.received()} bytes`);
      paused.close();
    });
  });
}

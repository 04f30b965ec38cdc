// Graceful termination over HTTP/2 on the node:http2 transport. An HTTP/2
// connection outlives any one request, so NotAcceptingNewRequest sends each
// open session GOAWAY: streams already open finish, and the client opens no
// new ones there. Walked on a simulated clock, as the HTTP/1.1 specs are.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { connect, type ClientHttp2Session } from 'node:http2';
import { settle } from '../../harness/start-server.js';
import { finishDrain, simulated } from '../support/simulated.js';

interface Answer {
  status: number;
  body: string;
}

/** Starts a request on `session`; `finish` sends the rest of its body. */
function start(session: ClientHttp2Session, token: string, method: string, path: string, body?: string): { finish(): void; answer: Promise<Answer> } {
  const stream = session.request({ ':method': method, ':path': path, authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) });
  const answer = new Promise<Answer>((resolve, reject) => {
    let status = 0;
    let text = '';
    stream.on('response', (headers) => (status = Number(headers[':status'])));
    stream.on('data', (c: Buffer) => (text += c));
    stream.on('end', () => resolve({ status, body: text }));
    stream.on('error', reject);
  });
  if (body) stream.write(body.slice(0, 10));
  return { finish: () => stream.end(body ? body.slice(10) : undefined), answer };
}

describe('graceful termination over HTTP/2 (node:http2 transport)', () => {
  it('sends open sessions GOAWAY at NotAcceptingNewRequest, lets a stream opened before finish, and refuses new connections', async () => {
    const { server, clock, dataDir } = await simulated({ transport: 'node' });
    const token = readFileSync(`${dataDir}/admin.token`, 'utf8').trim();
    const ca = readFileSync(server.caFile);
    const session = connect(`https://127.0.0.1:${server.port}`, { ca });
    session.on('error', () => undefined);
    let goaway = false;
    session.on('goaway', () => (goaway = true));
    const get = start(session, token, 'GET', '/api/v1/namespaces/default');
    get.finish();
    assert.equal((await get.answer).status, 200);

    const before = server.inFlight();
    const held = start(session, token, 'POST', '/api/v1/namespaces/default/configmaps', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held-h2' } }));
    await settle(() => server.inFlight() > before, 'the POST to be in flight');

    server.signal('SIGTERM');
    clock.advance(0);
    await server.reached('NotAcceptingNewRequest');
    await settle(() => goaway, 'GOAWAY on the open session');

    held.finish();
    assert.equal((await held.answer).status, 201);

    const late = connect(`https://127.0.0.1:${server.port}`, { ca });
    const refused = await new Promise<string>((resolve) => {
      late.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      late.on('connect', () => resolve('connected'));
    });
    assert.equal(refused, 'ECONNREFUSED');
    late.destroy();
    session.destroy();

    assert.equal((await finishDrain(server, clock)).state, 'Stopped');
    rmSync(dataDir, { recursive: true, force: true });
  });
});

// kube's outer filters at the listener, the same on both transports:
// --max-mutating-requests-inflight answers 429 with Retry-After once the
// limit is reached, and --max-request-body-bytes answers 413 to a body that
// outgrows it even when no Content-Length announced it (chunked over
// HTTP/1.1, DATA frames over HTTP/2 on node).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:http2';
import { request } from 'node:https';
import { startTestServer, type TestServer } from '../support/server.js';

const CM = '/api/v1/namespaces/default/configmaps';
const configMap = (name: string, size = 10): object => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { v: 'x'.repeat(size) } });

/** POSTs `body` in 512-byte chunks with no Content-Length (Transfer-Encoding: chunked). */
function chunkedPost(server: TestServer, token: string, body: string): Promise<{ status: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, method: 'POST', path: CM, ca: readFileSync(server.caFile), agent: false, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, reason: (JSON.parse(text) as { reason?: string }).reason ?? '' }));
    });
    req.on('error', reject);
    for (let at = 0; at < body.length; at += 512) req.write(body.slice(at, at + 512));
    req.end();
  });
}

for (const transport of ['uws', 'node'] as const) {
  describe(`the listener's limits on the ${transport} transport`, () => {
    let server: TestServer;
    let token: string;

    before(async () => {
      // The plain max-in-flight filter is kube's only with priority and fairness off.
      server = await startTestServer({ transport, maxMutatingRequestsInflight: 1, maxRequestBodyBytes: 4096, enablePriorityAndFairness: false });
      token = readFileSync(`${server.dataDir}/admin.token`, 'utf8').trim();
    });
    after(() => server.dispose());

    it('answers a write over --max-mutating-requests-inflight with 429 and Retry-After, and serves reads meanwhile', async () => {
      const held = await server.holdRequest('POST', CM, configMap('held'));
      const refused = await server.client.request('POST', CM, configMap('refused'));
      assert.equal(refused.status, 429);
      assert.equal(refused.headers['retry-after'], '1');
      assert.equal(JSON.parse(refused.body).reason, 'TooManyRequests');
      assert.equal((await server.client.request('GET', CM)).status, 200);
      assert.equal((await held.release()).status, 201);
      assert.equal((await server.client.request('POST', CM, configMap('after'))).status, 201);
    });

    it('answers a chunked body that outgrows --max-request-body-bytes with 413, and stores nothing', async () => {
      const answer = await chunkedPost(server, token, JSON.stringify(configMap('too-big', 8000)));
      assert.deepEqual(answer, { status: 413, reason: 'RequestEntityTooLarge' });
      assert.equal((await server.client.request('GET', `${CM}/too-big`)).status, 404);
      assert.deepEqual(await chunkedPost(server, token, JSON.stringify(configMap('fits', 1000))), { status: 201, reason: '' });
    });

    if (transport === 'node') {
      it('answers an HTTP/2 body that outgrows the limit with 413', async () => {
        const session = connect(`https://127.0.0.1:${server.port}`, { ca: readFileSync(server.caFile) });
        try {
          const status = await new Promise<number>((resolve, reject) => {
            const stream = session.request({ ':method': 'POST', ':path': CM, authorization: `Bearer ${token}`, 'content-type': 'application/json' });
            stream.on('response', (headers) => resolve(Number(headers[':status'])));
            stream.on('error', reject);
            stream.end(JSON.stringify(configMap('too-big-h2', 8000)));
          });
          assert.equal(status, 413);
        } finally {
          session.close();
        }
      });
    }
  });
}

// HTTP/1.x parsing at the door, over raw TLS sockets (issue 20, items 6–12):
// Go's server answers each of these at once, and so does the node:http2
// transport. uWebSockets.js answers HEAD, conflicting Content-Length and
// large one-piece header blocks correctly; the rest it drops in its own
// parser, before our code sees a request (README, "HTTP parsing").

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { exchange, RawConnection } from '../support/raw-http.js';
import { startTestServer, type TestServer } from '../support/server.js';

interface Door {
  server: TestServer;
  ca: Buffer;
  auth: string;
}

function doorOn(transport: 'node' | 'uws'): Door {
  const door = {} as Door;
  before(async () => {
    door.server = await startTestServer({ transport });
    door.ca = readFileSync(door.server.caFile);
    door.auth = `Authorization: Bearer ${readFileSync(`${door.server.dataDir}/admin.token`, 'utf8').trim()}\r\n`;
  });
  after(() => door.server.dispose());
  return door;
}

/** Go's server answers a malformed request before any handler runs: at once, then closes. */
const PROMPTLY = { timeoutMs: 2000 };

const NAMESPACE = '/api/v1/namespaces/default';

async function headThenGet(door: Door): Promise<void> {
  const connection = await RawConnection.open(door.server.port, door.ca);
  try {
    connection.write(`HEAD ${NAMESPACE} HTTP/1.1\r\nHost: 127.0.0.1\r\n${door.auth}\r\n`);
    const head = await connection.response({ head: true, ...PROMPTLY });
    assert.equal(head.status, 200);
    assert.ok(Number(head.headers['content-length']) > 0, 'the length a GET would have');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(connection.unread, '', 'no body after the headers of a HEAD answer');
    connection.write(`GET ${NAMESPACE} HTTP/1.1\r\nHost: 127.0.0.1\r\n${door.auth}\r\n`);
    const get = await connection.response(PROMPTLY);
    assert.equal(get.status, 200);
    assert.equal(JSON.parse(get.body).metadata.name, 'default');
    assert.equal(Number(head.headers['content-length']), Buffer.byteLength(get.body));
  } finally {
    connection.close();
  }
}

async function conflictingLengths(door: Door): Promise<void> {
  const body = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cl"}}';
  const answer = await exchange(door.server.port, door.ca,
    `POST ${NAMESPACE}/configmaps HTTP/1.1\r\nHost: 127.0.0.1\r\n${door.auth}Content-Type: application/json\r\nContent-Length: ${body.length}\r\nContent-Length: 2\r\n\r\n${body}`, PROMPTLY);
  assert.equal(answer.status, 400);
  assert.ok(answer.closed, 'the connection closes: where the body ends is unknown');
}

/** A header block of about 6 KB: what a long OIDC token or selector makes. */
const bigHeaders = (door: Door): string => `GET ${NAMESPACE} HTTP/1.1\r\nHost: 127.0.0.1\r\n${door.auth}X-Long: ${'a'.repeat(6000)}\r\n\r\n`;

describe('HTTP parsing on the node:http2 transport', () => {
  const door = doorOn('node');

  it('answers an HTTP/1.0 request, and closes the connection after it', async () => {
    const answer = await exchange(door.server.port, door.ca, `GET ${NAMESPACE} HTTP/1.0\r\nHost: 127.0.0.1\r\n${door.auth}\r\n`, PROMPTLY);
    assert.equal(answer.status, 200);
    assert.equal(JSON.parse(answer.body).metadata.name, 'default');
    assert.ok(answer.closed);
  });

  it('answers a request with 60 header lines', async () => {
    const extra = Array.from({ length: 60 }, (_, i) => `X-Extra-${i}: ${i}\r\n`).join('');
    const answer = await exchange(door.server.port, door.ca, `GET ${NAMESPACE} HTTP/1.1\r\nHost: 127.0.0.1\r\n${door.auth}${extra}\r\n`, PROMPTLY);
    assert.equal(answer.status, 200);
  });

  const malformed: [string, string, number][] = [
    ['version HTTP/2.0 over HTTP/1', `GET ${NAMESPACE} HTTP/2.0\r\nHost: x\r\n\r\n`, 505],
    ['version HTTX/1.1', `GET ${NAMESPACE} HTTX/1.1\r\nHost: x\r\n\r\n`, 400],
    ['no version', `GET ${NAMESPACE}\r\nHost: x\r\n\r\n`, 400],
    ['a control byte in the method', `G\x01T ${NAMESPACE} HTTP/1.1\r\nHost: x\r\n\r\n`, 400],
    ['a space in the path', `GET /api /v1 HTTP/1.1\r\nHost: x\r\n\r\n`, 400],
    ['a header line without a colon', `GET ${NAMESPACE} HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n`, 400],
    ['a NUL in a header value', `GET ${NAMESPACE} HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n`, 400],
    ['a folded header', `GET ${NAMESPACE} HTTP/1.1\r\nHost: x\r\nX-A: a\r\n  b\r\n\r\n`, 400],
    ['a lower-case method (node refuses what Go would pass on as a 405)', `get ${NAMESPACE} HTTP/1.1\r\nHost: x\r\n\r\n`, 400],
  ];
  for (const [what, request, status] of malformed) {
    it(`answers ${status} at once to ${what}, and closes`, async () => {
      const answer = await exchange(door.server.port, door.ca, request, PROMPTLY);
      assert.equal(answer.status, status);
      assert.ok(answer.closed);
    });
  }

  it('serves an absolute-form target as its path', async () => {
    const answer = await exchange(door.server.port, door.ca, `GET https://127.0.0.1${NAMESPACE}?pretty=false HTTP/1.1\r\nHost: 127.0.0.1\r\n${door.auth}\r\n`, PROMPTLY);
    assert.equal(answer.status, 200);
    assert.equal(JSON.parse(answer.body).metadata.name, 'default');
  });

  it('reads a header block over 4 KB whether it arrives in one read or several', async () => {
    const whole = bigHeaders(door);
    assert.equal((await exchange(door.server.port, door.ca, whole, PROMPTLY)).status, 200);
    const split = await exchange(door.server.port, door.ca, [whole.slice(0, 1500), whole.slice(1500, 4500), whole.slice(4500)], PROMPTLY);
    assert.equal(split.status, 200);
  });

  it('answers HEAD with headers only, and the next answer on the connection is intact', () => headThenGet(door));

  it('answers two different Content-Length headers with 400', () => conflictingLengths(door));

  for (const method of ['PROPFIND', 'QUERY']) {
    it(`answers the valid but unserved method ${method} with a 405 Status`, async () => {
      const answer = await exchange(door.server.port, door.ca, `${method} ${NAMESPACE} HTTP/1.1\r\nHost: 127.0.0.1\r\n${door.auth}\r\n`, PROMPTLY);
      assert.equal(answer.status, 405);
      assert.deepEqual(JSON.parse(answer.body), {
        kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
        message: 'the server does not allow this method on the requested resource', reason: 'MethodNotAllowed', code: 405,
      });
    });
  }
});

describe('HTTP parsing on the uWebSockets.js transport (what is ours to answer)', () => {
  const door = doorOn('uws');

  it('answers HEAD with headers only, and the next answer on the connection is intact', () => headThenGet(door));

  it('answers two different Content-Length headers with 400', () => conflictingLengths(door));

  it('reads a header block over 4 KB that arrives in one read', async () => {
    assert.equal((await exchange(door.server.port, door.ca, bigHeaders(door), PROMPTLY)).status, 200);
  });
});

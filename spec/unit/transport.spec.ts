// Which transport serves: uWebSockets.js where its native binary loads, and
// node:http2 when --transport=node asks for it or --client-ca-file needs
// client certificates. The listener logs the line `why` gives.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createFrontend } from '../../actors/listener/transport.js';
import type { FrontendWiring } from '../../actors/listener/http-frontend.js';
import { NodeFrontend } from '../../actors/listener/node-frontend.js';
import { UwsFrontend } from '../../actors/listener/uws-frontend.js';
import { SimulatedClock } from '../../harness/simulated-clock.js';
import { ensureCredentials } from '../../actors/supervisor/pki.js';
import { tempDir } from '../support/temp.js';

async function wiring(clientCaPem?: string): Promise<FrontendWiring> {
  const credentials = await ensureCredentials(tempDir('transport'), { bindAddress: '127.0.0.1', securePort: 0 });
  return {
    options: {
      host: '127.0.0.1', port: 0, certFile: credentials.serverCertPath, keyFile: credentials.serverKeyPath,
      maxBodyBytes: 1024, maxRequestsInFlight: 1, maxMutatingRequestsInFlight: 1, requestTimeoutMs: 1000, maxStreamBacklogBytes: 1024,
      clientCaPem,
    },
    clock: new SimulatedClock(),
    replyTo: { send: () => undefined },
    forward: () => undefined,
    admission: () => 'serve',
    onIdle: () => undefined,
    onError: () => undefined,
  };
}

describe('the transport', () => {
  it('is uWebSockets.js by default, where its native binary loads', async () => {
    const { frontend, why } = createFrontend('auto', await wiring());
    assert.ok(frontend instanceof UwsFrontend);
    assert.equal(why, 'serving with uWebSockets.js (its native binary loaded)');
  });

  it('is node:http2 when --transport=node asks for it', async () => {
    const { frontend, why } = createFrontend('node', await wiring());
    assert.ok(frontend instanceof NodeFrontend);
    assert.equal(why, 'serving with node:http2 (HTTP/2 and HTTP/1.1): --transport=node');
  });

  it('is node:http2 when client certificates are wanted', async () => {
    const { frontend, why } = createFrontend('auto', await wiring('-----BEGIN CERTIFICATE-----'));
    assert.ok(frontend instanceof NodeFrontend);
    assert.equal(why, 'serving with node:http2 (HTTP/2 and HTTP/1.1): --client-ca-file needs client certificates, which uWebSockets.js cannot read');
  });

  it('is node:http2 when the uWS native binary does not load, saying why', async () => {
    const failing = (): never => {
      throw new Error('uWebSockets.js native binding failed to load from uws_linux_x64_137.node: not built for this Node');
    };
    const { frontend, why } = createFrontend('auto', await wiring(), failing);
    assert.ok(frontend instanceof NodeFrontend);
    assert.equal(why, 'serving with node:http2 (HTTP/2 and HTTP/1.1): the uWebSockets.js native binary did not load (uWebSockets.js native binding failed to load from uws_linux_x64_137.node: not built for this Node)');
  });

  it('is refused, not replaced, when --transport=uws asks for a binary that does not load', async () => {
    const given = await wiring();
    assert.throws(() => createFrontend('uws', given, () => {
      throw new Error('no binary');
    }), /no binary/);
  });
});

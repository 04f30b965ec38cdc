// A server started against an etcd it cannot reach says so in one line and
// exits non-zero, rather than listening with stores that can serve nothing.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { startProcess } from '../support/process.js';
import { tempDir } from '../support/temp.js';

/** A loopback port that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('an unreachable etcd', () => {
  it('fails the start with one clear error and a non-zero exit', async () => {
    const dataDir = tempDir('no-etcd');
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    try {
      await assert.rejects(startProcess(dataDir, ['--storage-backend=etcd3', `--etcd-servers=${endpoint}`]), (e: Error) => {
        assert.match(e.message, /^kubeactor exited 1 before it was ready/);
        assert.ok(e.message.includes(`etcd at ${endpoint} did not answer within 10s`), e.message);
        return true;
      });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

// etcd over TLS with client certificates, as production clusters run it:
// kube-apiserver's --etcd-cafile, --etcd-certfile and --etcd-keyfile.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startEtcd, type EtcdCluster } from '../support/etcd.js';
import { startTestServer, tempDir } from '../support/server.js';
import { startProcess } from '../support/process.js';

describe('etcd over TLS', () => {
  let cluster: EtcdCluster;
  before(async () => {
    cluster = await startEtcd(1, { tls: true });
  });
  after(async () => {
    await cluster?.dispose();
  });

  it('stores and reads objects with --etcd-cafile, --etcd-certfile and --etcd-keyfile', async () => {
    const tls = cluster.tls!;
    const server = await startTestServer({ storageBackend: 'etcd3', etcdServers: cluster.endpoints, etcdCafile: tls.ca, etcdCertfile: tls.cert, etcdKeyfile: tls.key });
    try {
      assert.equal((await server.client.request('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'over-tls' } })).status, 201);
      assert.equal((await server.client.request('GET', '/api/v1/namespaces/default/configmaps/over-tls')).status, 200);
    } finally {
      await server.dispose();
    }
  });

  it('fails the start, saying so, without a client certificate the cluster accepts', async () => {
    const dataDir = tempDir('etcd-tls');
    try {
      await assert.rejects(startProcess(dataDir, ['--storage-backend=etcd3', `--etcd-servers=${cluster.endpoints.join(',')}`, `--etcd-cafile=${cluster.tls!.ca}`]), (e: Error) => {
        assert.ok(e.message.includes(`etcd at ${cluster.endpoints[0]} did not answer within 10s`), e.message);
        return true;
      });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a certificate without its key as a flag error', async () => {
    const dataDir = tempDir('etcd-tls-flags');
    try {
      await assert.rejects(startProcess(dataDir, ['--storage-backend=etcd3', `--etcd-servers=${cluster.endpoints.join(',')}`, `--etcd-certfile=${cluster.tls!.cert}`]), (e: Error) => {
        assert.match(e.message, /^kubeactor exited 2 before it was ready/);
        assert.ok(e.message.includes('--etcd-certfile and --etcd-keyfile must be given together'), e.message);
        return true;
      });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

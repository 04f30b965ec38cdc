// A real kubeactor for a spec: in this process, on a random port, with a
// temporary data directory.

import { rmSync } from 'node:fs';
import { after, before } from 'node:test';
import { credentialsOf, type Credentials } from './http.js';
import { tempDir } from './temp.js';
import { startServer, type RunningServer, type StartOptions } from '../../harness/start-server.js';

export interface TestServer extends RunningServer {
  /** Stops the server and removes its data directory. */
  dispose(): Promise<void>;
}

export { tempDir };

let etcdPrefixes = 0;

/**
 * KUBEACTOR_SPEC_ETCD=http://127.0.0.1:2379 runs every in-process server of a spec on that etcd,
 * each under its own --etcd-prefix: the end-to-end specs, written for the default backend, then
 * check the etcd backend too. (spec/storage runs on both backends regardless.)
 */
function backendFromEnvironment(): Partial<StartOptions> {
  const servers = process.env.KUBEACTOR_SPEC_ETCD;
  if (!servers) return {};
  return { storageBackend: 'etcd3', etcdServers: servers.split(','), etcdPrefix: `/spec-${process.pid}-${Date.now()}-${++etcdPrefixes}` };
}

/**
 * KUBEACTOR_SPEC_TRANSPORT=node serves every in-process server of a spec with the node:http2
 * transport (HTTP/2 and HTTP/1.1): the end-to-end specs then check that transport too.
 */
export function transportFromEnvironment(): Partial<StartOptions> {
  const transport = process.env.KUBEACTOR_SPEC_TRANSPORT;
  return transport ? { transport } : {};
}

export async function startTestServer(options: StartOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? tempDir('data');
  const server = await startServer({ securePort: 0, quiet: true, ...backendFromEnvironment(), ...transportFromEnvironment(), ...options, dataDir });
  return {
    ...server,
    async dispose() {
      await server.stop();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** One server for a whole describe block: started before its first test, disposed after its last. */
export function suiteServer(options: StartOptions = {}): { server: TestServer; creds: Credentials } {
  const suite = {} as { server: TestServer; creds: Credentials };
  before(async () => {
    suite.server = await startTestServer(options);
    suite.creds = credentialsOf(suite.server.kubeconfigPath);
  });
  after(async () => {
    await suite.server.dispose();
  });
  return suite;
}

// A real kubeactor for a spec: in this process, on a random port, with a
// temporary data directory.

import { rmSync } from 'node:fs';
import { tempDir } from './temp.js';
import { startServer, type RunningServer, type StartOptions } from '../../harness/start-server.js';

export interface TestServer extends RunningServer {
  /** Stops the server and removes its data directory. */
  dispose(): Promise<void>;
}

export { tempDir };

export async function startTestServer(options: StartOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? tempDir('data');
  const server = await startServer({ securePort: 0, quiet: true, ...options, dataDir });
  return {
    ...server,
    async dispose() {
      await server.stop();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

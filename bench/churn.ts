// An hour of constant churn in simulated time, on SQLite: 20 ConfigMaps of
// 2 KB, each updated twice a minute. Reports the database and WAL size at the
// end with compaction (kube's default interval, 5 minutes) and without it.

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedClock, startServer, settle } from '../harness/start-server.js';

const CM = '/api/v1/namespaces/default/configmaps';

export interface ChurnResult {
  /** Database plus WAL, in bytes, after the hour. */
  bytes: number;
  /** Bytes of values written over the hour. */
  written: number;
}

export async function churnHour(compactionInterval: string): Promise<ChurnResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-churn-'));
  const clock = new SimulatedClock();
  const server = await startServer({ securePort: 0, quiet: true, dataDir, clock, etcdCompactionInterval: compactionInterval });
  const names = Array.from({ length: 20 }, (_, i) => `churn-${i}`);
  const payload = 'x'.repeat(2_000);
  let written = 0;
  const compacting = (): boolean => server.actor.getSnapshot().context.runtime.children.find((c) => c.id === 'compactor')?.ref?.getSnapshot().value === 'Compacting';
  try {
    for (const name of names) await server.client.request('POST', CM, { metadata: { name }, data: { value: payload } });
    for (let minute = 1; minute <= 60; minute++) {
      for (let round = 0; round < 2; round++) {
        for (const name of names) {
          const reply = await server.client.request('PUT', `${CM}/${name}`, { metadata: { name }, data: { value: `${payload}${minute}-${round}` } });
          if (reply.status !== 200) throw new Error(`churn update: ${reply.status} ${reply.body}`);
          written += reply.body.length;
        }
      }
      clock.advance(60_000);
      await settle(() => !compacting(), 'compaction to finish');
    }
    const size = (f: string): number => statSync(join(dataDir, f), { throwIfNoEntry: false })?.size ?? 0;
    return { bytes: size('kubeactor.db') + size('kubeactor.db-wal'), written };
  } finally {
    server.signal('SIGTERM');
    clock.advance(0);
    await server.reached('InFlightRequestsDrained');
    clock.advance(0);
    await server.done;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

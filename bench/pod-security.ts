// PodSecurity's cost on pod creation (issue 16's chain budget): pods created
// per second, 20 in flight, in three namespaces of one server, beside the same
// creates on a server with PodSecurity disabled, in alternating rounds:
//   - an unlabelled namespace (privileged at every mode: let through before the
//     store computes the object, no review hop);
//   - a namespace labelled enforce=restricted, with pods that meet it (every
//     check runs, and the review hops are taken).
//
//   npm run build && node dist/bench/pod-security.js

import { rmSync } from 'node:fs';
import { startServer, type RunningServer } from '../harness/start-server.js';
import { tempDir } from '../spec/support/temp.js';
import { keepAliveClient, pool } from './keep-alive.js';

const PODS = 600;
const ROUNDS = 3;

const RESTRICTED_CONTAINER = {
  name: 'c', image: 'busybox',
  securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
};

async function createPods(server: RunningServer, namespace: string, round: number): Promise<number> {
  const call = keepAliveClient(server);
  const names = Array.from({ length: PODS }, (_, i) => `p-${round}-${i}`);
  const started = performance.now();
  await pool(names, async (name) => {
    const reply = await call('POST', `/api/v1/namespaces/${namespace}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [RESTRICTED_CONTAINER] } });
    if (reply.status !== 201) throw new Error(`${namespace}/${name}: ${reply.status} ${reply.body}`);
  });
  return PODS / ((performance.now() - started) / 1000);
}

async function namespace(server: RunningServer, name: string, labels: Record<string, string> = {}): Promise<void> {
  const reply = await keepAliveClient(server)('POST', '/api/v1/namespaces', { metadata: { name, labels } });
  if (reply.status !== 201) throw new Error(`namespace ${name}: ${reply.status}`);
  // ServiceAccount admission refuses pods until the namespace has its default account.
  const call = keepAliveClient(server, 1);
  while ((await call('GET', `/api/v1/namespaces/${name}/serviceaccounts/default`)).status !== 200) await new Promise((r) => setTimeout(r, 10));
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const dirs = [tempDir('bench-psa-on'), tempDir('bench-psa-off')];
const on = await startServer({ securePort: 0, quiet: true, dataDir: dirs[0]! });
const off = await startServer({ securePort: 0, quiet: true, dataDir: dirs[1]!, disableAdmissionPlugins: ['PodSecurity'] });
try {
  await namespace(on, 'open');
  await namespace(on, 'locked', { 'pod-security.kubernetes.io/enforce': 'restricted' });
  await namespace(off, 'open');
  const rates = { open: [] as number[], locked: [] as number[], off: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    rates.off.push(await createPods(off, 'open', round));
    rates.open.push(await createPods(on, 'open', round));
    rates.locked.push(await createPods(on, 'locked', round));
  }
  const base = median(rates.off);
  const row = (what: string, r: number[]): string => `| ${what} | ${median(r).toFixed(0)} pods/s | ${base.toFixed(0)} pods/s | ${(median(r) / base).toFixed(2)}× |`;
  process.stdout.write([
    `| pod CREATE, ${PODS} per round, 20 in flight, median of ${ROUNDS} | PodSecurity on | PodSecurity disabled | ratio |`,
    '|---|---|---|---|',
    row('unlabelled namespace (privileged: no object review)', rates.open),
    row('enforce=restricted namespace (every check, review hops)', rates.locked),
  ].join('\n') + '\n');
} finally {
  await on.stop();
  await off.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}

// The built-in controllers' figures (issue 17): how soon a new namespace has
// its `default` ServiceAccount and `kube-root-ca.crt`, and how long the garbage
// collector takes to delete 1,000 dependents of one owner. Each beside a
// baseline from the same run: a client's own write seen on a watch, and the
// same 1,000 deletes sent by a client (20 in flight, kept-alive connections).
//
//   npm run build && node dist/bench/controllers.js

import { rmSync } from 'node:fs';
import { startServer, type RunningServer } from '../harness/start-server.js';
import { tempDir } from '../spec/support/temp.js';
import { keepAliveClient as client, pool } from './keep-alive.js';

const ROUNDS = 20;
const DEPENDENTS = 1000;
const IN_FLIGHT = 20;

const quantile = (values: number[], q: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;

/** Resolves when `count` events matching `match` have arrived on the watch since `from`. */
function seen(events: { type: string; object: { metadata?: { name?: string; namespace?: string } } }[], match: (e: { type: string; object: { metadata?: { name?: string; namespace?: string } } }) => boolean, count: number): Promise<number> {
  return new Promise((resolve) => {
    const poll = (): void => {
      if (events.filter(match).length >= count) return resolve(performance.now());
      setImmediate(poll);
    };
    poll();
  });
}

async function namespaceReadiness(server: RunningServer): Promise<{ ours: number[]; baseline: number[] }> {
  const call = client(server);
  const accounts = await server.client.watch('/api/v1/serviceaccounts?watch=true&fieldSelector=metadata.name%3Ddefault');
  const configmaps = await server.client.watch('/api/v1/configmaps?watch=true');
  const ours: number[] = [];
  const baseline: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const ns = `bench-ns-${i}`;
    const started = performance.now();
    const created = await call('POST', '/api/v1/namespaces', { metadata: { name: ns } });
    if (created.status !== 201) throw new Error(created.body);
    const both = await Promise.all([
      seen(accounts.events, (e) => e.type === 'ADDED' && e.object.metadata?.namespace === ns, 1),
      seen(configmaps.events, (e) => e.type === 'ADDED' && e.object.metadata?.namespace === ns && e.object.metadata.name === 'kube-root-ca.crt', 1),
    ]);
    ours.push(Math.max(...both) - started);
    // Baseline: the client's own write of one object, seen on the same watch.
    const t0 = performance.now();
    const own = await call('POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'own' } });
    if (own.status !== 201) throw new Error(own.body);
    await seen(configmaps.events, (e) => e.type === 'ADDED' && e.object.metadata?.namespace === ns && e.object.metadata.name === 'own', 1);
    baseline.push(performance.now() - t0);
  }
  accounts.close();
  configmaps.close();
  return { ours, baseline };
}

async function cascade(server: RunningServer): Promise<{ ours: number; baseline: number }> {
  const call = client(server);
  const ns = 'bench-gc';
  await call('POST', '/api/v1/namespaces', { metadata: { name: ns } });
  const secrets = `/api/v1/namespaces/${ns}/secrets`;
  const fill = async (owner?: { name: string; uid: string }): Promise<void> => {
    const refs = owner ? [{ apiVersion: 'v1', kind: 'ConfigMap', name: owner.name, uid: owner.uid }] : undefined;
    await pool(Array.from({ length: DEPENDENTS }, (_, i) => i), async (i) => {
      const r = await call('POST', secrets, { metadata: { name: `dep-${i}`, ownerReferences: refs } });
      if (r.status !== 201) throw new Error(r.body);
    });
  };
  const watch = await server.client.watch(`${secrets}?watch=true`);
  const deletedCount = (): number => watch.events.filter((e) => e.type === 'DELETED').length;

  // Baseline: the client deletes the 1,000 itself.
  await fill();
  const t0 = performance.now();
  await pool(Array.from({ length: DEPENDENTS }, (_, i) => i), async (i) => {
    const r = await call('DELETE', `${secrets}/dep-${i}`);
    if (r.status !== 200) throw new Error(r.body);
  });
  await seen(watch.events, (e) => e.type === 'DELETED', DEPENDENTS);
  const baseline = performance.now() - t0;

  const owner = JSON.parse((await call('POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'owner' } })).body) as { metadata: { uid: string } };
  await fill({ name: 'owner', uid: owner.metadata.uid });
  const before = deletedCount();
  const t1 = performance.now();
  const r = await call('DELETE', `/api/v1/namespaces/${ns}/configmaps/owner`, { propagationPolicy: 'Background' });
  if (r.status !== 200) throw new Error(r.body);
  await seen(watch.events, (e) => e.type === 'DELETED', before + DEPENDENTS);
  const ours = performance.now() - t1;
  watch.close();
  return { ours, baseline };
}

const dataDir = tempDir('bench-controllers');
const server = await startServer({ securePort: 0, quiet: true, dataDir });
try {
  const ready = await namespaceReadiness(server);
  const gc = await cascade(server);
  const ms = (n: number): string => `${n.toFixed(1)} ms`;
  const rows = [
    '| scenario | kubeactor | baseline | ratio |',
    '|---|---|---|---|',
    `| new namespace to its default ServiceAccount and kube-root-ca.crt (both on a watch), p50 / max of ${ROUNDS} | ${ms(quantile(ready.ours, 0.5))} / ${ms(Math.max(...ready.ours))} | the client's own create seen on a watch: ${ms(quantile(ready.baseline, 0.5))} / ${ms(Math.max(...ready.baseline))} | ${(quantile(ready.ours, 0.5) / quantile(ready.baseline, 0.5)).toFixed(2)}× (goal ≤ 100 ms) |`,
    `| background cascade: owner DELETE to its ${DEPENDENTS.toLocaleString('en-US')}th dependent's DELETED event | ${ms(gc.ours)} | the client's own ${DEPENDENTS.toLocaleString('en-US')} DELETEs, ${IN_FLIGHT} in flight: ${ms(gc.baseline)} | ${(gc.ours / gc.baseline).toFixed(2)}× (goal ≤ 2 s) |`,
  ];
  process.stdout.write(`${rows.join('\n')}\n`);
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

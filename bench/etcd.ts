// The etcd backend, against etcd itself: kubeactor's writes and watch delivery
// beside the same work done with the etcd3 client directly, and a write through
// one kubeactor timed to its arrival at watches on another (scale-out).
// etcd runs unpinned: it is the baseline's server as much as ours.

import { createRequire } from 'node:module';
import type { Etcd3 } from 'etcd3';
import { median } from './measure.js';
import { call, CONFIGMAPS, createMany, getOne, GET_CONNECTIONS, medianWrk, startKubeactor, stopKubeactor, type Settings } from './scenarios.js';
import { watchFanOut } from './watch-fanout.js';
import { startEtcd } from '../spec/support/etcd.js';

export interface Row {
  scenario: string;
  ours: string;
  baseline: string;
  ratio: string;
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const VALUE = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default', uid: '00000000-0000-0000-0000-000000000000', creationTimestamp: '2026-01-01T00:00:00Z' }, data: { key: 'value' } });

function client(endpoints: string[]): Etcd3 {
  const { Etcd3: Client } = createRequire(import.meta.url)('etcd3') as { Etcd3: typeof Etcd3 };
  return new Client({ hosts: endpoints });
}

/** What a kubeactor create asks of etcd: a transaction putting a new key if absent, 32 at a time. */
async function rawCreates(endpoints: string[], settings: Settings): Promise<number> {
  const etcd = client(endpoints);
  const samples: number[] = [];
  let n = 0;
  for (let run = 0; run < settings.runs; run++) {
    let done = 0;
    const until = performance.now() + settings.seconds * 1000;
    await Promise.all(Array.from({ length: 32 }, async () => {
      while (performance.now() < until) {
        const key = Buffer.from(`/raw/configmaps/default/r-${run}-${n++}`);
        await etcd.kv.txn({ compare: [{ key, target: 'Create', result: 'Equal', create_revision: 0 }], success: [{ request_put: { key, value: Buffer.from(VALUE) } }], failure: [] });
        done++;
      }
    }));
    samples.push(done / settings.seconds);
  }
  etcd.close();
  return median(samples);
}

/** What a consistent GET costs etcd at least: a range read of one key, 32 in flight. */
async function rawGets(endpoints: string[], settings: Settings): Promise<number> {
  const etcd = client(endpoints);
  await etcd.put('/raw/get').value(VALUE);
  const samples: number[] = [];
  for (let run = 0; run < settings.runs; run++) {
    let done = 0;
    const until = performance.now() + settings.seconds * 1000;
    await Promise.all(Array.from({ length: GET_CONNECTIONS }, async () => {
      while (performance.now() < until) {
        await etcd.kv.range({ key: Buffer.from('/raw/get') });
        done++;
      }
    }));
    samples.push(done / settings.seconds);
  }
  etcd.close();
  return median(samples);
}

/** A put's arrival at a watch on its key range, through the etcd3 client alone. */
async function rawWatchLatency(endpoints: string[], events = 20): Promise<{ p50: number; p99: number }> {
  const etcd = client(endpoints);
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const watcher = await etcd.watch().prefix('/rawwatch/').create();
  watcher.on('put', (kv) => {
    const started = sentAt.get(kv.key.toString());
    if (started !== undefined) latencies.push(performance.now() - started);
  });
  for (let e = 0; e < events; e++) {
    const key = `/rawwatch/${e}`;
    sentAt.set(key, performance.now());
    await etcd.put(key).value(VALUE);
    await new Promise((r) => setTimeout(r, 50));
  }
  while (latencies.length < events) await new Promise((r) => setTimeout(r, 20));
  await watcher.cancel();
  etcd.close();
  const sorted = [...latencies].sort((a, b) => a - b);
  return { p50: median(latencies), p99: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]! };
}

export async function etcdScenarios(bin: string, settings: Settings): Promise<Row[]> {
  const rows: Row[] = [];
  const cluster = await startEtcd(1);
  const args = ['--storage-backend=etcd3', `--etcd-servers=${cluster.endpoints.join(',')}`];
  const a = await startKubeactor(bin, settings, undefined, args);
  const b = await startKubeactor(bin, { ...settings, serverCpu: settings.loadCpu }, undefined, args);
  try {
    // A consistent GET (resourceVersion unset) waits for a fence write to come back through the watch;
    // resourceVersion=0 is served from the cache at once.
    const consistent = (await getOne(a, settings)).result;
    const cached = await medianWrk(`${a.base}${CONFIGMAPS}/bench?resourceVersion=0`, { seconds: settings.seconds, connections: GET_CONNECTIONS, headers: [a.auth], cpu: settings.loadCpu }, settings.runs);
    const rawGet = await rawGets(cluster.endpoints, settings);
    rows.push({ scenario: `etcd: GET one ConfigMap, consistent (resourceVersion unset: fenced), requests/s (${GET_CONNECTIONS} connections)`, ours: fmt(consistent.rps), baseline: `${fmt(rawGet)} ranges/s (etcd3 client: a range read of one key, ${GET_CONNECTIONS} in flight)`, ratio: `${fmt(consistent.rps / rawGet, 2)}×` });
    rows.push({ scenario: 'etcd: GET one ConfigMap with resourceVersion=0 (from the cache), requests/s', ours: fmt(cached.rps), baseline: `${fmt(consistent.rps)} (consistent)`, ratio: `${fmt(cached.rps / consistent.rps, 1)}×` });

    const creates = await createMany(a, settings);
    const raw = await rawCreates(cluster.endpoints, settings);
    rows.push({ scenario: 'etcd: CREATE ConfigMap, creates/s (32 connections)', ours: fmt(creates.rps), baseline: `${fmt(raw)} txn/s (etcd3 client: the same put-if-absent transaction, 32 in flight)`, ratio: `${fmt(creates.rps / raw, 2)}×` });

    await call(a, 'POST', '/api/v1/namespaces', { metadata: { name: 'fanout' } });
    const rawWatch = await rawWatchLatency(cluster.endpoints);
    for (const watchers of [1, 100]) {
      const local = await watchFanOut(a.base, a.token, a.ca, watchers);
      rows.push({ scenario: `etcd: watch delivery, ${watchers} watcher${watchers > 1 ? 's' : ''} on the server written to: create to arrival, p50 / p99`, ours: `${fmt(local.p50ms, 2)} / ${fmt(local.p99ms, 2)} ms`, baseline: `${fmt(rawWatch.p50, 2)} / ${fmt(rawWatch.p99, 2)} ms (etcd3 client: put to its watch event)`, ratio: `${fmt(local.p99ms / rawWatch.p99, 1)}× (p99)` });
      const across = await watchFanOut(b.base, b.token, b.ca, watchers, 20, { base: a.base, token: a.token, ca: a.ca });
      rows.push({ scenario: `etcd scale-out: create through one server to arrival at ${watchers} watcher${watchers > 1 ? 's' : ''} on another, p50 / p99`, ours: `${fmt(across.p50ms, 2)} / ${fmt(across.p99ms, 2)} ms`, baseline: `${fmt(local.p50ms, 2)} / ${fmt(local.p99ms, 2)} ms (watchers on the server written to)`, ratio: `${fmt(across.p99ms / local.p99ms, 1)}× (p99)` });
    }
  } finally {
    await stopKubeactor(a);
    await stopKubeactor(b);
    await cluster.dispose();
  }
  return rows;
}

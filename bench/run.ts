// kubeactor's benchmarks. Every figure sits beside a raw baseline measured in
// the same run, on the same machine, and is reported as a ratio; each is the
// median of several runs, because the machine is shared and noisy.
// The server runs on core 0 and the load generator (wrk) on core 1.
//
//   node dist/bench/run.js [--quick]      writes bench/RESULTS.md

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import Database from 'better-sqlite3';
import { createActor, setup } from 'xstate';
import { median, spawnUntil, stop, wrk, type WrkResult } from './measure.js';
import { watchFanOut } from './watch-fanout.js';
import { seedConfigMaps } from './seed.js';

// fetch() cannot be handed a CA; the bench talks only to its own loopback servers.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
process.removeAllListeners('warning');

const quick = process.argv.includes('--quick');
const RUNS = quick ? 1 : 3;
const SECONDS = quick ? 3 : 5;
const BIN = fileURLToPath(new URL('../bin/kubeactor.js', import.meta.url));
const BARE = fileURLToPath(new URL('./bare-uws.js', import.meta.url));
const HERE = fileURLToPath(new URL('../../bench/', import.meta.url));
const SERVER_CPU = 0;
const LOAD_CPU = 1;

interface Row {
  scenario: string;
  ours: string;
  baseline: string;
  ratio: string;
}
const rows: Row[] = [];
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function credentialsOf(kubeconfig: string): { server: string; token: string } {
  const config = parseYaml(readFileSync(kubeconfig, 'utf8')) as { clusters: { cluster: { server: string } }[]; users: { user: { token: string } }[] };
  return { server: config.clusters[0]!.cluster.server, token: config.users[0]!.user.token };
}

async function medianWrk(url: string, options: Parameters<typeof wrk>[1]): Promise<WrkResult> {
  // One short warm-up run first, so the JIT has compiled the hot path before we measure it.
  await wrk(url, { ...options, seconds: 1 });
  const results: WrkResult[] = [];
  for (let i = 0; i < RUNS; i++) results.push(await wrk(url, options));
  return { rps: median(results.map((r) => r.rps)), p50ms: median(results.map((r) => r.p50ms)), p99ms: median(results.map((r) => r.p99ms)) };
}

async function startToReady(): Promise<void> {
  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < RUNS + 2; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-start-'));
    const first = await spawnUntil([BIN, '--secure-port=0', `--data-dir=${dir}`], /export KUBECONFIG=/, SERVER_CPU, { KUBEACTOR_LOG_LEVEL: 'warn' });
    cold.push(first.ms);
    await stop(first.child);
    const second = await spawnUntil([BIN, '--secure-port=0', `--data-dir=${dir}`], /export KUBECONFIG=/, SERVER_CPU, { KUBEACTOR_LOG_LEVEL: 'warn' });
    warm.push(second.ms);
    await stop(second.child);
    rmSync(dir, { recursive: true, force: true });
  }
  const bare: number[] = [];
  for (let i = 0; i < RUNS + 2; i++) {
    const node = await spawnUntil(['-e', 'console.log("up"); setInterval(() => {}, 1000)'], /up/, SERVER_CPU);
    bare.push(node.ms);
    await stop(node.child);
  }
  const nodeStart = median(bare);
  rows.push({ scenario: 'start to ready, cold (new data dir: CA, certs, database)', ours: `${fmt(median(cold))} ms`, baseline: `${fmt(nodeStart)} ms (node -e)`, ratio: `${fmt(median(cold) / nodeStart, 1)}×` });
  rows.push({ scenario: 'start to ready, warm', ours: `${fmt(median(warm))} ms`, baseline: `${fmt(nodeStart)} ms (node -e)`, ratio: `${fmt(median(warm) / nodeStart, 1)}×` });
}

async function httpScenarios(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-http-'));
  const server = await spawnUntil([BIN, '--secure-port=0', `--data-dir=${dir}`], /export KUBECONFIG=(.+)\n/, SERVER_CPU, { KUBEACTOR_LOG_LEVEL: 'warn' });
  const { server: base, token } = credentialsOf(server.match[1]!);
  const auth = `Authorization: Bearer ${token}`;
  try {
    const path = '/api/v1/namespaces/default/configmaps';
    const create = await fetchJson(`${base}${path}`, token, 'POST', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bench' }, data: { key: 'value'.repeat(20) } });
    const bodyFile = join(dir, 'body.json');
    writeFileSync(bodyFile, JSON.stringify(create));

    const ours = await medianWrk(`${base}${path}/bench`, { seconds: SECONDS, connections: 32, headers: [auth], cpu: LOAD_CPU });
    const bare = await spawnUntil([BARE, join(dir, 'serving.crt'), join(dir, 'serving.key'), bodyFile], /port=(\d+)/, SERVER_CPU);
    const baseline = await medianWrk(`https://127.0.0.1:${bare.match[1]}${path}/bench`, { seconds: SECONDS, connections: 32, headers: [auth], cpu: LOAD_CPU });
    await stop(bare.child);
    rows.push({ scenario: 'GET one ConfigMap (bearer token, RBAC), requests/s', ours: fmt(ours.rps), baseline: `${fmt(baseline.rps)} (bare uWS SSLApp, same bytes)`, ratio: `${fmt(ours.rps / baseline.rps, 2)}×` });
    rows.push({ scenario: 'GET one ConfigMap, p50 / p99 latency at 32 connections', ours: `${fmt(ours.p50ms, 2)} / ${fmt(ours.p99ms, 2)} ms`, baseline: `${fmt(baseline.p50ms, 2)} / ${fmt(baseline.p99ms, 2)} ms`, ratio: `${fmt(ours.p99ms / baseline.p99ms, 1)}× (p99)` });

    const script = join(HERE, 'create.lua');
    const creates = await medianWrk(`${base}${path}`, { seconds: SECONDS, connections: 32, headers: [auth, 'Content-Type: application/json'], script, cpu: LOAD_CPU });
    const raw = rawSqliteInserts(100, JSON.stringify(create));
    const rawSingle = rawSqliteInserts(1, JSON.stringify(create));
    rows.push({ scenario: 'CREATE ConfigMap (unique names, acked after durable commit), creates/s', ours: fmt(creates.rps), baseline: `${fmt(raw)} rows/s (better-sqlite3, 100 rows/txn, WAL, synchronous=FULL)`, ratio: `${fmt(creates.rps / raw, 2)}×` });
    rows.push({ scenario: 'CREATE vs raw SQLite at one row per transaction', ours: fmt(creates.rps), baseline: `${fmt(rawSingle)} rows/s (1 row/txn)`, ratio: `${fmt(creates.rps / rawSingle, 2)}×` });

    await fetchJson(`${base}/api/v1/namespaces`, token, 'POST', { metadata: { name: 'fanout' } });
    const ca = readFileSync(join(dir, 'ca.crt'), 'utf8');
    const single = await watchFanOut(base, token, ca, 1);
    for (const watchers of [1, 100, 1000]) {
      const fan = watchers === 1 ? single : await watchFanOut(base, token, ca, watchers);
      rows.push({ scenario: `watch fan-out, ${watchers} watcher${watchers > 1 ? 's' : ''}: create to arrival at every watcher, p50 / p99`, ours: `${fmt(fan.p50ms, 2)} / ${fmt(fan.p99ms, 2)} ms`, baseline: `${fmt(single.p50ms, 2)} / ${fmt(single.p99ms, 2)} ms (1 watcher)`, ratio: `${fmt(fan.p99ms / single.p99ms, 1)}× (p99)` });
    }
  } finally {
    await stop(server.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

function rssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
}

/** Memory per stored object, and LIST of 500 of 10,000 as JSON and as a Table. */
async function largeStateScenarios(): Promise<void> {
  const rss: Record<number, { kib: number; bytes: number }> = {};
  for (const count of [10_000, 100_000]) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-state-'));
    const { bytes } = seedConfigMaps(dir, 'default', count);
    const server = await spawnUntil([BIN, '--secure-port=0', `--data-dir=${dir}`], /export KUBECONFIG=(.+)\n/, SERVER_CPU, { KUBEACTOR_LOG_LEVEL: 'warn' });
    try {
      await new Promise((r) => setTimeout(r, 500));
      rss[count] = { kib: rssKiB(server.child.pid!), bytes };
      if (count === 10_000) {
        const { server: base, token } = credentialsOf(server.match[1]!);
        const auth = `Authorization: Bearer ${token}`;
        const url = `${base}/api/v1/namespaces/default/configmaps?limit=500`;
        for (const [label, accept] of [['plain JSON', 'application/json'], ['Table', 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json']] as const) {
          const body = await (await fetch(url, { headers: { authorization: `Bearer ${token}`, accept } })).text();
          const bodyFile = join(dir, 'list.json');
          writeFileSync(bodyFile, body);
          const ours = await medianWrk(url, { seconds: SECONDS, connections: 16, headers: [auth, `Accept: ${accept}`], cpu: LOAD_CPU });
          const bare = await spawnUntil([BARE, join(dir, 'serving.crt'), join(dir, 'serving.key'), bodyFile], /port=(\d+)/, SERVER_CPU);
          const baseline = await medianWrk(`https://127.0.0.1:${bare.match[1]}/list`, { seconds: SECONDS, connections: 16, headers: [auth], cpu: LOAD_CPU });
          await stop(bare.child);
          rows.push({ scenario: `LIST 500 of 10,000 ConfigMaps as ${label} (${fmt(body.length / 1024)} KiB), requests/s`, ours: fmt(ours.rps), baseline: `${fmt(baseline.rps)} (bare uWS, same bytes)`, ratio: `${fmt(ours.rps / baseline.rps, 2)}×` });
        }
      }
    } finally {
      await stop(server.child);
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const perObject = ((rss[100_000]!.kib - rss[10_000]!.kib) * 1024) / 90_000;
  const serialized = rss[100_000]!.bytes / 100_000;
  rows.push({ scenario: 'RSS with 10,000 / 100,000 ConfigMaps stored', ours: `${fmt(rss[10_000]!.kib / 1024)} / ${fmt(rss[100_000]!.kib / 1024)} MiB`, baseline: `${fmt(rss[10_000]!.bytes / 1048576, 1)} / ${fmt(rss[100_000]!.bytes / 1048576, 1)} MiB serialized`, ratio: '—' });
  rows.push({ scenario: 'memory per cached object (RSS growth from 10k to 100k objects)', ours: `${fmt(perObject)} B`, baseline: `${fmt(serialized)} B serialized`, ratio: `${fmt(perObject / serialized, 2)}×` });
}

async function fetchJson(url: string, token: string, method: string, body: unknown): Promise<unknown> {
  const response = await fetch(url, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return response.json();
}

function rawSqliteInserts(perTransaction: number, value: string): number {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sqlite-'));
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE kine (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, created INTEGER, deleted INTEGER, value BLOB)');
  db.exec('CREATE INDEX kine_name_id ON kine (name, id)');
  const insert = db.prepare('INSERT INTO kine (name, created, deleted, value) VALUES (?, 1, 0, ?)');
  const bytes = Buffer.from(value);
  const batch = db.transaction((start: number) => {
    for (let i = 0; i < perTransaction; i++) insert.run(`/registry/configmaps/default/raw-${start + i}`, bytes);
  });
  const results: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    let n = run * 1e7;
    const started = performance.now();
    while (performance.now() - started < 1000 * Math.min(SECONDS, 3)) {
      batch(n);
      n += perTransaction;
    }
    results.push(((n - run * 1e7) / (performance.now() - started)) * 1000);
  }
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return median(results);
}

function actorHops(): void {
  const machine = setup({ types: { events: {} as { type: 'hop' } } }).createMachine({ initial: 'Serving', states: { Serving: { on: { hop: { actions: () => undefined } } } } });
  const plain = createActor(machine).start();
  const inspected = createActor(machine, { inspect: () => undefined }).start();
  const measure = (send: () => void): number => {
    const n = 200_000;
    const samples: number[] = [];
    for (let r = 0; r < RUNS + 2; r++) {
      const started = performance.now();
      for (let i = 0; i < n; i++) send();
      samples.push(((performance.now() - started) * 1000) / n);
    }
    return median(samples);
  };
  const noop = (): void => undefined;
  const call = measure(noop);
  const hop = measure(() => plain.send({ type: 'hop' }));
  const hopInspected = measure(() => inspected.send({ type: 'hop' }));
  rows.push({ scenario: 'one actor hop (send + transition, xstate machine)', ours: `${fmt(hop, 2)} µs`, baseline: `${fmt(call, 3)} µs (function call)`, ratio: '—' });
  rows.push({ scenario: 'one actor hop with an inspect callback attached', ours: `${fmt(hopInspected, 2)} µs`, baseline: `${fmt(hop, 2)} µs (no inspector: what /debug/actors costs, since it reads snapshots on demand)`, ratio: `${fmt(hopInspected / hop, 1)}×` });
  rows.push({ scenario: 'hops on a GET: listener → authn → authz → store → listener', ours: `4 hops ≈ ${fmt(4 * hop, 1)} µs`, baseline: '—', ratio: '—' });
}

async function main(): Promise<void> {
  actorHops();
  await startToReady();
  await httpScenarios();
  await largeStateScenarios();
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.versions.node}`;
  const table = ['| scenario | kubeactor | baseline | ratio |', '|---|---|---|---|', ...rows.map((r) => `| ${r.scenario} | ${r.ours} | ${r.baseline} | ${r.ratio} |`)].join('\n');
  const report = `# Benchmark results\n\nMachine: ${machine}. Generated by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}; medians of ${RUNS} runs of ${SECONDS} s. Server pinned to core ${SERVER_CPU}, wrk to core ${LOAD_CPU}.\n\n${table}\n`;
  writeFileSync(join(HERE, 'RESULTS.md'), report);
  process.stdout.write(report);
}

await main();

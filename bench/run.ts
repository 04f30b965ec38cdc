// kubeactor's benchmarks. Every figure sits beside a raw baseline measured in
// the same run, on the same machine, and is reported as a ratio; each is the
// median of several runs, because the machine is shared and noisy.
// The server runs on core 0 and the load generator (wrk) on core 1.
//
//   node dist/bench/run.js [--quick] [--no-etcd]   writes bench/RESULTS.md (the etcd rows need Debian's etcd-server)
//   node dist/bench/run.js --apply-only            prints only the server-side apply rows
//   node dist/bench/run.js --metrics-only          prints only GET with /metrics on and off
//   node dist/bench/run.js --admission-only        prints only CREATE with kube's default admission chain on and off
//   node dist/bench/run.js --apf-only              prints only GET with priority and fairness on and off
//   node dist/bench/run.js --overload-only         prints only #18's overload rows (bench/overload.ts)
//   node dist/bench/run.js --growth-only           prints only how cost grows with the work (bench/growth.ts)
//   node dist/bench/run.js --large-state-only      prints only LIST 500 of 10,000 (JSON, Table) and memory per object
//   node dist/bench/compare.js A B        two commits side by side (bench/compare.ts)

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createActor, setup } from 'xstate';
import { supervised } from '../actors/supervisor/supervision.js';
import { cpuMicros, median, spawnUntil, stop, wrk } from './measure.js';
import { watchFanOut } from './watch-fanout.js';
import { growthScenarios } from './growth.js';
import { seedConfigMaps } from './seed.js';
import { rawSqlite } from './raw-sqlite.js';
import { churnHour } from './churn.js';
import { etcdScenarios } from './etcd.js';
import { applyVersusMergePatch } from './apply.js';
import { overload } from './overload.js';
import { PLUGINS } from '../actors/admission/plugins.js';
import {
  bareServer, bareWrites, call, CONFIGMAPS, createMany, deleteMany, getAtRate, getOne, listPage, medianWrk, GET_CONNECTIONS, rssKiB, SCRIPTS,
  startKubeactor, stopKubeactor, TABLE_ACCEPT, updateMany, type Kubeactor, type Settings,
} from './scenarios.js';

// fetch() cannot be handed a CA; the bench talks only to its own loopback servers.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
process.removeAllListeners('warning');

const quick = process.argv.includes('--quick');
const settings: Settings = { runs: quick ? 1 : 3, seconds: quick ? 3 : 5, serverCpu: 0, loadCpu: 1 };
// What users run: the bundle package.json's bin points at.
const BIN = fileURLToPath(new URL('../kubeactor.mjs', import.meta.url));
const LIVE_MEMORY = fileURLToPath(new URL('./live-memory.js', import.meta.url));
const BARE_BROADCAST = fileURLToPath(new URL('./bare-broadcast.js', import.meta.url));

const benchStarted = performance.now();

/**
 * Runs one scenario, saying so on stderr as it starts and ends (the full bench takes minutes); a
 * failure names the scenario.
 */
async function step<T>(name: string, run: () => Promise<T> | T): Promise<T> {
  const clock = (): string => {
    const s = Math.round((performance.now() - benchStarted) / 1000);
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  };
  process.stderr.write(`[bench ${clock()}] ${name} …\n`);
  const started = performance.now();
  try {
    const result = await run();
    process.stderr.write(`[bench ${clock()}] ${name}: done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    return result;
  } catch (e) {
    throw new Error(`${name} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

interface Row {
  scenario: string;
  ours: string;
  baseline: string;
  ratio: string;
}
const rows: Row[] = [];
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ratio = (a: number, b: number, digits = 2): string => `${fmt(a / b, digits)}×`;

function actorHops(): void {
  const machine = setup({ types: { events: {} as { type: 'hop' } } }).createMachine({ initial: 'Serving', states: { Serving: { on: { hop: { actions: () => undefined } } } } });
  const plain = createActor(machine).start();
  // What /debug/actors adds to every actor: one snapshot observer (the transition sensor).
  const sensed = createActor(machine).start();
  let last: unknown;
  sensed.subscribe({ next: (s) => void (s.value !== last && (last = s.value)), error: () => undefined });
  // What it avoids: xstate's system-wide inspection, which allocates an event per step.
  const inspected = createActor(machine, { inspect: () => undefined }).start();
  // How the server runs its children: supervised, so a message that only runs plain actions takes the direct lane.
  const direct = createActor(supervised(machine)).start();
  direct.subscribe({ next: (s) => void (s.value !== last && (last = s.value)), error: () => undefined });
  const measure = (send: () => void): number => {
    const n = 200_000;
    const samples: number[] = [];
    for (let r = 0; r < settings.runs + 2; r++) {
      const started = performance.now();
      for (let i = 0; i < n; i++) send();
      samples.push(((performance.now() - started) * 1000) / n);
    }
    return median(samples);
  };
  const call = measure(() => undefined);
  const hop = measure(() => plain.send({ type: 'hop' }));
  const hopSensed = measure(() => sensed.send({ type: 'hop' }));
  const hopInspected = measure(() => inspected.send({ type: 'hop' }));
  const hopDirect = measure(() => direct.send({ type: 'hop' }));
  rows.push({ scenario: 'one actor hop (send + transition, xstate machine)', ours: `${fmt(hop, 2)} µs`, baseline: `${fmt(call, 3)} µs (function call)`, ratio: '—' });
  rows.push({ scenario: 'one actor hop with the transition sensor /debug/actors uses (a snapshot observer)', ours: `${fmt(hopSensed, 2)} µs`, baseline: `${fmt(hop, 2)} µs (no observer)`, ratio: ratio(hopSensed, hop) });
  rows.push({ scenario: 'one actor hop with xstate system inspection (not used: shown for what it would cost)', ours: `${fmt(hopInspected, 2)} µs`, baseline: `${fmt(hop, 2)} µs (no inspection)`, ratio: ratio(hopInspected, hop, 1) });
  rows.push({ scenario: 'one actor hop as the server delivers it (supervised: a message that only runs actions skips the statechart step, direct-actions.ts), with the sensor', ours: `${fmt(hopDirect, 2)} µs`, baseline: `${fmt(hopSensed, 2)} µs (xstate's step, with the sensor)`, ratio: ratio(hopDirect, hopSensed) });
  rows.push({ scenario: 'hops on a GET: listener → authn → authz → store → listener', ours: `4 hops ≈ ${fmt(4 * hopDirect, 1)} µs`, baseline: `${fmt(4 * hopSensed, 1)} µs (through xstate's step)`, ratio: '—' });
}

async function startToReady(): Promise<void> {
  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < settings.runs + 2; i++) {
    const first = await startKubeactor(BIN, settings);
    cold.push(first.readyMs);
    await stopKubeactor(first, true);
    const second = await startKubeactor(BIN, settings, first.dir);
    warm.push(second.readyMs);
    await stopKubeactor(second);
  }
  const bare: number[] = [];
  for (let i = 0; i < settings.runs + 2; i++) {
    const node = await spawnUntil(['-e', 'console.log("up"); setInterval(() => {}, 1000)'], /up/, settings.serverCpu);
    bare.push(node.ms);
    await stop(node.child);
  }
  const nodeStart = median(bare);
  rows.push({ scenario: 'start to ready, cold (new data dir: CA, certs, database)', ours: `${fmt(median(cold))} ms`, baseline: `${fmt(nodeStart)} ms (node -e)`, ratio: ratio(median(cold), nodeStart, 1) });
  rows.push({ scenario: 'start to ready, warm', ours: `${fmt(median(warm))} ms`, baseline: `${fmt(nodeStart)} ms (node -e)`, ratio: ratio(median(warm), nodeStart, 1) });
}

/** Opens /debug/actors?watch=true and keeps it open until close(); counts what arrives. */
function watchTransitions(k: Kubeactor): Promise<{ bytes(): number; close(): void }> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    const req = request(`${k.base}/debug/actors?watch=true`, { ca: k.ca, headers: { authorization: `Bearer ${k.token}` } }, (res) => {
      res.on('data', (c: Buffer) => (bytes += c.length));
      resolve({ bytes: () => bytes, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

async function httpScenarios(): Promise<void> {
  const k = await startKubeactor(BIN, settings);
  try {
    const { result: ours, body } = await step('GET one ConfigMap', () => getOne(k, settings));
    const bare = await step('GET from a bare uWS server', () => bareServer(k, body, settings, (url) => medianWrk(`${url}${CONFIGMAPS}/bench`, { seconds: settings.seconds, connections: GET_CONNECTIONS, headers: [k.auth], cpu: settings.loadCpu }, settings.runs)));
    rows.push({ scenario: 'GET one ConfigMap (bearer token, RBAC), requests/s', ours: fmt(ours.rps), baseline: `${fmt(bare.rps)} (bare uWS SSLApp, same bytes)`, ratio: ratio(ours.rps, bare.rps) });
    rows.push({ scenario: `GET one ConfigMap, p50 / p99 latency at peak (${GET_CONNECTIONS} connections)`, ours: `${fmt(ours.p50ms, 2)} / ${fmt(ours.p99ms, 2)} ms`, baseline: `${fmt(bare.p50ms, 2)} / ${fmt(bare.p99ms, 2)} ms`, ratio: `${fmt(ours.p99ms / bare.p99ms, 1)}× (p99)` });

    const half = ours.rps / 2;
    const paced = await step('GET at half of peak', () => getAtRate(`${k.base}${CONFIGMAPS}/bench`, k.auth, half, settings));
    const barePaced = await step('GET at that rate from a bare uWS server', () => bareServer(k, body, settings, (url) => getAtRate(`${url}${CONFIGMAPS}/bench`, k.auth, half, settings)));
    rows.push({ scenario: `GET one ConfigMap at half of peak (${fmt(half)}/s offered, ${fmt(paced.rps)}/s served), p50 / p99`, ours: `${fmt(paced.p50ms, 2)} / ${fmt(paced.p99ms, 2)} ms`, baseline: `${fmt(barePaced.p50ms, 2)} / ${fmt(barePaced.p99ms, 2)} ms (bare uWS, same rate)`, ratio: `${fmt(paced.p99ms / barePaced.p99ms, 1)}× (p99)` });

    const watcher = await watchTransitions(k);
    const watched = await step('GET with a /debug/actors watcher', () => medianWrk(`${k.base}${CONFIGMAPS}/bench`, { seconds: settings.seconds, connections: GET_CONNECTIONS, headers: [k.auth], cpu: settings.loadCpu }, settings.runs));
    if (watcher.bytes() === 0) throw new Error('the /debug/actors watch received nothing');
    watcher.close();
    rows.push({ scenario: 'GET one ConfigMap with a /debug/actors?watch=true client connected, requests/s', ours: fmt(watched.rps), baseline: `${fmt(ours.rps)} (no one watching)`, ratio: ratio(watched.rps, ours.rps) });

    const value = body;
    const creates = await step('CREATE ConfigMaps', () => createMany(k, settings));
    const rawInsert1 = await step('raw SQLite INSERT, 1 row/txn', () => rawSqlite('insert', 1, value, settings.runs, settings.seconds));
    const rawInsert100 = await step('raw SQLite INSERT, 100 rows/txn', () => rawSqlite('insert', 100, value, settings.runs, settings.seconds));
    rows.push({ scenario: 'CREATE ConfigMap (unique names, acked after durable commit), creates/s', ours: fmt(creates.rps), baseline: `${fmt(rawInsert100)} rows/s (better-sqlite3 INSERT, 100 rows/txn, WAL, synchronous=FULL)`, ratio: ratio(creates.rps, rawInsert100) });
    rows.push({ scenario: 'CREATE vs raw SQLite at one row per transaction', ours: fmt(creates.rps), baseline: `${fmt(rawInsert1)} rows/s (INSERT, 1 row/txn)`, ratio: ratio(creates.rps, rawInsert1) });

    const updates = await step('UPDATE ConfigMaps', () => updateMany(k, settings));
    const rawUpdate1 = await step('raw SQLite UPDATE, 1 row/txn', () => rawSqlite('update', 1, value, settings.runs, settings.seconds));
    const rawUpdate100 = await step('raw SQLite UPDATE, 100 rows/txn', () => rawSqlite('update', 100, value, settings.runs, settings.seconds));
    rows.push({ scenario: 'UPDATE ConfigMap (PUT with resourceVersion, 1,000 objects round robin), updates/s', ours: fmt(updates.rps), baseline: `${fmt(rawUpdate100)} rows/s (UPDATE by name, 100 rows/txn)`, ratio: ratio(updates.rps, rawUpdate100) });
    rows.push({ scenario: 'UPDATE vs raw SQLite at one row per transaction', ours: fmt(updates.rps), baseline: `${fmt(rawUpdate1)} rows/s (UPDATE, 1 row/txn)`, ratio: ratio(updates.rps, rawUpdate1) });

    await call(k, 'POST', '/api/v1/namespaces', { metadata: { name: 'fanout' } });
    const broadcaster = await spawnUntil([BARE_BROADCAST, join(k.dir, 'serving.crt'), join(k.dir, 'serving.key')], /port=(\d+)/, settings.serverCpu);
    try {
      // 100, 1,000 and 10,000 watchers: bench/growth.ts.
      const fan = await step('watch fan-out to 1', () => watchFanOut(k.base, k.token, k.ca, 1));
      const raw = await step('bare broadcast to 1', () => watchFanOut(`https://127.0.0.1:${broadcaster.match[1]}`, k.token, k.ca, 1));
      rows.push({ scenario: 'watch fan-out, 1 watcher: create to arrival at every watcher, p50 / p99', ours: `${fmt(fan.p50ms, 2)} / ${fmt(fan.p99ms, 2)} ms`, baseline: `${fmt(raw.p50ms, 2)} / ${fmt(raw.p99ms, 2)} ms (bare uWS: POST answered, line written to every stream; no storage)`, ratio: `${fmt(fan.p99ms / raw.p99ms, 1)}× (p99)` });
    } finally {
      await stop(broadcaster.child);
    }

    const deletes = await step('DELETE ConfigMaps', () => deleteMany(BIN, settings));
    const rawDelete1 = await step('raw SQLite DELETE, 1 row/txn', () => rawSqlite('delete', 1, value, settings.runs, settings.seconds));
    const rawDelete100 = await step('raw SQLite DELETE, 100 rows/txn', () => rawSqlite('delete', 100, value, settings.runs, settings.seconds));
    rows.push({ scenario: 'DELETE ConfigMap (each once, from 200,000 stored), deletes/s', ours: fmt(deletes.rps), baseline: `${fmt(rawDelete100)} rows/s (DELETE by name, 100 rows/txn)`, ratio: ratio(deletes.rps, rawDelete100) });
    rows.push({ scenario: 'DELETE vs raw SQLite at one row per transaction', ours: fmt(deletes.rps), baseline: `${fmt(rawDelete1)} rows/s (DELETE, 1 row/txn)`, ratio: ratio(deletes.rps, rawDelete1) });

    // #19's goal for writes: against the HTTP write limit, not the disk's.
    const bareWrite = await step('CREATE, UPDATE and DELETE against a bare uWS server that parses each body', () => bareWrites(k, settings));
    const limit = 'bare uWS SSLApp parsing the JSON body and answering it, same wrk script';
    rows.push({ scenario: 'CREATE vs the HTTP write limit, creates/s', ours: fmt(creates.rps), baseline: `${fmt(bareWrite.create.rps)} (${limit})`, ratio: ratio(creates.rps, bareWrite.create.rps) });
    rows.push({ scenario: 'UPDATE vs the HTTP write limit, updates/s', ours: fmt(updates.rps), baseline: `${fmt(bareWrite.update.rps)} (${limit})`, ratio: ratio(updates.rps, bareWrite.update.rps) });
    rows.push({ scenario: 'DELETE vs the HTTP write limit, deletes/s', ours: fmt(deletes.rps), baseline: `${fmt(bareWrite.delete.rps)} (${limit})`, ratio: ratio(deletes.rps, bareWrite.delete.rps) });
  } finally {
    await stopKubeactor(k);
  }
}

/** Heap and buffers a server over `dir` holds after full collections (bench/live-memory.ts). */
async function liveBytes(dir: string): Promise<number> {
  const child = await spawnUntil(['--expose-gc', LIVE_MEMORY, dir], /(\{.*\})\n/, settings.serverCpu);
  const { heapUsed, arrayBuffers } = JSON.parse(child.match[1]!) as { heapUsed: number; arrayBuffers: number };
  await stop(child.child);
  return heapUsed + arrayBuffers;
}

/** Memory per stored object, and LIST of 500 of 10,000 as JSON and as a Table. */
async function largeStateScenarios(): Promise<void> {
  const rss: Record<number, { kib: number; bytes: number; live: number }> = {};
  for (const count of [10_000, 100_000]) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-state-'));
    const { bytes } = seedConfigMaps(dir, 'default', count);
    const live = await liveBytes(dir);
    const k = await startKubeactor(BIN, settings, dir);
    try {
      await new Promise((r) => setTimeout(r, 500));
      rss[count] = { kib: rssKiB(k.child.pid!), bytes, live };
      if (count === 10_000) {
        for (const [label, accept] of [['plain JSON', 'application/json'], ['Table', TABLE_ACCEPT]] as const) {
          const body = (await call(k, 'GET', `${CONFIGMAPS}?limit=500`, undefined, accept)).text;
          const ours = await step(`LIST 500 as ${label}`, () => listPage(k, accept, settings));
          const bare = await bareServer(k, body, settings, (url) => medianWrk(`${url}/list`, { seconds: settings.seconds, connections: 16, headers: [k.auth], cpu: settings.loadCpu }, settings.runs));
          rows.push({ scenario: `LIST 500 of 10,000 ConfigMaps as ${label} (${fmt(body.length / 1024)} KiB), requests/s`, ours: fmt(ours.rps), baseline: `${fmt(bare.rps)} (bare uWS, same bytes)`, ratio: ratio(ours.rps, bare.rps) });
        }
      }
    } finally {
      await stopKubeactor(k);
    }
  }
  const perObject = ((rss[100_000]!.kib - rss[10_000]!.kib) * 1024) / 90_000;
  const serialized = rss[100_000]!.bytes / 100_000;
  rows.push({ scenario: 'RSS with 10,000 / 100,000 ConfigMaps stored', ours: `${fmt(rss[10_000]!.kib / 1024)} / ${fmt(rss[100_000]!.kib / 1024)} MiB`, baseline: `${fmt(rss[10_000]!.bytes / 1048576, 1)} / ${fmt(rss[100_000]!.bytes / 1048576, 1)} MiB serialized`, ratio: '—' });
  const livePerObject = (rss[100_000]!.live - rss[10_000]!.live) / 90_000;
  rows.push({ scenario: 'memory per cached object, live (heap + buffers after full GC, growth from 10k to 100k)', ours: `${fmt(livePerObject)} B`, baseline: `${fmt(serialized)} B serialized`, ratio: ratio(livePerObject, serialized) });
  rows.push({ scenario: 'memory per cached object, RSS (growth from 10k to 100k objects)', ours: `${fmt(perObject)} B`, baseline: `${fmt(serialized)} B serialized`, ratio: ratio(perObject, serialized) });
}

/** Server-side apply against a merge patch, and what managedFields add to each cached object. */
async function applyScenarios(): Promise<void> {
  const a = applyVersusMergePatch(settings.runs + 2);
  rows.push({ scenario: 'server-side apply of a typical Deployment (new image) vs a JSON merge patch making the same change, store work per request', ours: `${fmt(a.applyUs)} µs`, baseline: `${fmt(a.mergePatchUs)} µs (merge patch + managedFields update)`, ratio: ratio(a.ratio, 1) });
  rows.push({ scenario: 'managedFields recorded on the CREATE of a small ConfigMap', ours: `${fmt(a.createTrackingUs, 1)} µs`, baseline: '—', ratio: '—' });
  const live: Record<string, number[]> = { without: [], with: [] };
  let serialized = 0;
  for (const managed of [false, true]) {
    for (const count of [10_000, 100_000]) {
      const dir = mkdtempSync(join(tmpdir(), 'bench-managed-'));
      const seeded = seedConfigMaps(dir, 'default', count, { managedFields: managed });
      if (managed && count === 100_000) serialized = seeded.bytes / count;
      live[managed ? 'with' : 'without']!.push(await liveBytes(dir));
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const perObject = (xs: number[]): number => (xs[1]! - xs[0]!) / 90_000;
  rows.push({ scenario: 'memory per cached object with managedFields (one kubectl-create entry), live, growth from 10k to 100k', ours: `${fmt(perObject(live.with!))} B (${fmt(serialized)} B serialized)`, baseline: `${fmt(perObject(live.without!))} B (without managedFields)`, ratio: ratio(perObject(live.with!), perObject(live.without!)) });
}

async function churn(): Promise<void> {
  const compacted = await churnHour('5m');
  const uncompacted = await churnHour('0');
  const mib = (bytes: number): string => `${fmt(bytes / 1048576, 2)} MiB`;
  rows.push({ scenario: `SQLite database + WAL after 1 h of simulated churn (20 × 2 KB ConfigMaps, 2,400 updates, ${mib(compacted.written)} written), compaction every 5 min`, ours: mib(compacted.bytes), baseline: `${mib(uncompacted.bytes)} (compaction off)`, ratio: ratio(compacted.bytes, uncompacted.bytes) });
}

/**
 * GET requests/s of two servers, measured run by run in alternation so that both see the same machine,
 * and the server's CPU time per request (from /proc: less disturbed by other work on a shared machine).
 */
async function alternatingGets(on: Kubeactor, off: Kubeactor): Promise<{ on: number; off: number; onUs: number; offUs: number }> {
  await getOne(on, { ...settings, runs: 1, seconds: 1 });
  await getOne(off, { ...settings, runs: 1, seconds: 1 });
  const rps: Record<'on' | 'off', number[]> = { on: [], off: [] };
  const us: Record<'on' | 'off', number[]> = { on: [], off: [] };
  for (let i = 0; i < settings.runs; i++) {
    // Each round swaps which server goes first, so neither always follows the other's load.
    const round = [['on', on], ['off', off]] as const;
    for (const [which, k] of i % 2 === 0 ? round : [round[1], round[0]]) {
      const before = cpuMicros(k.child.pid!);
      const result = await wrk(`${k.base}${CONFIGMAPS}/bench`, { seconds: settings.seconds, connections: GET_CONNECTIONS, headers: [k.auth], cpu: settings.loadCpu });
      rps[which].push(result.rps);
      us[which].push((cpuMicros(k.child.pid!) - before) / result.requests);
    }
  }
  return { on: median(rps.on), off: median(rps.off), onUs: median(us.on), offUs: median(us.off) };
}

/** What /metrics costs a GET: one server counting every request, one with KUBEACTOR_METRICS=off. */
async function metricsCost(): Promise<void> {
  const on = await startKubeactor(BIN, settings);
  const off = await startKubeactor(BIN, settings, undefined, [], { KUBEACTOR_METRICS: 'off' });
  try {
    const { on: withMetrics, off: without, onUs, offUs } = await alternatingGets(on, off);
    rows.push({ scenario: 'GET one ConfigMap with /metrics counting every request, requests/s (goal ≥ 0.95×)', ours: fmt(withMetrics), baseline: `${fmt(without)} (KUBEACTOR_METRICS=off, runs alternating)`, ratio: ratio(withMetrics, without) });
    rows.push({ scenario: 'GET one ConfigMap with /metrics counting every request, server CPU per request', ours: `${fmt(onUs, 1)} µs`, baseline: `${fmt(offUs, 1)} µs (KUBEACTOR_METRICS=off)`, ratio: ratio(onUs, offUs) });
  } finally {
    await stopKubeactor(on);
    await stopKubeactor(off);
  }
}

/**
 * What kube's default admission chain costs a CREATE: one server with it, one with every default plugin
 * disabled, measured run by run in alternation. ConfigMaps meet the attribute-only plugins alone (no
 * object review); Pods also go through the store's object review (ServiceAccount, Priority, …).
 */
async function admissionCost(): Promise<void> {
  const all = PLUGINS.filter((p) => p.defaultOn).map((p) => p.name).join(',');
  const on = await startKubeactor(BIN, settings);
  const off = await startKubeactor(BIN, settings, undefined, [`--disable-admission-plugins=${all}`]);
  try {
    for (const [what, path, object] of [['ConfigMaps', CONFIGMAPS, 'configmap'], ['Pods', '/api/v1/namespaces/default/pods', 'pod']] as const) {
      const rps: Record<'on' | 'off', number[]> = { on: [], off: [] };
      for (let i = 0; i < settings.runs + 1; i++) {
        for (const [which, k] of [['on', on], ['off', off]] as const) {
          const result = await wrk(`${k.base}${path}`, { seconds: settings.seconds, connections: 32, headers: [k.auth, 'Content-Type: application/json'], script: join(SCRIPTS, 'create.lua'), env: { OBJECT: object }, cpu: settings.loadCpu });
          // The first round warms both up.
          if (i > 0) rps[which].push(result.rps);
        }
      }
      rows.push({ scenario: `CREATE ${what} through kube's default admission chain, requests/s (goal ≥ 0.90×)`, ours: fmt(median(rps.on)), baseline: `${fmt(median(rps.off))} (--disable-admission-plugins of every default, runs alternating)`, ratio: ratio(median(rps.on), median(rps.off)) });
    }
  } finally {
    await stopKubeactor(on);
    await stopKubeactor(off);
  }
}

/**
 * What priority and fairness costs a GET: one hop more (authn → apf → authz), a classification and
 * the two response headers; the admin is system:masters, so the exempt level: no seat is taken.
 */
async function apfCost(): Promise<void> {
  const on = await startKubeactor(BIN, settings);
  const off = await startKubeactor(BIN, settings, undefined, ['--enable-priority-and-fairness=false']);
  try {
    const { on: withApf, off: without } = await alternatingGets(on, off);
    rows.push({ scenario: 'GET one ConfigMap through API Priority and Fairness (exempt level), requests/s', ours: fmt(withApf), baseline: `${fmt(without)} (--enable-priority-and-fairness=false, runs alternating)`, ratio: ratio(withApf, without) });
  } finally {
    await stopKubeactor(on);
    await stopKubeactor(off);
  }
}

/** #18's overload figure (bench/overload.ts). */
async function overloadRows(): Promise<void> {
  rows.push(...(await overload(BIN, settings)));
}

async function growth(): Promise<void> {
  rows.push(...(await growthScenarios(BIN, settings, step, BARE_BROADCAST)));
}

async function main(): Promise<void> {
  // One group of rows alone, printed, RESULTS.md left as it is.
  const only = { '--apply-only': applyScenarios, '--metrics-only': metricsCost, '--admission-only': admissionCost, '--apf-only': apfCost, '--overload-only': overloadRows, '--growth-only': growth, '--large-state-only': largeStateScenarios }[process.argv.find((a) => a.endsWith('-only')) ?? ''];
  if (only) {
    await only();
    process.stdout.write(`${rows.map((r) => `| ${r.scenario} | ${r.ours} | ${r.baseline} | ${r.ratio} |`).join('\n')}\n`);
    return;
  }
  const started = performance.now();
  await step('actor hops', actorHops);
  await step('start to ready', startToReady);
  await httpScenarios();
  await step('GET with /metrics on and off', metricsCost);
  await step('admission chain on and off', admissionCost);
  await step('GET with priority and fairness on and off', apfCost);
  await largeStateScenarios();
  await step('server-side apply', applyScenarios);
  await step('an hour of churn', churn);
  await step('how cost grows with the work', growth);
  if (!process.argv.includes('--no-etcd')) rows.push(...(await step('the etcd backend', () => etcdScenarios(BIN, settings))));
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.versions.node}`;
  const table = ['| scenario | kubeactor | baseline | ratio |', '|---|---|---|---|', ...rows.map((r) => `| ${r.scenario} | ${r.ours} | ${r.baseline} | ${r.ratio} |`)].join('\n');
  const minutes = (performance.now() - started) / 60_000;
  const report = `# Benchmark results\n\nMachine: ${machine}. Generated by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)} in ${fmt(minutes, 1)} min; medians of ${settings.runs} runs of ${settings.seconds} s. Server pinned to core ${settings.serverCpu}, wrk to core ${settings.loadCpu}.\n\n${table}\n`;
  writeFileSync(join(SCRIPTS, quick ? 'RESULTS.quick.md' : 'RESULTS.md'), report);
  process.stdout.write(report);
}

await main();

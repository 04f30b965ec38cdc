// How cost grows with the work (#19): each row is a ratio between two sizes
// measured in the same run. GET and CREATE with 1,000, 100,000 and 1,000,000
// ConfigMaps stored; warm start to ready, in objects loaded per second; RSS
// at 1,000,000; a LIST whose label selector matches 10 of 100,000 against a
// LIST of all 10 of 10; watch fan-out to 100, 1,000 and 10,000 watchers
// against a bare uWS broadcaster. Seeded stores are written straight into
// SQLite (bench/seed.ts).
//
//   node dist/bench/run.js --growth-only [--quick]   prints only these rows

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, spawnUntil, stop, wrk } from './measure.js';
import { call, CONFIGMAPS, GET_CONNECTIONS, rssKiB, SCRIPTS, startKubeactor, stopKubeactor, type Kubeactor, type Settings } from './scenarios.js';
import { seedConfigMaps, seededName } from './seed.js';
import { watchFanOut, type FanOut as FanOutResult } from './watch-fanout.js';
import type { Row } from './etcd.js';

/** Runs one scenario, saying so on stderr (bench/run.ts's step). */
export type Step = <T>(name: string, run: () => Promise<T> | T) => Promise<T>;

const SIZES = [1_000, 100_000, 1_000_000] as const;
/** Seeded objects carrying `pick=yes`: the selected LIST's answer, at every size. */
const PICKED = 10;
const PICK = `${CONFIGMAPS}?labelSelector=pick%3Dyes`;

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ratio = (a: number, b: number): string => `${fmt(a / b, 2)}×`;

interface Sized {
  count: number;
  k: Kubeactor;
  /** Warm start to ready (ms), and RSS once ready (KiB). */
  readyMs: number;
  rssKiB: number;
  /** Serialized bytes of the seeded objects. */
  bytes: number;
}

interface Rates {
  get: number;
  create: number;
  list: number;
}

/** A data directory of `count` ConfigMaps, PICKED of them labelled pick=yes, spread evenly. */
function seeded(count: number): { dir: string; bytes: number } {
  const dir = mkdtempSync(join(tmpdir(), 'bench-growth-'));
  const every = Math.max(1, count / PICKED);
  const { bytes } = seedConfigMaps(dir, 'default', count, { labels: (i): Record<string, string> => (i % every === 0 ? { pick: 'yes' } : {}) });
  return { dir, bytes };
}

/** A server over `dir` started twice: the first start makes the certificates, the second is the warm start measured. */
async function warmStart(bin: string, settings: Settings, dir: string): Promise<Kubeactor> {
  const first = await startKubeactor(bin, settings, dir);
  await stopKubeactor(first, true);
  return startKubeactor(bin, settings, dir);
}

/** One wrk run per server and scenario, the servers in turn run after run, so that each size sees the same machine. */
async function alternating(servers: Kubeactor[], path: (k: Kubeactor) => string, settings: Settings, script?: string): Promise<number[]> {
  const options = (k: Kubeactor, seconds: number): Parameters<typeof wrk>[1] => ({
    seconds, connections: GET_CONNECTIONS, cpu: settings.loadCpu,
    headers: script ? [k.auth, 'Content-Type: application/json'] : [k.auth], script: script && join(SCRIPTS, script),
  });
  for (const k of servers) await wrk(`${k.base}${path(k)}`, options(k, 1));
  const rps: number[][] = servers.map(() => []);
  for (let run = 0; run < settings.runs; run++) {
    for (const [i, k] of servers.entries()) rps[i]!.push((await wrk(`${k.base}${path(k)}`, options(k, settings.seconds))).rps);
  }
  return rps.map(median);
}

/**
 * Waits until the built-in controllers run and have synced, three polls in a row: once elected, each
 * takes a snapshot of every object it watches, seconds of work at a million (bench/ANALYSIS.md).
 */
async function controllersSynced(k: Kubeactor, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let calm = 0;
  while (calm < 3 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    try {
      const { actors } = JSON.parse((await call(k, 'GET', '/debug/actors')).text) as { actors: { id: string; state: unknown }[] };
      const controllers = actors.filter((a) => a.id.startsWith('controller/'));
      calm = controllers.length > 0 && controllers.every((a) => a.state !== 'Syncing') ? calm + 1 : 0;
    } catch {
      // Busy past fetch's connect timeout: not settled.
      calm = 0;
    }
  }
  if (calm < 3) process.stderr.write(`controllers of ${k.base} still not synced after ${timeoutMs / 1000} s; measuring anyway\n`);
}

/** Seeds and starts a server of each size, measuring its warm start and RSS. */
async function startSized(bin: string, settings: Settings, step: Step, count: number): Promise<Sized> {
  const { dir, bytes } = await step(`seed ${fmt(count)} ConfigMaps`, () => seeded(count));
  const k = await step(`warm start with ${fmt(count)}`, () => warmStart(bin, settings, dir));
  await step(`controllers synced over ${fmt(count)}`, () => controllersSynced(k));
  const listed = await call(k, 'GET', PICK);
  const items = (JSON.parse(listed.text) as { items?: unknown[] }).items?.length;
  if (items !== PICKED) throw new Error(`the selected LIST answered ${listed.status} with ${items} items, not ${PICKED}`);
  return { count, k, readyMs: k.readyMs, rssKiB: rssKiB(k.child.pid!), bytes };
}

/**
 * Watches per client process in the fan-out rows: 10,000 are held by ten processes (bench/watch-clients.ts),
 * so that no one client reads more streams than at 1,000, and none holds more file descriptors.
 */
const WATCHES_PER_PROCESS = 1_000;

/** Watch fan-out from one server, against a bare uWS broadcaster measured by the same client. */
async function fanOut(bin: string, settings: Settings, step: Step, broadcaster: string): Promise<Row[]> {
  const rows: Row[] = [];
  const k = await startKubeactor(bin, settings);
  const bare = await spawnUntil([broadcaster, join(k.dir, 'serving.crt'), join(k.dir, 'serving.key')], /port=(\d+)/, settings.serverCpu);
  try {
    await call(k, 'POST', '/api/v1/namespaces', { metadata: { name: 'fanout' } });
    const p99: Record<number, number> = {};
    for (const watchers of [100, 1_000, 10_000]) {
      const goal = watchers === 10_000 ? ' (goal ≤ 1.2×)' : '';
      const scenario = `watch fan-out, ${fmt(watchers)} watchers: create to arrival at every watcher, p50 / p99${goal}`;
      // Each side on its own: one failing (the client could not hold that many watches open) keeps the other's figure.
      const measure = (what: string, base: string): Promise<FanOutResult | string> =>
        step(`${what} to ${fmt(watchers)}`, async () => {
          const result = await watchFanOut(base, k.token, k.ca, watchers, 20, undefined, WATCHES_PER_PROCESS);
          process.stderr.write(`  p50 / p99: ${fmt(result.p50ms, 2)} / ${fmt(result.p99ms, 2)} ms\n`);
          return result;
        }).catch((e: unknown) => `failed: ${e instanceof Error ? e.message : String(e)}`);
      const ours = await measure('watch fan-out', k.base);
      const raw = await measure('bare broadcast', `https://127.0.0.1:${bare.match[1]}`);
      const shown = (r: FanOutResult | string): string => (typeof r === 'string' ? r : `${fmt(r.p50ms, 2)} / ${fmt(r.p99ms, 2)} ms`);
      if (typeof ours !== 'string') p99[watchers] = ours.p99ms;
      rows.push({
        scenario,
        ours: shown(ours),
        baseline: `${shown(raw)} (bare uWS: POST answered, line written to every stream; no storage)`,
        ratio: typeof ours === 'string' || typeof raw === 'string' ? '—' : `${fmt(ours.p99ms / raw.p99ms, 2)}× (p99)`,
      });
    }
    const [few, most] = [p99[100], p99[10_000]];
    if (few !== undefined && most !== undefined) {
      rows.push({ scenario: 'watch fan-out p99 per watcher, 10,000 watchers against 100', ours: `${fmt((most * 1000) / 10_000, 2)} µs`, baseline: `${fmt((few * 1000) / 100, 2)} µs`, ratio: ratio(most / 10_000, few / 100) });
    }
  } finally {
    await stop(bare.child);
    await stopKubeactor(k);
  }
  return rows;
}

export async function growthScenarios(bin: string, settings: Settings, step: Step, broadcaster: string): Promise<Row[]> {
  const sizes: Sized[] = [];
  const rows: Row[] = [];
  try {
    for (const count of SIZES) sizes.push(await startSized(bin, settings, step, count));
    // The selected LIST's baseline: a store that holds only the PICKED objects.
    const onlyPicked = await startSized(bin, settings, step, PICKED);
    sizes.push(onlyPicked);
    const servers = sizes.map((s) => s.k);
    const middleName = (k: Kubeactor): string => `${CONFIGMAPS}/${seededName(Math.ceil(sizes.find((s) => s.k === k)!.count / 2))}`;
    const gets = await step('GET at each size', () => alternating(servers.slice(0, 3), middleName, settings));
    const lists = await step(`LIST pick=yes at each size`, () => alternating(servers, () => PICK, settings));
    const creates = await step('CREATE at each size', () => alternating(servers.slice(0, 3), () => CONFIGMAPS, settings, 'create.lua'));
    const rates: Rates[] = sizes.map((_, i) => ({ get: gets[i] ?? 0, create: creates[i] ?? 0, list: lists[i]! }));
    rows.push(...sizeRows(sizes, rates));
    // The fan-out below takes minutes: these rows are on stderr already should it fail.
    process.stderr.write(`${rows.map((r) => `| ${r.scenario} | ${r.ours} | ${r.baseline} | ${r.ratio} |`).join('\n')}\n`);
  } finally {
    for (const s of sizes) await stopKubeactor(s.k);
  }
  // With the seeded servers gone: the million's controllers must not share the fan-out's core.
  rows.push(...(await fanOut(bin, settings, step, broadcaster)));
  return rows;
}

function sizeRows(sizes: Sized[], rates: Rates[]): Row[] {
  const [small, middle, large, picked] = sizes as [Sized, Sized, Sized, Sized];
  const [smallRate, middleRate, largeRate, pickedRate] = rates as [Rates, Rates, Rates, Rates];
  const rows: Row[] = [];
  for (const [what, of] of [['GET one ConfigMap', (r: Rates) => r.get], ['CREATE ConfigMap (acked after durable commit)', (r: Rates) => r.create]] as const) {
    for (const [s, r] of [[middle, middleRate], [large, largeRate]] as const) {
      const goal = s === large ? ' (goal ≥ 0.8×)' : '';
      rows.push({ scenario: `${what} with ${fmt(s.count)} ConfigMaps stored, requests/s${goal}`, ours: fmt(of(r)), baseline: `${fmt(of(smallRate))} (${fmt(small.count)} stored, runs alternating)`, ratio: ratio(of(r), of(smallRate)) });
    }
  }
  const loaded = (s: Sized): number => s.count / (s.readyMs / 1000);
  rows.push({ scenario: `start to ready, warm, with ${fmt(large.count)} ConfigMaps: objects loaded per second`, ours: `${fmt(loaded(large))}/s (${fmt(large.readyMs / 1000, 1)} s)`, baseline: `${fmt(loaded(middle))}/s (${fmt(middle.readyMs / 1000, 1)} s with ${fmt(middle.count)})`, ratio: ratio(loaded(large), loaded(middle)) });
  rows.push({ scenario: `RSS with ${fmt(large.count)} ConfigMaps stored`, ours: `${fmt(large.rssKiB / 1024)} MiB`, baseline: `${fmt(large.bytes / 1048576)} MiB serialized`, ratio: ratio(large.rssKiB * 1024, large.bytes) });
  const perObject = ((large.rssKiB - middle.rssKiB) * 1024) / (large.count - middle.count);
  rows.push({ scenario: `RSS per stored object, growth from ${fmt(middle.count)} to ${fmt(large.count)}`, ours: `${fmt(perObject)} B`, baseline: `${fmt(large.bytes / large.count)} B serialized`, ratio: ratio(perObject, large.bytes / large.count) });
  for (const [s, r] of [[middle, middleRate], [large, largeRate]] as const) {
    rows.push({ scenario: `LIST with a label selector matching ${PICKED} of ${fmt(s.count)} ConfigMaps, requests/s`, ours: fmt(r.list), baseline: `${fmt(pickedRate.list)} (the same selector, ${PICKED} of ${fmt(picked.count)}, runs alternating)`, ratio: ratio(r.list, pickedRate.list) });
  }
  return rows;
}

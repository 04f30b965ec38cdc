// The two listener transports side by side: GET, LIST and watch fan-out on
// uWebSockets.js against a bare uWS server, and on node:http2 against a bare
// node:http2 server, each serving the same bytes with the same certificate,
// in the same run. wrk speaks HTTP/1.1, so the node rows measure its HTTP/1.1
// path (the ALPN fallback), which is the one wrk-like clients and kubectl
// without h2 take.
//
//   node dist/bench/transports.js [--runs N] [--seconds S]   prints the table and writes bench/TRANSPORTS.md

import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuMicros, median, numberArgument, spawnUntil, stop, wrk } from './measure.js';
import { watchFanOut } from './watch-fanout.js';
import { seedConfigMaps } from './seed.js';
import { call, CONFIGMAPS, getOne, GET_CONNECTIONS, startKubeactor, stopKubeactor, type Settings } from './scenarios.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
process.removeAllListeners('warning');

const settings: Settings = { runs: numberArgument('--runs', 1), seconds: numberArgument('--seconds', 3), serverCpu: 0, loadCpu: 1 };
const BIN = fileURLToPath(new URL('../kubeactor.mjs', import.meta.url));
const BARE = {
  uws: { get: fileURLToPath(new URL('./bare-uws.js', import.meta.url)), broadcast: [fileURLToPath(new URL('./bare-broadcast.js', import.meta.url))], label: 'bare uWS' },
  node: { get: fileURLToPath(new URL('./bare-node.js', import.meta.url)), broadcast: [fileURLToPath(new URL('./bare-node.js', import.meta.url)), '--broadcast'], label: 'bare node:http2' },
};

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const rows: string[] = [];
const row = (...cells: string[]): void => {
  rows.push(`| ${cells.join(' | ')} |`);
  process.stdout.write(`${cells.join(' | ')}\n`);
};


interface Served {
  rps: number;
  /** Server CPU per request: what the request costs, whatever else loads the machine. */
  cpuUs: number;
}

interface Target {
  pid: number;
  url: string;
}

/**
 * wrk against kubeactor and its bare baseline, `settings.runs` rounds after a
 * warm-up, alternating the two within each round so both see the same
 * moments of a shared machine; each with the server's CPU time per request.
 */
async function servedSideBySide(ours: Target, bare: Target, connections: number, auth: string): Promise<[Served, Served]> {
  const options = { seconds: settings.seconds, connections, headers: [auth], cpu: settings.loadCpu };
  const one = async (target: Target): Promise<Served> => {
    const before = cpuMicros(target.pid);
    const result = await wrk(target.url, options);
    return { rps: result.rps, cpuUs: (cpuMicros(target.pid) - before) / (result.rps * settings.seconds) };
  };
  for (const target of [ours, bare]) await wrk(target.url, { ...options, seconds: 1 });
  const runs: [Served[], Served[]] = [[], []];
  for (let i = 0; i < settings.runs; i++) {
    runs[0].push(await one(ours));
    runs[1].push(await one(bare));
  }
  const medianOf = (list: Served[]): Served => ({ rps: median(list.map((r) => r.rps)), cpuUs: median(list.map((r) => r.cpuUs)) });
  return [medianOf(runs[0]), medianOf(runs[1])];
}

/** A bare server of `script` serving `body` from `dir`'s certificate. */
async function withBare<T>(script: string, dir: string, body: string, use: (url: string, pid: number) => Promise<T>): Promise<T> {
  const bodyFile = join(dir, `bare-${Date.now()}.json`);
  writeFileSync(bodyFile, body);
  const bare = await spawnUntil([script, join(dir, 'serving.crt'), join(dir, 'serving.key'), bodyFile], /port=(\d+)/, settings.serverCpu);
  try {
    return await use(`https://127.0.0.1:${bare.match[1]}`, bare.child.pid!);
  } finally {
    await stop(bare.child);
  }
}

const throughput = (ours: Served, bare: Served, label: string): string[] => [
  `${fmt(ours.rps)} req/s, ${fmt(ours.cpuUs)} µs CPU each`,
  `${fmt(bare.rps)} req/s, ${fmt(bare.cpuUs)} µs CPU each (${label})`,
  `${fmt(ours.rps / bare.rps, 2)}× (req/s); ${fmt(ours.cpuUs / bare.cpuUs, 1)}× (CPU per request)`,
];

async function measure(transport: 'uws' | 'node'): Promise<void> {
  const bare = BARE[transport];
  const dir = mkdtempSync(join(tmpdir(), `bench-transport-${transport}-`));
  seedConfigMaps(dir, 'default', 2000);
  const k = await startKubeactor(BIN, settings, dir, [`--transport=${transport}`]);
  try {
    const { body } = await getOne(k, { ...settings, runs: 1, seconds: 1 });
    const pid = k.child.pid!;
    const [get, bareGet] = await withBare(bare.get, k.dir, body, (url, barePid) =>
      servedSideBySide({ pid, url: `${k.base}${CONFIGMAPS}/bench` }, { pid: barePid, url: `${url}${CONFIGMAPS}/bench` }, GET_CONNECTIONS, k.auth));
    row(transport, 'GET one ConfigMap', ...throughput(get, bareGet, bare.label));

    const page = (await call(k, 'GET', `${CONFIGMAPS}?limit=500`)).text;
    const [list, bareList] = await withBare(bare.get, k.dir, page, (url, barePid) =>
      servedSideBySide({ pid, url: `${k.base}${CONFIGMAPS}?limit=500` }, { pid: barePid, url: `${url}/list` }, 16, k.auth));
    row(transport, `LIST 500 of 2,000 ConfigMaps (${fmt(page.length / 1024)} KiB)`, ...throughput(list, bareList, bare.label));

    await call(k, 'POST', '/api/v1/namespaces', { metadata: { name: 'fanout' } });
    const broadcaster = await spawnUntil([...bare.broadcast.slice(0, 1), join(k.dir, 'serving.crt'), join(k.dir, 'serving.key'), ...bare.broadcast.slice(1)], /port=(\d+)/, settings.serverCpu);
    try {
      for (const watchers of [1, 100]) {
        const fan = await watchFanOut(k.base, k.token, k.ca, watchers);
        const raw = await watchFanOut(`https://127.0.0.1:${broadcaster.match[1]}`, k.token, k.ca, watchers);
        row(transport, `watch fan-out, ${watchers} watcher${watchers > 1 ? 's' : ''}: create to arrival at every watcher, p50 / p99`, `${fmt(fan.p50ms, 2)} / ${fmt(fan.p99ms, 2)} ms`, `${fmt(raw.p50ms, 2)} / ${fmt(raw.p99ms, 2)} ms (${bare.label})`, `${fmt(fan.p99ms / raw.p99ms, 1)}× (p99)`);
      }
    } finally {
      await stop(broadcaster.child);
    }
  } finally {
    await stopKubeactor(k);
  }
}

async function main(): Promise<void> {
  process.stdout.write(`transports: ${settings.runs} run(s) of ${settings.seconds} s each, server on core ${settings.serverCpu}, wrk on core ${settings.loadCpu}\n`);
  const loadBefore = loadavg()[0]!;
  for (const transport of ['uws', 'node'] as const) await measure(transport);
  // On a shared machine the figures mean little when others load it: say how loaded it was.
  const load = `load average ${loadBefore.toFixed(1)} before and ${loadavg()[0]!.toFixed(1)} after, on ${cpus().length} cores`;
  const table = ['| transport | scenario | kubeactor | baseline | ratio |', '|---|---|---|---|---|', ...rows].join('\n');
  const out = fileURLToPath(new URL('../../bench/TRANSPORTS.md', import.meta.url));
  writeFileSync(out, `# The two transports, each against its own bare baseline\n\n\`node dist/bench/transports.js --runs ${settings.runs} --seconds ${settings.seconds}\`, ${new Date().toISOString().slice(0, 10)}. Every ratio is kubeactor over a bare server of the same transport serving the same bytes, measured in the same run (wrk: HTTP/1.1); ${load}.\n\n${table}\n`);
}

await main();

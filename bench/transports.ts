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
import { spawnUntil, stop } from './measure.js';
import { watchFanOut } from './watch-fanout.js';
import { seedConfigMaps } from './seed.js';
import {
  bareServer, call, CONFIGMAPS, getOne, listPage, medianWrk, GET_CONNECTIONS, startKubeactor, stopKubeactor, type Settings,
} from './scenarios.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
process.removeAllListeners('warning');

const argument = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const settings: Settings = { runs: argument('--runs', 1), seconds: argument('--seconds', 3), serverCpu: 0, loadCpu: 1 };
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

async function measure(transport: 'uws' | 'node'): Promise<void> {
  const bare = BARE[transport];
  const dir = mkdtempSync(join(tmpdir(), `bench-transport-${transport}-`));
  seedConfigMaps(dir, 'default', 2000);
  const k = await startKubeactor(BIN, settings, dir, [`--transport=${transport}`]);
  try {
    const { result: get, body } = await getOne(k, settings);
    const bareGet = await bareServer(k, body, settings, (url) => medianWrk(`${url}${CONFIGMAPS}/bench`, { seconds: settings.seconds, connections: GET_CONNECTIONS, headers: [k.auth], cpu: settings.loadCpu }, settings.runs), bare.get);
    row(transport, 'GET one ConfigMap, requests/s', fmt(get.rps), `${fmt(bareGet.rps)} (${bare.label})`, `${fmt(get.rps / bareGet.rps, 2)}×`);

    const page = (await call(k, 'GET', `${CONFIGMAPS}?limit=500`)).text;
    const list = await listPage(k, 'application/json', settings);
    const bareList = await bareServer(k, page, settings, (url) => medianWrk(`${url}/list`, { seconds: settings.seconds, connections: 16, headers: [k.auth], cpu: settings.loadCpu }, settings.runs), bare.get);
    row(transport, `LIST 500 of 2,000 ConfigMaps (${fmt(page.length / 1024)} KiB), requests/s`, fmt(list.rps), `${fmt(bareList.rps)} (${bare.label})`, `${fmt(list.rps / bareList.rps, 2)}×`);

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

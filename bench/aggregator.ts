// The aggregator's proxy against its baseline, side by side in one run: the
// same GET of a PodMetricsList (10 pods) sent through kubeactor (TLS,
// authentication, authorization, proxy over HTTPS with the front-proxy
// certificate) and sent straight to the extension server, alternating the
// two in each round. Reports the ratio of requests/s and the latency that
// the proxy adds at p50 and p99.
//
//   node dist/bench/aggregator.js [--runs N] [--seconds S] [--connections C] [--profile FILE]
//
// --profile takes one more proxied run under kubeactor's /debug/pprof/profile,
// writes the .cpuprofile to FILE and prints the functions with the most self time.

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cpuMicros, median, numberArgument, spawnUntil, stop, wrk, type WrkResult } from './measure.js';
import { call, startKubeactor, stopKubeactor, type Settings } from './scenarios.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
process.removeAllListeners('warning');

const settings: Settings = { runs: numberArgument('--runs', 3), seconds: numberArgument('--seconds', 3), serverCpu: 0, loadCpu: 1 };
const connections = numberArgument('--connections', 8);
const profileAt = process.argv.indexOf('--profile');
const profileFile = profileAt >= 0 ? process.argv[profileAt + 1] : undefined;
const BIN = fileURLToPath(new URL('../kubeactor.mjs', import.meta.url));
const EXTENSION = fileURLToPath(new URL('./extension-server.js', import.meta.url));
const PODS = '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods';

const k = await startKubeactor(BIN, settings);
const authentication = JSON.parse((await call(k, 'GET', '/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication')).text).data as Record<string, string>;
// The extension server shares the server core with kubeactor: in both rows it does the same work.
const extension = await spawnUntil([EXTENSION, JSON.stringify(authentication)], /^port (\d+) (\S+)\n/m, settings.serverCpu);
const port = Number(extension.match[1]);
const created = async (path: string, body: unknown): Promise<void> => {
  const r = await call(k, 'POST', path, body);
  if (r.status !== 201) throw new Error(`POST ${path}: ${r.status} ${r.text}`);
};
await created('/api/v1/namespaces/kube-system/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'metrics-server' }, spec: { ports: [{ name: 'https', port: 443, targetPort: port }] } });
await created('/api/v1/namespaces/kube-system/endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'metrics-server' }, subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port }] }] });
await created('/apis/apiregistration.k8s.io/v1/apiservices', {
  apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1beta1.metrics.k8s.io' },
  spec: { group: 'metrics.k8s.io', version: 'v1beta1', service: { namespace: 'kube-system', name: 'metrics-server' }, caBundle: extension.match[2], groupPriorityMinimum: 100, versionPriority: 100 },
});
for (let i = 0; ; i++) {
  if ((await call(k, 'GET', PODS)).status === 200) break;
  if (i > 200) throw new Error('the APIService never became Available');
  await new Promise((r) => setTimeout(r, 100));
}


interface Measured extends WrkResult {
  /** CPU per request: kubeactor's, and the extension server's. */
  kubeactorUs: number;
  extensionUs: number;
}

async function measured(url: string, headers: string[]): Promise<Measured> {
  const before = [cpuMicros(k.child.pid!), cpuMicros(extension.child.pid!)];
  const result = await wrk(url, { ...options, headers });
  const requests = result.rps * settings.seconds;
  return { ...result, kubeactorUs: (cpuMicros(k.child.pid!) - before[0]!) / requests, extensionUs: (cpuMicros(extension.child.pid!) - before[1]!) / requests };
}

const options = { seconds: settings.seconds, connections, cpu: settings.loadCpu };
const proxied = { url: `${k.base}${PODS}`, headers: [k.auth] };
const direct = { url: `https://127.0.0.1:${port}${PODS}`, headers: ['X-Remote-User: kubeactor-admin', 'X-Remote-Group: system:masters'] };
for (const target of [proxied, direct]) await wrk(target.url, { ...options, headers: target.headers, seconds: 1 });
const runs: [Measured[], Measured[]] = [[], []];
for (let i = 0; i < settings.runs; i++) {
  runs[0].push(await measured(proxied.url, proxied.headers));
  runs[1].push(await measured(direct.url, direct.headers));
}
const summary = (list: Measured[]) => ({
  rps: median(list.map((r) => r.rps)), p50: median(list.map((r) => r.p50ms)), p99: median(list.map((r) => r.p99ms)),
  kubeactorUs: median(list.map((r) => r.kubeactorUs)), extensionUs: median(list.map((r) => r.extensionUs)),
});
const [p, d] = [summary(runs[0]), summary(runs[1])];
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
process.stdout.write([
  `GET ${PODS}, ${connections} connections, ${settings.runs} × ${settings.seconds} s, medians`,
  '| path | req/s | p50 ms | p99 ms | kubeactor CPU µs/req | extension server CPU µs/req |',
  '|---|---:|---:|---:|---:|---:|',
  `| through kubeactor's aggregator | ${fmt(p.rps)} | ${fmt(p.p50, 2)} | ${fmt(p.p99, 2)} | ${fmt(p.kubeactorUs)} | ${fmt(p.extensionUs)} |`,
  `| straight to the extension server | ${fmt(d.rps)} | ${fmt(d.p50, 2)} | ${fmt(d.p99, 2)} | – | ${fmt(d.extensionUs)} |`,
  `ratio ${fmt(p.rps / d.rps, 2)}×; added latency p50 ${fmt(p.p50 - d.p50, 2)} ms, p99 ${fmt(p.p99 - d.p99, 2)} ms`,
  '',
].join('\n'));
if (profileFile) {
  const [profile] = await Promise.all([
    call(k, 'GET', `/debug/pprof/profile?seconds=${settings.seconds}`),
    wrk(proxied.url, { ...options, headers: proxied.headers, seconds: settings.seconds + 1 }),
  ]);
  writeFileSync(profileFile, profile.text);
  process.stdout.write(`${selfTimes(JSON.parse(profile.text) as CpuProfile)}\n`);
}
await stop(extension.child);
await stopKubeactor(k);

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
  samples: number[];
}

/** The 30 functions with the most self time, as a share of all samples. */
function selfTimes(profile: CpuProfile): string {
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    total += hits;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
  }
  return [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 30).map(([name, hits]) => `${(100 * hits / total).toFixed(1).padStart(5)}%  ${name}`).join('\n');
}

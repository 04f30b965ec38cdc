// Custom resources (issue 13): how soon a CRD is Established and its resource
// served after the create, beside a client's own ConfigMap create read back in
// the same run; and GET and LIST of a custom resource beside a ConfigMap of the
// same size, alternating run by run on one server.
//
//   npm run build && node dist/bench/custom-resources.js [--quick]

import { fileURLToPath } from 'node:url';
import { median } from './measure.js';
import { call, CONFIGMAPS, medianWrk, startKubeactor, stopKubeactor, GET_CONNECTIONS, type Kubeactor, type Settings } from './scenarios.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
process.removeAllListeners('warning');

const quick = process.argv.includes('--quick');
const settings: Settings = { runs: quick ? 1 : 3, seconds: quick ? 2 : 5, serverCpu: 0, loadCpu: 1 };
const BIN = fileURLToPath(new URL('../kubeactor.mjs', import.meta.url));
const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const ROUNDS = quick ? 5 : 20;
const LISTED = 100;

/** A CRD whose objects look like ConfigMaps: a string map under `data`. */
function crd(group: string): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `things.${group}` },
    spec: {
      group, scope: 'Namespaced', names: { plural: 'things', singular: 'thing', kind: 'Thing' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { data: { type: 'object', additionalProperties: { type: 'string' } } } } } }],
    },
  };
}

const DATA = { key: 'value'.repeat(20) };

type CrdEvent = { object?: { status?: { conditions?: { type: string; status: string }[] } } };

/** Resolves once a watch event shows the CRD Established, as `kubectl wait --for condition=established` learns it. */
async function watchEstablished(k: Kubeactor, name: string, opened: () => void): Promise<void> {
  const abort = new AbortController();
  const response = await fetch(`${k.base}${CRDS}?watch=true&fieldSelector=${encodeURIComponent(`metadata.name=${name}`)}`, { headers: { authorization: `Bearer ${k.token}` }, signal: abort.signal });
  opened();
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let pending = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the watch on ${name} ended before it was Established`);
      pending += decoder.decode(value, { stream: true });
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (line.trim() === '') continue;
        const event = JSON.parse(line) as CrdEvent;
        if (event.object?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return;
      }
    }
  } finally {
    abort.abort();
  }
}

/**
 * Milliseconds from sending the create until the CRD is Established (seen through a watch, as kubectl
 * wait sees it, rather than by polling, which would load the server it measures) and its resource answers a LIST.
 */
async function establishedAfter(k: Kubeactor, round: number): Promise<number> {
  const group = `bench${round}.example.com`;
  let opened!: () => void;
  const watching = new Promise<void>((resolve) => (opened = resolve));
  const established = watchEstablished(k, `things.${group}`, opened);
  await watching;
  const started = performance.now();
  const created = await call(k, 'POST', CRDS, crd(group));
  if (created.status !== 201) throw new Error(`creating the CRD: ${created.status} ${created.text}`);
  await established;
  while ((await call(k, 'GET', `/apis/${group}/v1/namespaces/default/things`)).status !== 200);
  return performance.now() - started;
}

/** The baseline: a ConfigMap's create, then its GET, as a client reads its own write. */
async function configMapReadBack(k: Kubeactor, round: number): Promise<number> {
  const started = performance.now();
  await call(k, 'POST', CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `baseline-${round}` }, data: DATA });
  await call(k, 'GET', `${CONFIGMAPS}/baseline-${round}`);
  return performance.now() - started;
}

async function main(): Promise<void> {
  const k = await startKubeactor(BIN, settings);
  try {
    const establish: number[] = [];
    const baseline: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      baseline.push(await configMapReadBack(k, round));
      establish.push(await establishedAfter(k, round));
    }
    const group = 'bench0.example.com';
    const things = `/apis/${group}/v1/namespaces/default/things`;
    for (let i = 0; i < LISTED; i++) {
      await call(k, 'POST', things, { apiVersion: `${group}/v1`, kind: 'Thing', metadata: { name: `t${i}` }, data: DATA });
      await call(k, 'POST', CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}` }, data: DATA });
    }
    const wrkOptions = { seconds: settings.seconds, connections: GET_CONNECTIONS, headers: [k.auth], cpu: settings.loadCpu };
    const rates = { crGet: [] as number[], cmGet: [] as number[], crList: [] as number[], cmList: [] as number[] };
    for (let run = 0; run < settings.runs; run++) {
      rates.cmGet.push((await medianWrk(`${k.base}${CONFIGMAPS}/c0`, wrkOptions, 1)).rps);
      rates.crGet.push((await medianWrk(`${k.base}${things}/t0`, wrkOptions, 1)).rps);
      rates.cmList.push((await medianWrk(`${k.base}${CONFIGMAPS}?limit=500`, wrkOptions, 1)).rps);
      rates.crList.push((await medianWrk(`${k.base}${things}?limit=500`, wrkOptions, 1)).rps);
    }
    const ms = (v: number): string => `${v.toFixed(1)} ms`;
    const rps = (v: number): string => `${Math.round(v).toLocaleString('en')} req/s`;
    const rows = [
      `| CRD create → Established and served, p50 / max (${ROUNDS} CRDs) | ${ms(median(establish))} / ${ms(Math.max(...establish))} | ConfigMap create and read back: ${ms(median(baseline))} | ${(median(establish) / median(baseline)).toFixed(1)}× (goal < 100 ms) |`,
      `| GET one custom resource | ${rps(median(rates.crGet))} | GET one ConfigMap of the same size: ${rps(median(rates.cmGet))} | ${(median(rates.crGet) / median(rates.cmGet)).toFixed(2)}× (goal ≥ 0.9×) |`,
      `| LIST ${LISTED} custom resources | ${rps(median(rates.crList))} | LIST ${LISTED} ConfigMaps of the same size: ${rps(median(rates.cmList))} | ${(median(rates.crList) / median(rates.cmList)).toFixed(2)}× (goal ≥ 0.9×) |`,
    ];
    process.stdout.write(`| scenario | kubeactor | baseline (same run) | ratio |\n|---|---|---|---|\n${rows.join('\n')}\n`);
  } finally {
    await stopKubeactor(k);
  }
}

await main();

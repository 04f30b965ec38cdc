// What an admission webhook call costs on loopback, beside a bare HTTPS call
// to the same webhook in the same run (issue #16's goal: at most 1 ms added
// at p50):
//   1. the ValidatingAdmissionWebhook plugin's whole call (matching, the
//      AdmissionReview, the shared client's POST, the answer checked)
//      against a bare keep-alive https.request POST of the same review;
//   2. a CREATE on a kubeactor process with one validating webhook against
//      the same CREATE with none: the difference is what the webhook adds
//      to a write (the call and the object-review hops), set beside the bare
//      call's own latency.
// Calls are sequential (one in flight), alternated in blocks so noise falls
// on both sides alike.
//
//   node dist/bench/webhook.js [--calls N]   prints the table and writes bench/WEBHOOK.md

import { Agent, request } from 'node:https';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { cpus, tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { KubeObject } from '../protocol/kube/meta.js';
import { VALIDATING_ADMISSION_WEBHOOK } from '../actors/admission/webhook/validating.js';
import { admissionReview } from '../actors/admission/webhook/call.js';
import { systemClock } from '../lib/clock.js';
import { silentLog } from '../lib/log.js';
import { admissionAnswer, makeTestCa, startTestWebhook } from '../spec/support/webhook-server.js';
import { startKubeactor, stopKubeactor, type Settings } from './scenarios.js';
import { numberArgument } from './measure.js';

process.removeAllListeners('warning');

const CALLS = numberArgument('--calls', 3000);
const BLOCK = 250;
const BIN = fileURLToPath(new URL('../kubeactor.mjs', import.meta.url));
const settings: Settings = { runs: 1, seconds: 1, serverCpu: 0, loadCpu: 1 };

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
const summary = (samples: number[]): { p50: number; p99: number } => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
};

/** Runs each of `runs` in turn in blocks, `total` calls each, after a warm-up; milliseconds per call. */
async function alternate(total: number, ...runs: (() => Promise<unknown>)[]): Promise<number[][]> {
  for (let i = 0; i < 200; i++) for (const run of runs) await run();
  const times: number[][] = runs.map(() => []);
  for (let done = 0; done < total; done += BLOCK) {
    for (const [index, run] of runs.entries()) {
      for (let i = 0; i < BLOCK; i++) {
        const started = performance.now();
        await run();
        times[index]!.push(performance.now() - started);
      }
    }
  }
  return times;
}

function post(agent: Agent, url: URL, ca: string, body: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ agent, host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: 'POST', ca, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const fmt = (ms: number): string => ms.toFixed(3);

/**
 * `--bare-client <url> <ca file>`: the bench's other process. For each line N on stdin it makes N
 * sequential keep-alive POSTs of the review on stdin's first line and prints their times as JSON.
 */
async function bareClient(url: URL, caFile: string): Promise<void> {
  const ca = readFileSync(caFile, 'utf8');
  const agent = new Agent({ keepAlive: true });
  let body: string | undefined;
  for await (const line of createInterface({ input: process.stdin })) {
    if (body === undefined) {
      body = line;
      continue;
    }
    const times: number[] = [];
    for (let i = 0; i < Number(line); i++) {
      const started = performance.now();
      await post(agent, url, ca, body);
      times.push(performance.now() - started);
    }
    process.stdout.write(`TIMES ${JSON.stringify(times)}\n`);
  }
}

/** A bare client in its own process, on the server's core: what a call between two processes costs here. */
async function remoteBareClient(url: string, caPem: string, body: string): Promise<{ run(n: number): Promise<number[]>; stop(): Promise<void> }> {
  const caFile = join(mkdtempSync(join(tmpdir(), 'bench-webhook-')), 'ca.crt');
  writeFileSync(caFile, caPem);
  const child = spawn('taskset', ['-c', String(settings.serverCpu), process.execPath, fileURLToPath(import.meta.url), '--bare-client', url, caFile], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  child.stdin!.write(`${body}\n`);
  return {
    async run(n) {
      child.stdin!.write(`${n}\n`);
      const next = await lines.next();
      if (next.done) throw new Error('the bare client ended');
      return JSON.parse(String(next.value).replace(/^TIMES /, '')) as number[];
    },
    stop: async () => {
      child.stdin!.end();
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

async function main(): Promise<void> {
  const ca = await makeTestCa();
  const webhook = await startTestWebhook(ca, { handler: (body) => admissionAnswer(body, { allowed: true }) });
  const caBundle = Buffer.from(ca.certPem).toString('base64');
  const configMap: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bench', namespace: 'default' }, data: { key: 'value'.repeat(20) } };
  const attributes = {
    operation: 'CREATE' as const, resource: { group: '', version: 'v1', resource: 'configmaps' }, subresource: '', kind: { group: '', version: 'v1', kind: 'ConfigMap' },
    namespace: 'default', name: 'bench', userInfo: { username: 'bench', groups: ['system:authenticated'] }, dryRun: false,
    options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' },
  };
  const rules = [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }];
  const hook = { name: 'bench.example.com', sideEffects: 'None', admissionReviewVersions: ['v1'], rules, clientConfig: { url: webhook.url('/validate'), caBundle } };

  // 1. The plugin's call against a bare POST of the same review.
  const plugin = VALIDATING_ADMISSION_WEBHOOK.create({ config: undefined, clock: systemClock, logger: silentLog(), authorize: () => Promise.resolve(false), resourceFor: () => undefined, watch: () => undefined });
  plugin.observe!({ group: 'admissionregistration.k8s.io', plural: 'validatingwebhookconfigurations' }, {
    type: 'SYNC', objects: [{ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'bench' }, webhooks: [hook] }],
  });
  const invocation = { hook: { uid: 'x' } as never, resource: attributes.resource, kind: attributes.kind, subresource: '' };
  const bareBody = JSON.stringify(admissionReview('v1', '00000000-0000-0000-0000-000000000000', invocation, attributes, configMap, undefined));
  const bareAgent = new Agent({ keepAlive: true });
  const bareUrl = new URL(webhook.url('/validate?timeout=10s'));
  const [pluginTimes, bareTimes] = await alternate(CALLS,
    async () => {
      const verdict = await plugin.validate!(attributes, configMap, undefined);
      if (!verdict.allowed) throw new Error('the webhook refused');
    },
    () => post(bareAgent, bareUrl, ca.certPem, bareBody));

  // 2. CREATE on kubeactor processes: one validating webhook called; one whose objectSelector never
  // matches (the object review runs, the call does not); none.
  const withHook = await startKubeactor(BIN, settings);
  const reviewOnly = await startKubeactor(BIN, settings);
  const without = await startKubeactor(BIN, settings);
  const serverAgent = new Agent({ keepAlive: true });
  for (const [k, extra] of [[withHook, {}], [reviewOnly, { objectSelector: { matchLabels: { never: 'x' } } }]] as const) {
    const configure = await post(serverAgent, new URL(`${k.base}/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations`), k.ca,
      JSON.stringify({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'bench' }, webhooks: [{ ...hook, ...extra, clientConfig: { url: webhook.url('/server'), caBundle } }] }),
      { authorization: `Bearer ${k.token}` });
    if (configure !== 201) throw new Error(`creating the webhook configuration: ${configure}`);
  }
  await new Promise((r) => setTimeout(r, 500));
  let n = 0;
  const create = (k: typeof withHook) => async (): Promise<void> => {
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `bench-${++n}` }, data: configMap.data });
    const status = await post(serverAgent, new URL(`${k.base}/api/v1/namespaces/default/configmaps`), k.ca, body, { authorization: `Bearer ${k.token}` });
    if (status !== 201) throw new Error(`CREATE answered ${status}`);
  };
  const seenBefore = webhook.seen.length;
  const creates = Math.min(CALLS, 2000);
  const [hookTimes, reviewTimes, plainTimes] = await alternate(creates, create(withHook), create(reviewOnly), create(without));
  // The bare call again, from a process on the server's core, as the server makes it.
  const remote = await remoteBareClient(webhook.url('/validate?timeout=10s'), ca.certPem, bareBody);
  await remote.run(200);
  const remoteTimes: number[] = [];
  for (let done = 0; done < creates; done += BLOCK) remoteTimes.push(...await remote.run(BLOCK));
  await remote.stop();
  if (webhook.seen.length - seenBefore < creates) throw new Error('the server did not call the webhook on every CREATE');
  webhook.seen.length = 0;
  await stopKubeactor(withHook);
  await stopKubeactor(reviewOnly);
  await stopKubeactor(without);
  await webhook.close();
  bareAgent.destroy();
  serverAgent.destroy();

  const p = summary(pluginTimes!);
  const b = summary(bareTimes!);
  const h = summary(hookTimes!);
  const r = summary(reviewTimes!);
  const c = summary(plainTimes!);
  const x = summary(remoteTimes);
  const rows = [
    '| scenario | p50 | p99 | baseline p50 / p99 | added at p50 |',
    '|---|---|---|---|---|',
    `| ValidatingAdmissionWebhook plugin: one call (match, AdmissionReview, POST, checked answer) | ${fmt(p.p50)} ms | ${fmt(p.p99)} ms | ${fmt(b.p50)} / ${fmt(b.p99)} ms (bare keep-alive https POST of the same review) | ${fmt(p.p50 - b.p50)} ms |`,
    `| CREATE ConfigMap with one validating webhook called (kubeactor process) | ${fmt(h.p50)} ms | ${fmt(h.p99)} ms | ${fmt(r.p50)} / ${fmt(r.p99)} ms (the same webhook configured, its objectSelector unmatched: object review, no call) | ${fmt(h.p50 - r.p50)} ms (the bare call from another process: ${fmt(x.p50)} ms, so ${fmt(h.p50 - r.p50 - x.p50)} ms beyond it) |`,
    `| bare keep-alive https POST of the review from another process (on the server's core) | ${fmt(x.p50)} ms | ${fmt(x.p99)} ms | — | — |`,
    `| CREATE ConfigMap with the object review, no call | ${fmt(r.p50)} ms | ${fmt(r.p99)} ms | ${fmt(c.p50)} / ${fmt(c.p99)} ms (no webhook configured: no review) | ${fmt(r.p50 - c.p50)} ms |`,
  ];
  const text = [
    '# Admission webhook cost',
    '',
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}. Generated by \`node dist/bench/webhook.js\` on ${new Date().toISOString().slice(0, 10)}; ${CALLS} sequential calls a side (${Math.min(CALLS, 2000)} CREATEs), alternated in blocks of ${BLOCK} after a warm-up. The webhook runs in the bench process on 127.0.0.1 with its own CA.`,
    '',
    ...rows,
    '',
  ].join('\n');
  process.stdout.write(`${text}\n`);
  writeFileSync(fileURLToPath(new URL('../../bench/WEBHOOK.md', import.meta.url)), text);
}

const bareAt = process.argv.indexOf('--bare-client');
(bareAt >= 0 ? bareClient(new URL(process.argv[bareAt + 1]!), process.argv[bareAt + 2]!) : main()).catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});

// The benchmark scenarios, each against any kubeactor build (`bin`), so that
// bench/run.ts measures this checkout and bench/compare.ts two commits with
// the same code. Every throughput figure is the median of `runs` wrk runs,
// after a one-second warm-up run.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { median, spawnUntil, stop, wrk, type WrkResult } from './measure.js';
import { seedConfigMaps } from './seed.js';
import { readKubeconfig } from '../lib/kubeconfig.js';

export interface Settings {
  runs: number;
  seconds: number;
  serverCpu: number;
  loadCpu: number;
}

export const SCRIPTS = fileURLToPath(new URL('../../bench/', import.meta.url));
const BARE = fileURLToPath(new URL('./bare-uws.js', import.meta.url));
export const CONFIGMAPS = '/api/v1/namespaces/default/configmaps';

export interface Kubeactor {
  child: ChildProcess;
  base: string;
  token: string;
  ca: string;
  dir: string;
  auth: string;
  /** Milliseconds from spawn to the printed kubeconfig (ready). */
  readyMs: number;
}

/** Starts `bin` on a free port over `dir` (a new temporary one by default), pinned to the server core. */
export async function startKubeactor(bin: string, settings: Settings, dir = mkdtempSync(join(tmpdir(), 'bench-')), args: string[] = [], env: Record<string, string> = {}): Promise<Kubeactor> {
  const started = await spawnUntil([bin, '--secure-port=0', `--data-dir=${dir}`, ...args], /export KUBECONFIG=(.+)\n/, settings.serverCpu, { KUBEACTOR_LOG_LEVEL: 'warn', ...env });
  const access = readKubeconfig(started.match[1]!);
  return { child: started.child, base: access.server, token: access.token!, ca: access.ca!, dir, auth: `Authorization: Bearer ${access.token}`, readyMs: started.ms };
}

export async function stopKubeactor(k: Kubeactor, keepDir = false): Promise<void> {
  await stop(k.child);
  if (!keepDir) rmSync(k.dir, { recursive: true, force: true });
}

export async function medianWrk(url: string, options: Parameters<typeof wrk>[1], runs: number): Promise<WrkResult> {
  await wrk(url, { ...options, seconds: 1 });
  const results: WrkResult[] = [];
  for (let i = 0; i < runs; i++) results.push(await wrk(url, options));
  return medianOf(results);
}

export async function call(k: Kubeactor, method: string, path: string, body?: unknown, accept = 'application/json'): Promise<{ status: number; text: string }> {
  const response = await fetch(`${k.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${k.token}`, 'content-type': 'application/json', accept },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

export const GET_CONNECTIONS = 32;

/** GET one ConfigMap at peak, with the admin's bearer token through RBAC. Returns the served bytes too. */
export async function getOne(k: Kubeactor, settings: Settings): Promise<{ result: WrkResult; body: string }> {
  const created = await call(k, 'POST', CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bench' }, data: { key: 'value'.repeat(20) } });
  if (created.status !== 201 && created.status !== 409) throw new Error(`creating the GET target: ${created.status} ${created.text}`);
  const body = (await call(k, 'GET', `${CONFIGMAPS}/bench`)).text;
  const result = await medianWrk(`${k.base}${CONFIGMAPS}/bench`, { seconds: settings.seconds, connections: GET_CONNECTIONS, headers: [k.auth], cpu: settings.loadCpu }, settings.runs);
  return { result, body };
}

/** GET at a fixed offered rate (requests/s), each connection pacing itself. */
export function getAtRate(url: string, auth: string, rate: number, settings: Settings): Promise<WrkResult> {
  const connections = 16;
  const delayMs = Math.max(0, Math.round((1000 * connections) / rate));
  return medianWrk(url, { seconds: settings.seconds, connections, headers: [auth], cpu: settings.loadCpu, script: join(SCRIPTS, 'paced.lua'), env: { DELAY_MS: String(delayMs) } }, settings.runs);
}

/** POST ConfigMaps with unique names; each is acknowledged after its commit is durable. */
export function createMany(k: Kubeactor, settings: Settings): Promise<WrkResult> {
  return medianWrk(`${k.base}${CONFIGMAPS}`, { seconds: settings.seconds, connections: 32, headers: [k.auth, 'Content-Type: application/json'], script: join(SCRIPTS, 'create.lua'), cpu: settings.loadCpu }, settings.runs);
}

/** PUT with resourceVersion (optimistic concurrency), round robin over 1,000 ConfigMaps. */
export async function updateMany(k: Kubeactor, settings: Settings): Promise<WrkResult> {
  for (let i = 0; i < 1000; i++) {
    const created = await call(k, 'POST', CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `update-${i}` }, data: { key: 'value' } });
    if (created.status !== 201) throw new Error(`creating update-${i}: ${created.status} ${created.text}`);
  }
  const objects = join(k.dir, 'update-objects.txt');
  // Each wrk run starts from the objects' current resourceVersions: the run before moved them on.
  const run = async (seconds: number): Promise<WrkResult> => {
    // wrk stops with requests in flight; let the server finish them before reading the versions they set.
    await new Promise((r) => setTimeout(r, 500));
    const list = JSON.parse((await call(k, 'GET', CONFIGMAPS)).text) as { items: { metadata: { name: string; resourceVersion: string } }[] };
    const targets = list.items.filter((o) => o.metadata.name.startsWith('update-'));
    if (targets.length !== 1000) throw new Error(`expected 1,000 update targets, found ${targets.length}`);
    writeFileSync(objects, `${targets.map((o) => `${o.metadata.name} ${o.metadata.resourceVersion}`).join('\n')}\n`);
    return wrk(`${k.base}${CONFIGMAPS}`, { seconds, connections: 32, headers: [k.auth, 'Content-Type: application/json'], script: join(SCRIPTS, 'update.lua'), cpu: settings.loadCpu, env: { OBJECTS_FILE: objects } });
  };
  await run(1);
  const results: WrkResult[] = [];
  for (let i = 0; i < settings.runs; i++) results.push(await run(settings.seconds));
  return medianOf(results);
}

function medianOf(results: WrkResult[]): WrkResult {
  return { rps: median(results.map((r) => r.rps)), requests: median(results.map((r) => r.requests)), p50ms: median(results.map((r) => r.p50ms)), p99ms: median(results.map((r) => r.p99ms)) };
}

/** Seeded objects per DELETE run (and for the warm-up): enough for 15,000 deletes/s in 5 s runs. */
const DELETE_RANGE = 75_000;

/**
 * DELETE seeded ConfigMaps, each once: a server of its own, seeded with DELETE_RANGE objects per run.
 * Each run starts where the one before stopped (its completed requests, plus the ones still in flight
 * when wrk stopped). Fixed ranges of 50,000 made a run that deleted faster than 10,000/s overlap the
 * next, whose first deletes then answered 404 (npm run bench's "wrk saw 15290 non-2xx responses").
 */
export async function deleteMany(bin: string, settings: Settings): Promise<WrkResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-delete-'));
  const seeded = DELETE_RANGE * (settings.runs + 1);
  seedConfigMaps(dir, 'default', seeded);
  const k = await startKubeactor(bin, settings, dir);
  try {
    const connections = 32;
    const options = { seconds: settings.seconds, connections, headers: [k.auth], script: join(SCRIPTS, 'delete.lua'), cpu: settings.loadCpu };
    let from = 0;
    const run = async (seconds: number): Promise<WrkResult> => {
      const result = await wrk(`${k.base}${CONFIGMAPS}`, { ...options, seconds, env: { DELETE_FROM: String(from) } });
      from += result.requests + connections;
      if (from > seeded) throw new Error(`DELETE ran past the ${seeded} seeded ConfigMaps (${result.rps}/s): raise DELETE_RANGE in bench/scenarios.ts`);
      return result;
    };
    await run(1);
    const results: WrkResult[] = [];
    for (let i = 1; i <= settings.runs; i++) results.push(await run(settings.seconds));
    return medianOf(results);
  } finally {
    await stopKubeactor(k);
  }
}

/**
 * The physical limit for serving `body`: a bare uWebSockets.js SSLApp with kubeactor's certificate,
 * or another bare server script taking the same arguments (bench/bare-node.ts).
 */
export async function bareServer<T>(k: Kubeactor, body: string, settings: Settings, use: (url: string) => Promise<T>, script = BARE): Promise<T> {
  const bodyFile = join(k.dir, `bare-${Date.now()}.json`);
  writeFileSync(bodyFile, body);
  const bare = await spawnUntil([script, join(k.dir, 'serving.crt'), join(k.dir, 'serving.key'), bodyFile], /port=(\d+)/, settings.serverCpu);
  try {
    return await use(`https://127.0.0.1:${bare.match[1]}`);
  } finally {
    await stop(bare.child);
  }
}

/** The HTTP write limit per verb: the same wrk scripts against a bare uWS server that parses each body and answers it (bench/bare-uws.ts --parse). */
export interface BareWrites {
  create: WrkResult;
  update: WrkResult;
  delete: WrkResult;
}

export async function bareWrites(k: Kubeactor, settings: Settings): Promise<BareWrites> {
  const bare = await spawnUntil([BARE, join(k.dir, 'serving.crt'), join(k.dir, 'serving.key'), '--parse'], /port=(\d+)/, settings.serverCpu);
  try {
    const url = `https://127.0.0.1:${bare.match[1]}${CONFIGMAPS}`;
    const options = { seconds: settings.seconds, connections: 32, headers: [k.auth, 'Content-Type: application/json'], cpu: settings.loadCpu };
    const objects = join(k.dir, 'bare-update-objects.txt');
    writeFileSync(objects, `${Array.from({ length: 1000 }, (_, i) => `update-${i} 1`).join('\n')}\n`);
    return {
      create: await medianWrk(url, { ...options, script: join(SCRIPTS, 'create.lua') }, settings.runs),
      update: await medianWrk(url, { ...options, script: join(SCRIPTS, 'update.lua'), env: { OBJECTS_FILE: objects } }, settings.runs),
      delete: await medianWrk(url, { ...options, script: join(SCRIPTS, 'delete.lua'), env: { DELETE_FROM: '0' } }, settings.runs),
    };
  } finally {
    await stop(bare.child);
  }
}

export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

/** LIST a page of 500 from a namespace of `count` seeded ConfigMaps. */
export function listPage(k: Kubeactor, accept: string, settings: Settings): Promise<WrkResult> {
  return medianWrk(`${k.base}${CONFIGMAPS}?limit=500`, { seconds: settings.seconds, connections: 16, headers: [k.auth, `Accept: ${accept}`], cpu: settings.loadCpu }, settings.runs);
}

export function rssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
}

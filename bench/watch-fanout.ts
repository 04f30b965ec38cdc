// Watch fan-out: N watchers on one namespace; each create's ADDED event is
// timed from just before its POST to its arrival at every watcher. Watches
// open in batches (10,000 TLS handshakes at once overflow a listen backlog),
// and each event goes out once the one before has reached every watcher, so
// that each measures one fan-out, not a queue of them.
//
// With `perProcess`, the watchers are spread over child processes
// (bench/watch-clients.ts) of at most that many watches each: one Node
// process reading 10,000 TLS streams is late for its last watcher whatever the
// server does, and holds one file descriptor per watch. Times are then taken
// as performance.timeOrigin + performance.now() in every process, which share
// the machine's clock.

import { fork, type ChildProcess } from 'node:child_process';
import { request, Agent } from 'node:https';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './measure.js';

export interface FanOut {
  p50ms: number;
  p99ms: number;
}

export interface Target {
  base: string;
  token: string;
  ca: string;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

const OPEN_BATCH = 200;
/** A watch whose open fails (a handshake the busy server timed out) is tried again, this many times. */
const OPEN_TRIES = 3;
const OPEN_BATCH_TIMEOUT_MS = 60_000;
const NAMESPACE = 'fanout';

/** A time every process on this machine reads alike. */
export const now = (): number => performance.timeOrigin + performance.now();

const until = async (done: () => boolean, ms: number): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
};

/**
 * Opens `count` watches on the fan-out namespace, `batch` at a time; `arrived` is called with the
 * created object's name and now() for each ADDED event at each watcher.
 */
export async function openWatches({ base, token, ca }: Target, count: number, arrived: (name: string, at: number) => void, batch = OPEN_BATCH): Promise<{ close(): void }> {
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity, ca });
  const streams: { destroy(): void }[] = [];
  let opened = 0;
  const openOnce = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const req = request(`${base}/api/v1/namespaces/${NAMESPACE}/configmaps?watch=true&resourceVersion=0`, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const at = now();
          buffer += chunk;
          let nl: number;
          while ((nl = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, nl);
            buffer = buffer.slice(nl + 1);
            if (!line.startsWith('{"type":"ADDED"')) continue;
            const name = /"name":"(fan-[^"]+)"/.exec(line)?.[1];
            if (name) arrived(name, at);
          }
        });
        opened++;
        resolve();
      });
      req.on('error', reject);
      req.end();
      streams.push(req);
    });
  const open = async (): Promise<void> => {
    for (let tries = 1; ; tries++) {
      try {
        return await openOnce();
      } catch (e) {
        if (tries >= OPEN_TRIES) throw e;
      }
    }
  };
  const close = (): void => {
    for (const s of streams) s.destroy();
    agent.destroy();
  };
  try {
    for (let from = 0; from < count; from += batch) {
      const opening = Array.from({ length: Math.min(batch, count - from) }, open);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(opening), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`only ${opened} of ${count} watches opened`)), OPEN_BATCH_TIMEOUT_MS)))]);
      clearTimeout(timer);
    }
  } catch (e) {
    close();
    throw e;
  }
  return { close };
}

/** What a child process of bench/watch-clients.ts says. */
export type ClientMessage = { type: 'opened' } | { type: 'failed'; message: string } | { type: 'arrived'; name: string; at: number[] };
/** What it is told. */
export type ClientCommand = { type: 'open'; target: Target; count: number; batch: number } | { type: 'close' };

/** Watches held by child processes: each reports an event once all of its own watches have it. */
async function childWatches(target: Target, watchers: number, perProcess: number, arrived: (name: string, at: number) => void): Promise<{ close(): void }> {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'watch-clients.js');
  const children: ChildProcess[] = [];
  const count = Math.ceil(watchers / perProcess);
  // All children open at once: keep the handshakes in flight across them to one batch's worth.
  const batch = Math.max(10, Math.floor(OPEN_BATCH / count));
  const close = (): void => {
    for (const child of children) if (child.connected) child.send({ type: 'close' } satisfies ClientCommand);
  };
  try {
    await Promise.all(Array.from({ length: count }, (_, i) => new Promise<void>((resolve, reject) => {
      // NODE_TLS_REJECT_UNAUTHORIZED=0 (bench/run.ts) would have each child warn about it: they check the server's CA.
      const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, NODE_NO_WARNINGS: '1' } });
      children.push(child);
      child.on('message', (message: ClientMessage) => {
        if (message.type === 'opened') resolve();
        else if (message.type === 'failed') reject(new Error(message.message));
        else for (const at of message.at) arrived(message.name, at);
      });
      child.on('exit', (code) => reject(new Error(`a watch client exited (${code}) before its watches were open`)));
      const share = Math.min(perProcess, watchers - i * perProcess);
      child.send({ type: 'open', target, count: share, batch } satisfies ClientCommand);
    })));
  } catch (e) {
    close();
    throw e;
  }
  return { close };
}

/**
 * `writeTo` (default: the watched server) takes the creates: another server on the same etcd, for scale-out.
 * `perProcess`: at most this many watches per client process (default: all in this one).
 */
export async function watchFanOut(base: string, token: string, ca: string, watchers: number, events = 20, writeTo: Target = { base, token, ca }, perProcess = Infinity): Promise<FanOut> {
  const writeAgent = new Agent({ keepAlive: false, ca: writeTo.ca });
  const sentAt = new Map<string, number>();
  const arrivals = new Map<string, number>();
  const latencies: number[] = [];
  const arrived = (name: string, at: number): void => {
    const started = sentAt.get(name);
    if (started === undefined) return;
    latencies.push(at - started);
    arrivals.set(name, (arrivals.get(name) ?? 0) + 1);
  };
  const target = { base, token, ca };
  const watches = watchers > perProcess ? await childWatches(target, watchers, perProcess, arrived) : await openWatches(target, watchers, arrived);
  try {
    const run = Date.now();
    for (let e = 0; e < events; e++) {
      const name = `fan-${run}-${e}`;
      sentAt.set(name, now());
      await new Promise<void>((resolve, reject) => {
        const req = request(`${writeTo.base}/api/v1/namespaces/${NAMESPACE}/configmaps`, { method: 'POST', agent: writeAgent, headers: { authorization: `Bearer ${writeTo.token}`, 'content-type': 'application/json' } }, (res) => {
          res.resume();
          res.on('end', () => resolve());
        });
        req.on('error', reject);
        req.end(JSON.stringify({ metadata: { name } }));
      });
      await until(() => arrivals.get(name) === watchers, 10_000);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    watches.close();
    writeAgent.destroy();
  }
  if (latencies.length < events * watchers) throw new Error(`only ${latencies.length} of ${events * watchers} watch events arrived`);
  return { p50ms: median(latencies), p99ms: percentile(latencies, 99) };
}

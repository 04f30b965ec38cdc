// Watch fan-out: N watchers on one namespace; each create's ADDED event is
// timed from just before its POST to its arrival at every watcher. Watches
// open in batches (10,000 TLS handshakes at once overflow a listen backlog),
// and each event goes out once the one before has reached every watcher, so
// that each measures one fan-out, not a queue of them.

import { request, Agent } from 'node:https';
import { median } from './measure.js';

export interface FanOut {
  p50ms: number;
  p99ms: number;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

const OPEN_BATCH = 200;
/** A watch whose open fails (a handshake the busy server timed out) is tried again, this many times. */
const OPEN_TRIES = 3;

const until = async (done: () => boolean, ms: number): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
};

/** `writeTo` (default: the watched server) takes the creates: another server on the same etcd, for scale-out. */
export async function watchFanOut(base: string, token: string, ca: string, watchers: number, events = 20, writeTo = { base, token, ca }): Promise<FanOut> {
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity, ca });
  const writeAgent = new Agent({ keepAlive: false, ca: writeTo.ca });
  const namespace = 'fanout';
  const sentAt = new Map<string, number>();
  const arrived = new Map<string, number>();
  const latencies: number[] = [];
  const streams: { destroy(): void }[] = [];
  let opened = 0;
  const openOnce = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const req = request(`${base}/api/v1/namespaces/${namespace}/configmaps?watch=true&resourceVersion=0`, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let nl: number;
          while ((nl = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, nl);
            buffer = buffer.slice(nl + 1);
            if (!line.startsWith('{"type":"ADDED"')) continue;
            const name = /"name":"(fan-[^"]+)"/.exec(line)?.[1];
            const started = name ? sentAt.get(name) : undefined;
            if (started === undefined) continue;
            latencies.push(performance.now() - started);
            arrived.set(name!, (arrived.get(name!) ?? 0) + 1);
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
  for (let from = 0; from < watchers; from += OPEN_BATCH) {
    const batch = Array.from({ length: Math.min(OPEN_BATCH, watchers - from) }, open);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(batch), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`only ${opened} of ${watchers} watches opened`)), 30_000)))]);
    clearTimeout(timer);
  }
  const run = Date.now();
  for (let e = 0; e < events; e++) {
    const name = `fan-${run}-${e}`;
    sentAt.set(name, performance.now());
    await new Promise<void>((resolve, reject) => {
      const req = request(`${writeTo.base}/api/v1/namespaces/${namespace}/configmaps`, { method: 'POST', agent: writeAgent, headers: { authorization: `Bearer ${writeTo.token}`, 'content-type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      });
      req.on('error', reject);
      req.end(JSON.stringify({ metadata: { name } }));
    });
    await until(() => arrived.get(name) === watchers, 10_000);
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const s of streams) s.destroy();
  agent.destroy();
  writeAgent.destroy();
  if (latencies.length < events * watchers) throw new Error(`only ${latencies.length} of ${events * watchers} watch events arrived`);
  return { p50ms: median(latencies), p99ms: percentile(latencies, 99) };
}

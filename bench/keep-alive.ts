// A bench client of one in-process server: kept-alive HTTPS connections, so a
// request's cost is the server's, not a TLS handshake's; and a pool that keeps
// a number of requests in flight.

import { Agent, request } from 'node:https';
import type { RunningServer } from '../harness/start-server.js';

export function keepAliveClient(server: RunningServer, inFlight = 20): (method: string, path: string, body?: unknown) => Promise<{ status: number; body: string }> {
  const agent = new Agent({ keepAlive: true, maxSockets: inFlight, ca: server.client.ca });
  const url = new URL(server.client.baseUrl);
  return (method, path, body) => new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request({ host: url.hostname, port: url.port, path, method, agent, headers: { authorization: `Bearer ${server.client.token}`, ...(payload ? { 'content-type': 'application/json' } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export async function pool<T>(items: T[], work: (item: T) => Promise<void>, inFlight = 20): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}


// Real etcd for specs: Debian's etcd-server on loopback, one member or a
// cluster of several, each on ports the OS picked, in a temporary directory.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { tempDir } from './temp.js';

export const ETCD = process.env.ETCD_BIN ?? '/usr/bin/etcd';

export interface EtcdCluster {
  /** Client URLs, one per member: what --etcd-servers takes. */
  endpoints: string[];
  /** Stops one member with SIGKILL, as a crashed machine would; the others go on. */
  stopMember(index: number): Promise<void>;
  dispose(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function healthy(endpoint: string, deadline: number, member: ChildProcess, output: () => string): Promise<void> {
  for (;;) {
    if (member.exitCode !== null) throw new Error(`etcd exited ${member.exitCode}: ${output()}`);
    try {
      const response = await fetch(`${endpoint}/health`);
      if (response.ok && ((await response.json()) as { health?: string }).health === 'true') return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`etcd at ${endpoint} was not healthy in time: ${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts `size` etcd members forming one cluster, and resolves when every member answers /health. */
export async function startEtcd(size = 1): Promise<EtcdCluster> {
  if (!existsSync(ETCD)) throw new Error(`${ETCD} not found: install Debian's etcd-server (.ci/run does), or set ETCD_BIN`);
  const dir = tempDir('etcd');
  const ports = await Promise.all(Array.from({ length: size * 2 }, freePort));
  const members = Array.from({ length: size }, (_, i) => ({ name: `m${i}`, client: `http://127.0.0.1:${ports[2 * i]}`, peer: `http://127.0.0.1:${ports[2 * i + 1]}` }));
  const initialCluster = members.map((m) => `${m.name}=${m.peer}`).join(',');
  const processes = members.map((m) => {
    let output = '';
    const child = spawn(ETCD, [
      `--name=${m.name}`, `--data-dir=${join(dir, m.name)}`,
      `--listen-client-urls=${m.client}`, `--advertise-client-urls=${m.client}`,
      `--listen-peer-urls=${m.peer}`, `--initial-advertise-peer-urls=${m.peer}`,
      `--initial-cluster=${initialCluster}`, '--initial-cluster-state=new', `--initial-cluster-token=${dir}`,
      '--log-level=error', '--logger=zap',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4_000);
    });
    return { child, output: () => output, exited: new Promise<void>((resolve) => child.once('exit', () => resolve())) };
  });
  const deadline = Date.now() + 20_000;
  try {
    await Promise.all(members.map((m, i) => healthy(m.client, deadline, processes[i]!.child, processes[i]!.output)));
  } catch (e) {
    for (const p of processes) p.child.kill('SIGKILL');
    throw e;
  }
  const stop = async (i: number): Promise<void> => {
    const p = processes[i]!;
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await p.exited;
  };
  return {
    endpoints: members.map((m) => m.client),
    stopMember: stop,
    async dispose() {
      await Promise.all(processes.map((_, i) => stop(i)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An etcd cluster for a whole describe block: started before its first test, removed after its last. */
export function suiteEtcd(size = 1): { readonly cluster: EtcdCluster } {
  const suite = {} as { cluster: EtcdCluster };
  before(async () => {
    suite.cluster = await startEtcd(size);
  });
  after(async () => {
    await suite.cluster?.dispose();
  });
  return suite;
}

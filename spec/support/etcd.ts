// Real etcd for specs: Debian's etcd-server on loopback, one member or a
// cluster of several, each on ports the OS picked, in a temporary directory.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { tempDir } from './temp.js';

export const ETCD = process.env.ETCD_BIN ?? '/usr/bin/etcd';

export interface EtcdCluster {
  /** Client URLs, one per member: what --etcd-servers takes. */
  endpoints: string[];
  /** With `tls`: the files for --etcd-cafile, --etcd-certfile and --etcd-keyfile. */
  tls: TlsFiles | undefined;
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

export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

/**
 * A CA, a serving certificate for 127.0.0.1 and a client certificate, made with Debian's openssl:
 * etcd verifies clients against the same CA (--client-cert-auth), as a secured cluster does.
 */
function makeCertificates(dir: string): { server: TlsFiles; client: TlsFiles } {
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=etcd-ca', '-keyout', 'ca.key', '-out', 'ca.crt');
  const issue = (name: string, usage: string, san?: string): void => {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    const extensions = join(dir, `${name}.ext`);
    writeFileSync(extensions, `extendedKeyUsage=${usage}\n${san ? `subjectAltName=${san}\n` : ''}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', extensions, '-out', `${name}.crt`);
  };
  issue('server', 'serverAuth', 'IP:127.0.0.1');
  issue('client', 'clientAuth');
  const files = (name: string): TlsFiles => ({ ca: join(dir, 'ca.crt'), cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) });
  return { server: files('server'), client: files('client') };
}

/** etcd's /health over http, or over https with the client certificate. */
function health(endpoint: string, tls: TlsFiles | undefined): Promise<boolean> {
  if (!tls) return fetch(`${endpoint}/health`).then(async (r) => r.ok && ((await r.json()) as { health?: string }).health === 'true');
  return new Promise((resolve, reject) => {
    const req = request(`${endpoint}/health`, { ca: readFileSync(tls.ca), cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(res.statusCode === 200 && body.includes('"health":"true"')));
    });
    req.on('error', reject);
    req.end();
  });
}

async function healthy(endpoint: string, tls: TlsFiles | undefined, deadline: number, member: ChildProcess, output: () => string): Promise<void> {
  for (;;) {
    if (member.exitCode !== null) throw new Error(`etcd exited ${member.exitCode}: ${output()}`);
    try {
      if (await health(endpoint, tls)) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`etcd at ${endpoint} was not healthy in time: ${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts `size` etcd members forming one cluster, and resolves when every member answers /health.
 * With `tls`, clients must speak TLS and present a certificate from the cluster's CA.
 */
export async function startEtcd(size = 1, options: { tls?: boolean } = {}): Promise<EtcdCluster> {
  if (!existsSync(ETCD)) throw new Error(`${ETCD} not found: install Debian's etcd-server (.ci/run does), or set ETCD_BIN`);
  const dir = tempDir('etcd');
  const certificates = options.tls ? makeCertificates(dir) : undefined;
  const scheme = certificates ? 'https' : 'http';
  const ports = await Promise.all(Array.from({ length: size * 2 }, freePort));
  const members = Array.from({ length: size }, (_, i) => ({ name: `m${i}`, client: `${scheme}://127.0.0.1:${ports[2 * i]}`, peer: `http://127.0.0.1:${ports[2 * i + 1]}` }));
  const tlsFlags = certificates
    ? [`--cert-file=${certificates.server.cert}`, `--key-file=${certificates.server.key}`, `--trusted-ca-file=${certificates.server.ca}`, '--client-cert-auth']
    : [];
  const initialCluster = members.map((m) => `${m.name}=${m.peer}`).join(',');
  const processes = members.map((m) => {
    let output = '';
    const child = spawn(ETCD, [
      `--name=${m.name}`, `--data-dir=${join(dir, m.name)}`,
      `--listen-client-urls=${m.client}`, `--advertise-client-urls=${m.client}`,
      `--listen-peer-urls=${m.peer}`, `--initial-advertise-peer-urls=${m.peer}`,
      `--initial-cluster=${initialCluster}`, '--initial-cluster-state=new', `--initial-cluster-token=${dir}`,
      '--log-level=error', '--logger=zap', ...tlsFlags,
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4_000);
    });
    return { child, output: () => output, exited: new Promise<void>((resolve) => child.once('exit', () => resolve())) };
  });
  const deadline = Date.now() + 20_000;
  try {
    await Promise.all(members.map((m, i) => healthy(m.client, certificates?.client, deadline, processes[i]!.child, processes[i]!.output)));
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
    tls: certificates?.client,
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

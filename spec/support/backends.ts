// The shared storage suite: each spec written once and run against every
// backend, as k8s.io/apiserver's storage tests run against etcd3 and the cacher.
// etcd is real (spec/support/etcd.ts): one member per spec file, and a fresh
// --etcd-prefix per server, so servers in one file never see each other's objects.

import { describe } from 'node:test';
import type { StartOptions } from '../../harness/start-server.js';
import { suiteEtcd, type EtcdCluster } from './etcd.js';

export interface Backend {
  name: 'SQLite' | 'etcd';
  /** Server options for this backend, over `options`. */
  with(options?: Partial<StartOptions>): Partial<StartOptions>;
  /** The etcd cluster behind it; undefined on SQLite. */
  etcd(): EtcdCluster | undefined;
  /** Flags for a kubeactor process on this backend; each call names a fresh --etcd-prefix. */
  flags(): { args: string[]; prefix: string };
}

let prefixes = 0;

/** The storage contract is the stores' alone: no built-in controller writes beside the spec (kube-root-ca.crt, default ServiceAccounts). */
const STORE_ONLY: Partial<StartOptions> = { controllers: [] };

/** Describes `title` once per backend: `body` runs inside a describe block named for it. */
export function describeEachBackend(title: string, body: (backend: Backend) => void): void {
  describe(`${title}, on SQLite`, () => body({ name: 'SQLite', with: (options = {}) => ({ ...STORE_ONLY, ...options }), etcd: () => undefined, flags: () => ({ args: ['--controllers='], prefix: '/registry' }) }));
  describe(`${title}, on etcd`, () => {
    const etcd = suiteEtcd();
    const freshPrefix = (): string => `/registry-${process.pid}-${++prefixes}`;
    body({
      name: 'etcd',
      with: (options = {}) => ({ ...STORE_ONLY, storageBackend: 'etcd3', etcdServers: etcd.cluster.endpoints, etcdPrefix: freshPrefix(), ...options }),
      etcd: () => etcd.cluster,
      flags: () => {
        const prefix = freshPrefix();
        return { args: ['--controllers=', '--storage-backend=etcd3', `--etcd-servers=${etcd.cluster.endpoints.join(',')}`, `--etcd-prefix=${prefix}`], prefix };
      },
    });
  });
}

// What the authentication specs share: kube's 401 body, and a kubeconfig
// that logs in with a bearer token only.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestServer } from './server.js';

export const UNAUTHORIZED = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 };

/** A kubeconfig that logs in with a bearer token only. */
export function tokenKubeconfig(dir: string, name: string, server: TestServer, token: string): string {
  const path = join(dir, `${name}.kubeconfig`);
  writeFileSync(path, [
    'apiVersion: v1', 'kind: Config',
    'clusters:', '- name: kubeactor', '  cluster:', `    certificate-authority: ${server.caFile}`, `    server: https://127.0.0.1:${server.port}`,
    'users:', '- name: user', '  user:', `    token: ${token}`,
    'contexts:', '- name: kubeactor', '  context: {cluster: kubeactor, user: user}', 'current-context: kubeactor', '',
  ].join('\n'));
  return path;
}


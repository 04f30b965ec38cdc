// Reads a kubeconfig the way client-go's clientcmd does for the fields a
// command-line client needs: the current context's cluster and user, with
// inline data or file paths, tokens and client certificates.

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { yaml } from './lazy-yaml.js';

export interface ClusterAccess {
  server: string;
  ca?: string;
  insecureSkipTlsVerify: boolean;
  token?: string;
  cert?: string;
  key?: string;
}

interface KubeconfigFile {
  'current-context'?: string;
  contexts?: { name: string; context?: { cluster?: string; user?: string } }[];
  clusters?: { name: string; cluster?: Record<string, unknown> }[];
  users?: { name: string; user?: Record<string, string> }[];
}

export class KubeconfigError extends Error {}

/** $KUBECONFIG's first file, else ~/.kube/config: client-go's default order. */
export function defaultKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.KUBECONFIG?.split(':').find((p) => p !== '');
  return fromEnv ?? join(homedir(), '.kube', 'config');
}

export function readKubeconfig(path: string, contextName?: string): ClusterAccess {
  let config: KubeconfigFile;
  try {
    config = yaml().parse(readFileSync(path, 'utf8')) as KubeconfigFile;
  } catch (e) {
    throw new KubeconfigError(`cannot read kubeconfig ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const name = contextName ?? config['current-context'];
  const context = name ? config.contexts?.find((c) => c.name === name)?.context : config.contexts?.[0]?.context;
  if (name && !context) throw new KubeconfigError(`context "${name}" does not exist in ${path}`);
  const cluster = context?.cluster ? config.clusters?.find((c) => c.name === context.cluster)?.cluster : config.clusters?.[0]?.cluster;
  const user = context?.user ? config.users?.find((u) => u.name === context.user)?.user : config.users?.[0]?.user;
  if (!cluster || typeof cluster.server !== 'string') throw new KubeconfigError(`kubeconfig ${path} has no cluster for context "${name ?? ''}"`);
  const base = dirname(path);
  const file = (p: string): string => readFileSync(isAbsolute(p) ? p : join(base, p), 'utf8');
  const data = (inline: unknown, filePath: unknown): string | undefined =>
    typeof inline === 'string' ? Buffer.from(inline, 'base64').toString('utf8') : typeof filePath === 'string' ? file(filePath) : undefined;
  return {
    server: cluster.server as string,
    ca: data(cluster['certificate-authority-data'], cluster['certificate-authority']),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    token: user?.token ?? (user?.tokenFile ? file(user.tokenFile).trim() : undefined),
    cert: data(user?.['client-certificate-data'], user?.['client-certificate']),
    key: data(user?.['client-key-data'], user?.['client-key']),
  };
}

// What CompletingOptions prepares in --data-dir: the database path, the
// serving credentials and admin kubeconfig (kube's MaybeDefaultWithSelfSignedCerts),
// and the bearer tokens authn will accept.

import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { UserInfo } from '../../protocol/kube/meta.js';
import type { CompletedOptions } from './options.js';
import { ensureCredentials, ensureFrontProxyCredentials, ADMIN_USER } from './pki.js';
import { readTokenAuthFile } from '../authn/token-file.js';
import { ClientCertificateAuthenticator } from '../authn/x509.js';
import { ensureServiceAccountKey, type ServiceAccountKey } from '../authn/service-account-tokens.js';

export interface RuntimeFiles {
  dataDir: string;
  databasePath: string;
  certFile: string;
  keyFile: string;
  caFile: string;
  kubeconfigPath: string;
  tokens: Map<string, UserInfo>;
  /** --client-ca-file's PEM and its authenticator; read after the data directory's CA exists, so the flag may name it. */
  clientCa: { pem: string; authenticator: ClientCertificateAuthenticator } | undefined;
  /** Signs and verifies legacy service account tokens (sa.key). */
  serviceAccountKey: ServiceAccountKey;
  /** The aggregator's proxy client certificate (PEM) and the request-header CA that signed it, when generated. */
  frontProxy: { certPem: string; keyPem: string; requestHeaderCaPem: string | undefined };
}

/** A flag's file that cannot serve: one line, and the server does not start. */
export class RuntimeFileError extends Error {}

function clientCaOf(path: string | undefined): RuntimeFiles['clientCa'] {
  if (!path) return undefined;
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RuntimeFileError(`--client-ca-file: reading ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  try {
    return { pem, authenticator: new ClientCertificateAuthenticator(pem) };
  } catch (e) {
    throw new RuntimeFileError(`--client-ca-file: ${path}: ${(e as Error).message}`);
  }
}

function readFlagFile(flag: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new RuntimeFileError(`${flag}: reading ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

async function frontProxyOf(dataDir: string, raw: CompletedOptions['raw']): Promise<RuntimeFiles['frontProxy']> {
  const given = raw.proxyClientCertFile && raw.proxyClientKeyFile ? { certFile: raw.proxyClientCertFile, keyFile: raw.proxyClientKeyFile } : undefined;
  const files = await ensureFrontProxyCredentials(dataDir, given);
  return { certPem: readFlagFile('--proxy-client-cert-file', files.certPath), keyPem: readFlagFile('--proxy-client-key-file', files.keyPath), requestHeaderCaPem: files.requestHeaderCaPem };
}

export async function prepareRuntimeFiles(options: CompletedOptions): Promise<RuntimeFiles> {
  const dataDir = resolve(options.raw.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const credentials = await ensureCredentials(dataDir, { bindAddress: options.raw.bindAddress, securePort: options.raw.securePort });
  const clientCa = clientCaOf(options.raw.clientCaFile);
  const tokens = options.raw.tokenAuthFile ? readTokenAuthFile(options.raw.tokenAuthFile) : new Map<string, UserInfo>();
  tokens.set(credentials.adminToken, ADMIN_USER);
  return {
    dataDir,
    databasePath: join(dataDir, 'kubeactor.db'),
    certFile: credentials.serverCertPath,
    keyFile: credentials.serverKeyPath,
    caFile: credentials.caCertPath,
    kubeconfigPath: credentials.adminKubeconfigPath,
    tokens,
    clientCa,
    serviceAccountKey: ensureServiceAccountKey(dataDir),
    frontProxy: await frontProxyOf(dataDir, options.raw),
  };
}

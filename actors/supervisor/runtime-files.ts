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
import { RequestHeaderAuthenticator } from '../authn/request-header.js';
import { AbacAuthorizer, AbacPolicyError } from '../authz/abac.js';
import { AuthorizationConfigError, readAuthorizationConfig, type ConfiguredAuthorizer } from '../authz/authorization-config.js';
import { authenticationConfigOf, type AuthenticationConfig } from '../authn/authentication-config.js';
import { JwtConfigError } from '../authn/jwt.js';
import { readWebhookKubeconfig, WebhookConfigError } from '../../lib/webhook-kubeconfig.js';
import type { WebhookClientConfig } from '../../lib/webhook-client.js';
import { ensureServiceAccountKey, KeyFileError, verifyingKeys, type ServiceAccountKey, type VerifyingKey } from '../authn/service-account-keys.js';

export interface RuntimeFiles {
  dataDir: string;
  databasePath: string;
  certFile: string;
  keyFile: string;
  caFile: string;
  /** The data directory's CA (PEM), read once: every controller hands it on (kube-root-ca.crt, tokens' ca.crt). */
  caPem: string;
  kubeconfigPath: string;
  tokens: Map<string, UserInfo>;
  /** --client-ca-file's PEM and its authenticator; read after the data directory's CA exists, so the flag may name it. */
  clientCa: { pem: string; authenticator: ClientCertificateAuthenticator } | undefined;
  /** Signs service account tokens (--service-account-signing-key-file, or sa.key). */
  serviceAccountKey: ServiceAccountKey;
  /** Verifies them: the signing key's public half and --service-account-key-file's keys. */
  serviceAccountVerifyingKeys: VerifyingKey[];
  /** --authentication-config, or the --oidc-* flags. */
  authentication: AuthenticationConfig;
  /** The front proxy's authenticator (--requestheader-client-ca-file and its headers). */
  requestHeader: RequestHeaderAuthenticator | undefined;
  /** --authorization-policy-file's ABAC authorizer. */
  abac: AbacAuthorizer | undefined;
  /** --authorization-config's chain, which replaces --authorization-mode's. */
  authorizationChain: ConfiguredAuthorizer[] | undefined;
  /** Where the token and authorization webhooks are (their kubeconfig files). */
  webhooks: { token: WebhookClientConfig | undefined; authorization: WebhookClientConfig | undefined };
  /** The aggregator's proxy client certificate (PEM) and the request-header CA that signed it, when generated. */
  frontProxy: { certPem: string; keyPem: string; requestHeaderCaPem: string | undefined };
}

/** The messages of every RuntimeFileError raised in this process: bin/ exits 1 on them, as kube-apiserver does. */
const fileErrors = new Set<string>();

/** A flag's file that cannot serve (unreadable, malformed): one line, and the server does not start. */
export class RuntimeFileError extends Error {
  constructor(message: string) {
    super(message);
    fileErrors.add(message);
  }
}

export const isRuntimeFileError = (message: string): boolean => fileErrors.has(message);

function readPem(flag: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new RuntimeFileError(`${flag}: reading ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

function clientCaOf(path: string | undefined): RuntimeFiles['clientCa'] {
  if (!path) return undefined;
  const pem = readPem('--client-ca-file', path);
  try {
    return { pem, authenticator: new ClientCertificateAuthenticator(pem) };
  } catch (e) {
    throw new RuntimeFileError(`--client-ca-file: ${path}: ${(e as Error).message}`);
  }
}

function authenticationOf(options: CompletedOptions): AuthenticationConfig {
  try {
    return authenticationConfigOf(options.raw.authenticationConfig, options.raw);
  } catch (e) {
    if (e instanceof JwtConfigError) throw new RuntimeFileError(e.message);
    throw e;
  }
}

function authorizationOf(options: CompletedOptions): Pick<RuntimeFiles, 'abac' | 'authorizationChain'> {
  const raw = options.raw;
  try {
    return {
      abac: raw.authorizationPolicyFile ? AbacAuthorizer.fromFile(raw.authorizationPolicyFile) : undefined,
      authorizationChain: raw.authorizationConfig ? readAuthorizationConfig(raw.authorizationConfig) : undefined,
    };
  } catch (e) {
    if (e instanceof AbacPolicyError || e instanceof AuthorizationConfigError) throw new RuntimeFileError(e.message);
    throw e;
  }
}

function requestHeaderOf(options: CompletedOptions): RequestHeaderAuthenticator | undefined {
  const raw = options.raw;
  if (!raw.requestheaderClientCaFile) return undefined;
  const caPem = readPem('--requestheader-client-ca-file', raw.requestheaderClientCaFile);
  try {
    return new RequestHeaderAuthenticator({
      caPem, allowedNames: raw.requestheaderAllowedNames, usernameHeaders: raw.requestheaderUsernameHeaders, groupHeaders: raw.requestheaderGroupHeaders,
      uidHeaders: raw.requestheaderUidHeaders, extraHeaderPrefixes: raw.requestheaderExtraHeadersPrefix,
    });
  } catch (e) {
    throw new RuntimeFileError(`--requestheader-client-ca-file: ${raw.requestheaderClientCaFile}: ${(e as Error).message}`);
  }
}

function webhooksOf(options: CompletedOptions): RuntimeFiles['webhooks'] {
  const { authenticationTokenWebhookConfigFile: token, authorizationWebhookConfigFile: authorization } = options.raw;
  try {
    return {
      token: token ? readWebhookKubeconfig('--authentication-token-webhook-config-file', token) : undefined,
      authorization: authorization ? readWebhookKubeconfig('--authorization-webhook-config-file', authorization) : undefined,
    };
  } catch (e) {
    if (e instanceof WebhookConfigError) throw new RuntimeFileError(e.message);
    throw e;
  }
}

function serviceAccountKeysOf(options: CompletedOptions, dataDir: string): Pick<RuntimeFiles, 'serviceAccountKey' | 'serviceAccountVerifyingKeys'> {
  try {
    const serviceAccountKey = ensureServiceAccountKey(dataDir, options.raw.serviceAccountSigningKeyFile);
    return { serviceAccountKey, serviceAccountVerifyingKeys: verifyingKeys(serviceAccountKey, options.raw.serviceAccountKeyFile) };
  } catch (e) {
    if (e instanceof KeyFileError) throw new RuntimeFileError(e.message);
    throw e;
  }
}

async function frontProxyOf(dataDir: string, raw: CompletedOptions['raw']): Promise<RuntimeFiles['frontProxy']> {
  const given = raw.proxyClientCertFile && raw.proxyClientKeyFile ? { certFile: raw.proxyClientCertFile, keyFile: raw.proxyClientKeyFile } : undefined;
  const files = await ensureFrontProxyCredentials(dataDir, given);
  return { certPem: readPem('--proxy-client-cert-file', files.certPath), keyPem: readPem('--proxy-client-key-file', files.keyPath), requestHeaderCaPem: files.requestHeaderCaPem };
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
    caPem: readFileSync(credentials.caCertPath, 'utf8'),
    kubeconfigPath: credentials.adminKubeconfigPath,
    tokens,
    clientCa,
    ...serviceAccountKeysOf(options, dataDir),
    authentication: authenticationOf(options),
    webhooks: webhooksOf(options),
    requestHeader: requestHeaderOf(options),
    ...authorizationOf(options),
    frontProxy: await frontProxyOf(dataDir, options.raw),
  };
}

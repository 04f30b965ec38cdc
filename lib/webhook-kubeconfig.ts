// kube's webhook configuration files (--authentication-token-webhook-config-file,
// --authorization-webhook-config-file): a kubeconfig whose cluster is the
// webhook (server URL and CA) and whose user is the API server's credentials
// for it. Read once at start; a problem is one line naming the flag.
// The user may carry a client certificate and key (client-certificate[-data],
// client-key[-data]) and a bearer token (token, or tokenFile read at start);
// lib/webhook-client.ts presents them on every call.

import { X509Certificate, createPrivateKey } from 'node:crypto';
import { KubeconfigError, readKubeconfig } from './kubeconfig.js';
import type { WebhookClientConfig } from './webhook-client.js';

export class WebhookConfigError extends Error {}

export function readWebhookKubeconfig(flag: string, path: string): WebhookClientConfig {
  let access;
  try {
    access = readKubeconfig(path);
  } catch (e) {
    // The reason's first line only: never the file's content.
    throw new WebhookConfigError(`${flag}: ${e instanceof KubeconfigError || e instanceof Error ? e.message.split('\n')[0] : 'unreadable'}`);
  }
  if (!/^https:\/\//.test(access.server)) throw new WebhookConfigError(`${flag}: ${path}: the webhook's server must be an https URL`);
  if (access.ca !== undefined && !access.ca.includes('-----BEGIN CERTIFICATE-----')) throw new WebhookConfigError(`${flag}: ${path}: certificate-authority holds no PEM certificate`);
  const fail = (why: string): never => {
    throw new WebhookConfigError(`${flag}: ${path}: ${why}`);
  };
  // clientcmd's validation of the clientCert authentication method.
  if (access.cert !== undefined && access.key === undefined) fail('client-key-data or client-key must be specified to use the clientCert authentication method');
  if (access.key !== undefined && access.cert === undefined) fail('client-cert-data or client-cert must be specified to use the clientCert authentication method');
  if (access.cert !== undefined && access.key !== undefined) checkKeyPair(access.cert, access.key, fail);
  if (access.token === '') fail('the user\'s token is empty');
  return {
    url: access.server,
    ...(access.ca ? { caBundle: access.ca } : {}),
    ...(access.cert !== undefined && access.key !== undefined ? { clientCert: access.cert, clientKey: access.key } : {}),
    ...(access.token !== undefined ? { bearerToken: access.token } : {}),
  };
}

/** The certificate and key parse and belong together (Go's tls.X509KeyPair); the reason never quotes them. */
function checkKeyPair(certPem: string, keyPem: string, fail: (why: string) => never): void {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    return fail('client-certificate holds no PEM certificate');
  }
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    return fail('client-key holds no PEM private key');
  }
  if (!cert.checkPrivateKey(key)) fail('tls: private key does not match public key');
}

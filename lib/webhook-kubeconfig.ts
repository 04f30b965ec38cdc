// kube's webhook configuration files (--authentication-token-webhook-config-file,
// --authorization-webhook-config-file): a kubeconfig whose cluster is the
// webhook (server URL and CA) and whose user is the API server's credentials
// for it. Read once at start; a problem is one line naming the flag.
//
// lib/webhook-client.ts sends no client credentials, so a kubeconfig's user
// (client certificate, token) is refused rather than silently not sent.

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
  if (access.token !== undefined || access.cert !== undefined) throw new WebhookConfigError(`${flag}: ${path}: client credentials for the webhook (token, client certificate) are not supported yet`);
  if (access.ca !== undefined && !access.ca.includes('-----BEGIN CERTIFICATE-----')) throw new WebhookConfigError(`${flag}: ${path}: certificate-authority holds no PEM certificate`);
  return { url: access.server, ...(access.ca ? { caBundle: access.ca } : {}) };
}

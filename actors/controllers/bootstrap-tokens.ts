// Bootstrap token Secrets as kube's cluster-bootstrap library reads them, for
// the bootstrapsigner and tokencleaner controllers: Secrets of type
// `bootstrap.kubernetes.io/token` named `bootstrap-token-<id>` in kube-system,
// whose data holds token-id, token-secret, an optional RFC 3339 expiration
// and usage-bootstrap-* flags.

import type { KubeObject } from '../../protocol/kube/meta.js';

export const BOOTSTRAP_TOKEN_TYPE = 'bootstrap.kubernetes.io/token';
export const TOKEN_SECRET_NAMESPACE = 'kube-system';
const NAME = /^bootstrap-token-([a-z0-9]{6})$/;

/** What a store need send of its Secrets for isBootstrapToken: those of its namespace. */
export const BOOTSTRAP_TOKEN_FILTER = { namespace: TOKEN_SECRET_NAMESPACE } as const;

export const isBootstrapToken = (secret: KubeObject): boolean => secret.type === BOOTSTRAP_TOKEN_TYPE && secret.metadata.namespace === TOKEN_SECRET_NAMESPACE;

/** One data key, decoded (empty when absent). */
export function tokenData(secret: KubeObject, key: string): string {
  const value = (secret.data as Record<string, string> | undefined)?.[key];
  return value === undefined ? '' : Buffer.from(value, 'base64').toString('utf8');
}

/**
 * kube's GetExpiration: milliseconds left, or `expired`. No expiration never expires; one that does not
 * parse counts as expired.
 */
export function expiration(secret: KubeObject, now: number): { expired: true } | { expired: false; leftMs?: number } {
  const text = tokenData(secret, 'expiration');
  if (text === '') return { expired: false };
  const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at) || at - now <= 0) return { expired: true };
  return { expired: false, leftMs: at - now };
}

/** The token's id and secret when it may sign cluster-info: well named, unexpired, usage-bootstrap-signing "true". */
export function signingToken(secret: KubeObject, now: number): { id: string; secret: string } | undefined {
  const named = NAME.exec(secret.metadata.name ?? '')?.[1];
  const id = tokenData(secret, 'token-id');
  const value = tokenData(secret, 'token-secret');
  if (!named || id !== named || value === '' || expiration(secret, now).expired) return undefined;
  if (tokenData(secret, 'usage-bootstrap-signing') !== 'true') return undefined;
  return { id, secret: value };
}

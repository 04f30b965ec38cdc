// kube's bootstrap token authenticator (--enable-bootstrap-token-auth): a
// bearer token `<id>.<secret>` (6 and 16 of [a-z0-9]) is the user
// system:bootstrap:<id>, in system:bootstrappers and the groups its Secret's
// auth-extra-groups names, while kube-system holds a Secret
// bootstrap-token-<id> of type bootstrap.kubernetes.io/token with that
// token-id and token-secret (compared in constant time), marked
// usage-bootstrap-authentication "true", not expired and not being deleted.
// authn keeps the index below current from the secrets store.

import { timingSafeEqual } from 'node:crypto';
import type { KubeObject, UserInfo } from '../../protocol/kube/meta.js';
import type { Clock } from '../../lib/clock.js';
import type { Authenticated, TokenAuthenticator } from './authenticator.js';

export const BOOTSTRAP_TOKEN_TYPE = 'bootstrap.kubernetes.io/token';
const TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const EXTRA_GROUP = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;
const NAMESPACE = 'kube-system';
const PREFIX = 'bootstrap-token-';

interface Held {
  secret: Buffer;
  expiresAt: number | undefined;
  groups: string[];
}

const decoded = (data: Record<string, unknown>, key: string): string | undefined =>
  typeof data[key] === 'string' ? Buffer.from(data[key] as string, 'base64').toString('utf8') : undefined;

export class BootstrapTokens implements TokenAuthenticator {
  private readonly tokens = new Map<string, Held>();

  constructor(private readonly clock: Clock) {}

  /** A Secret was added, changed or deleted. */
  observe(namespace: string, name: string, object: KubeObject | undefined): void {
    if (namespace !== NAMESPACE || !name.startsWith(PREFIX)) return;
    const id = name.slice(PREFIX.length);
    this.tokens.delete(id);
    if (!object || object.type !== BOOTSTRAP_TOKEN_TYPE || object.metadata.deletionTimestamp) return;
    const data = (object.data ?? {}) as Record<string, unknown>;
    const secret = decoded(data, 'token-secret');
    if (decoded(data, 'token-id') !== id || !secret || decoded(data, 'usage-bootstrap-authentication') !== 'true') return;
    const expiration = decoded(data, 'expiration');
    const groups = (decoded(data, 'auth-extra-groups') ?? '').split(',').map((g) => g.trim()).filter(Boolean);
    // kube refuses a token whose extra groups are not all bootstrappers' groups.
    if (!groups.every((g) => EXTRA_GROUP.test(g))) return;
    this.tokens.set(id, { secret: Buffer.from(secret), expiresAt: expiration ? Date.parse(expiration) : undefined, groups });
  }

  authenticateToken(token: string): Authenticated | undefined {
    const match = TOKEN.exec(token);
    if (!match) return undefined;
    const [, id, secret] = match as unknown as [string, string, string];
    const held = this.tokens.get(id);
    if (!held) return undefined;
    const given = Buffer.from(secret);
    if (held.secret.length !== given.length || !timingSafeEqual(held.secret, given)) return undefined;
    if (held.expiresAt !== undefined && !(held.expiresAt > this.clock.now())) return undefined;
    const user: UserInfo = { username: `system:bootstrap:${id}`, groups: [...new Set(['system:bootstrappers', ...held.groups])] };
    return { user };
  }
}

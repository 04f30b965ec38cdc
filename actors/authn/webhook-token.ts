// kube's webhook token authenticator (--authentication-token-webhook-config-file):
// a bearer token no other authenticator knew is sent to the webhook in a
// TokenReview (authentication.k8s.io, --authentication-token-webhook-version
// v1 or v1beta1) with the audiences asked for; `status.authenticated` names
// the user. Answers, both yes and no, are cached for
// --authentication-token-webhook-cache-ttl (kube's default 2m), keyed by a
// hash of the token and audiences, never the token itself. A webhook that
// fails is no user (401), logged without the token.

import { createHash } from 'node:crypto';
import type { UserInfo } from '../../protocol/kube/meta.js';
import type { Clock } from '../../lib/clock.js';
import type { Log } from '../../lib/log.js';
import type { WebhookClient, WebhookClientConfig } from '../../lib/webhook-client.js';
import type { Authenticated, TokenAuthenticator } from './authenticator.js';

const TIMEOUT_MS = 30_000;
const CACHE_LIMIT = 4096;

interface TokenReviewStatus {
  authenticated?: boolean;
  user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  audiences?: string[];
  error?: string;
}

export class WebhookTokenAuthenticator implements TokenAuthenticator {
  private readonly cache = new Map<string, { answer: Authenticated | undefined; until: number }>();

  constructor(
    private readonly config: WebhookClientConfig,
    private readonly options: { version: 'v1' | 'v1beta1'; cacheTtlMs: number },
    private readonly client: WebhookClient,
    private readonly clock: Clock,
    private readonly logger: Log,
  ) {}

  authenticateToken(token: string, audiences: readonly string[]): Authenticated | undefined | Promise<Authenticated | undefined> {
    const key = createHash('sha256').update(token).update('\0').update(audiences.join('\0')).digest('base64');
    const cached = this.cache.get(key);
    const now = this.clock.now();
    if (cached && cached.until > now) return cached.answer;
    return this.review(token, audiences).then((answer) => {
      if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, { answer, until: this.clock.now() + this.options.cacheTtlMs });
      return answer;
    }, (e: unknown) => {
      this.logger.warn(`token webhook: ${(e as Error).message}`);
      return undefined;
    });
  }

  private async review(token: string, audiences: readonly string[]): Promise<Authenticated | undefined> {
    const body = JSON.stringify({
      apiVersion: `authentication.k8s.io/${this.options.version}`,
      kind: 'TokenReview',
      metadata: { creationTimestamp: null },
      spec: { token, ...(audiences.length > 0 ? { audiences } : {}) },
      status: { user: {} },
    });
    const answer = await this.client.post({ name: 'authentication-token-webhook', config: this.config, body, timeoutMs: TIMEOUT_MS });
    const status = ((answer.body as { status?: TokenReviewStatus } | undefined)?.status ?? {});
    if (status.authenticated !== true || typeof status.user?.username !== 'string' || status.user.username === '') return undefined;
    // Audiences the webhook names must meet those asked for.
    let accepted = [...audiences];
    if (audiences.length > 0 && Array.isArray(status.audiences)) {
      accepted = audiences.filter((a) => status.audiences!.includes(a));
      if (accepted.length === 0) return undefined;
    }
    const user: UserInfo = { username: status.user.username, groups: Array.isArray(status.user.groups) ? status.user.groups.map(String) : [] };
    if (status.user.uid) user.uid = status.user.uid;
    if (status.user.extra && typeof status.user.extra === 'object') user.extra = status.user.extra;
    return { user, audiences: accepted };
  }
}

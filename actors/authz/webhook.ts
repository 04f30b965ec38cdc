// kube's Webhook authorizer (--authorization-webhook-config-file): each
// question goes to the webhook as a SubjectAccessReview
// (authorization.k8s.io, --authorization-webhook-version v1 or v1beta1);
// `status.allowed` allows, `status.denied` denies, anything else is no
// opinion and the chain goes on. Answers are cached: allowed ones for
// --authorization-webhook-cache-authorized-ttl (5m), the others for
// --authorization-webhook-cache-unauthorized-ttl (30s). A webhook that fails
// has no opinion, with an error: unless a later authorizer allows, the
// request gets kube's 500.

import type { UserInfo } from '../../protocol/kube/meta.js';
import type { Clock } from '../../lib/clock.js';
import type { WebhookClient, WebhookClientConfig } from '../../lib/webhook-client.js';
import { WebhookCallError } from '../../lib/webhook-client.js';
import { isResourceAttributes, type Attributes } from './rbac.js';
import type { ModeAuthorizer, RulesAnswer, Verdict } from './decide.js';
import type { Program } from '../../lib/cel/compile.js';
import { dynToCel } from '../../lib/cel/schema-types.js';
import { RUNTIME_CEL_COST_BUDGET } from '../../lib/cel/cost.js';

const TIMEOUT_MS = 30_000;
const CACHE_LIMIT = 8192;

export interface WebhookAuthorizerOptions {
  version: 'v1' | 'v1beta1';
  authorizedTtlMs: number;
  unauthorizedTtlMs: number;
  /** --authorization-config's: the webhook's name, its timeout, what a failure means, and when to ask at all. */
  name?: string;
  timeoutMs?: number;
  failurePolicy?: 'NoOpinion' | 'Deny';
  matchConditions?: readonly Program[];
}

/** The SubjectAccessReview spec kube sends for a question (v1beta1 names the groups `group`). */
function specOf(user: UserInfo, a: Attributes, version: 'v1' | 'v1beta1'): Record<string, unknown> {
  const spec: Record<string, unknown> = isResourceAttributes(a)
    ? { resourceAttributes: { namespace: a.namespace, verb: a.verb, group: a.apiGroup, resource: a.resource, subresource: a.subresource, name: a.name } }
    : { nonResourceAttributes: { path: a.path, verb: a.verb } };
  spec.user = user.username;
  spec[version === 'v1' ? 'groups' : 'group'] = user.groups;
  if (user.uid) spec.uid = user.uid;
  if (user.extra) spec.extra = user.extra;
  return spec;
}

export class WebhookAuthorizer implements ModeAuthorizer {
  private readonly cache = new Map<string, { verdict: Verdict; until: number }>();

  constructor(private readonly config: WebhookClientConfig, private readonly options: WebhookAuthorizerOptions, private readonly client: WebhookClient, private readonly clock: Clock) {}

  authorize(user: UserInfo, attributes: Attributes): Verdict | Promise<Verdict> {
    const spec = specOf(user, attributes, this.options.version);
    // kube's match conditions: CEL over the SubjectAccessReview's spec; any false skips the webhook.
    for (const condition of this.options.matchConditions ?? []) {
      let matched: unknown;
      try {
        matched = condition.run({ request: dynToCel(specOf(user, attributes, 'v1')) }, RUNTIME_CEL_COST_BUDGET).value;
      } catch (e) {
        return this.failed(`match condition ${condition.expression}: ${(e as Error).message}`);
      }
      if (matched !== true) return { decision: 'NoOpinion', reason: '' };
    }
    const key = JSON.stringify(spec);
    const cached = this.cache.get(key);
    if (cached && cached.until > this.clock.now()) return cached.verdict;
    const body = JSON.stringify({ apiVersion: `authorization.k8s.io/${this.options.version}`, kind: 'SubjectAccessReview', metadata: { creationTimestamp: null }, spec, status: { allowed: false } });
    return this.client.post({ name: this.options.name ?? 'authorization-webhook', config: this.config, body, timeoutMs: this.options.timeoutMs ?? TIMEOUT_MS }).then((answer) => {
      const status = (answer.body as { status?: { allowed?: unknown; denied?: unknown; reason?: unknown } } | undefined)?.status ?? {};
      const reason = typeof status.reason === 'string' ? status.reason : '';
      const verdict: Verdict = status.allowed === true ? { decision: 'Allow', reason } : status.denied === true ? { decision: 'Deny', reason } : { decision: 'NoOpinion', reason };
      if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, { verdict, until: this.clock.now() + (verdict.decision === 'Allow' ? this.options.authorizedTtlMs : this.options.unauthorizedTtlMs) });
      return verdict;
    }, (e: unknown) => this.failed(e instanceof WebhookCallError ? e.message : String(e)));
  }

  /** kube's: a webhook cannot be asked what it would allow. */
  rulesFor(): RulesAnswer {
    return { resourceRules: [], nonResourceRules: [], incomplete: true, error: 'webhook authorizer does not support user rule resolution' };
  }

  /** The legacy flags' webhook has no opinion and an error (kube's 500); a configured one follows its failurePolicy. */
  private failed(error: string): Verdict {
    if (this.options.failurePolicy === 'Deny') return { decision: 'Deny', reason: error };
    if (this.options.failurePolicy === 'NoOpinion') return { decision: 'NoOpinion', reason: '' };
    return { decision: 'NoOpinion', reason: '', error };
  }
}

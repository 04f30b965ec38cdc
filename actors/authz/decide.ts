// kube's union authorizer: system:masters is always allowed (kube's
// privileged-group authorizer, first); otherwise each authorizer of the chain
// (--authorization-mode, or --authorization-config's list) is asked in order.
// The first to allow or deny decides; "no opinion" falls through to the next;
// when none has an opinion the request is denied. An authorizer that must ask
// elsewhere (a webhook) answers with a promise; only then is the decision
// asynchronous.

import type { UserInfo } from '../../protocol/kube/meta.js';
import { aggregateMessage, type Attributes, type Decision, type NonResourceRule, type ResourceRule, type SubjectRulesReviewStatus } from './rbac.js';
import { isPrivileged } from './attributes.js';
import { isPromise, type MaybePromise } from '../../lib/maybe-promise.js';

export type AuthorizationMode = 'AlwaysAllow' | 'AlwaysDeny' | 'ABAC' | 'RBAC' | 'Node' | 'Webhook';
export const AUTHORIZATION_MODES: readonly AuthorizationMode[] = ['AlwaysAllow', 'AlwaysDeny', 'ABAC', 'RBAC', 'Node', 'Webhook'];

/** One authorizer's answer: kube's Decision and its reason. */
export interface Verdict {
  decision: 'Allow' | 'Deny' | 'NoOpinion';
  reason: string;
  /** The authorizer could not decide (a webhook failed): no opinion, and kube's 500 unless another allows. */
  error?: string;
}

/** One authorizer's part of a SelfSubjectRulesReview (kube's RuleResolver.RulesFor). */
export interface RulesAnswer {
  resourceRules: ResourceRule[];
  nonResourceRules: NonResourceRule[];
  /** It may allow more than it listed. */
  incomplete: boolean;
  error?: string;
}

export interface ModeAuthorizer {
  authorize(user: UserInfo, attributes: Attributes): MaybePromise<Verdict>;
  /** What it allows `user` in `namespace`, as far as it can say. */
  rulesFor(user: UserInfo, namespace: string): RulesAnswer;
}

export const NO_RULES: RulesAnswer = { resourceRules: [], nonResourceRules: [], incomplete: false };

export const NO_OPINION: Verdict = { decision: 'NoOpinion', reason: '' };

export const alwaysAllow: ModeAuthorizer = {
  authorize: () => ({ decision: 'Allow', reason: '' }),
  rulesFor: () => ({ resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }], incomplete: false }),
};
/** kube's AlwaysDeny has no opinion, so a later mode may still allow. */
export const alwaysDeny: ModeAuthorizer = { authorize: () => ({ decision: 'NoOpinion', reason: 'Everything is forbidden.' }), rulesFor: () => NO_RULES };

/** kube's union rule resolver: every authorizer's rules in chain order; incomplete if any is; their errors aggregated. */
export function rulesOfChain(authorizers: readonly ModeAuthorizer[], user: UserInfo, namespace: string): SubjectRulesReviewStatus {
  const status: SubjectRulesReviewStatus = { resourceRules: [], nonResourceRules: [], incomplete: false };
  const errors: string[] = [];
  for (const authorizer of authorizers) {
    const answer = authorizer.rulesFor(user, namespace);
    status.resourceRules.push(...answer.resourceRules);
    status.nonResourceRules.push(...answer.nonResourceRules);
    if (answer.incomplete) status.incomplete = true;
    if (answer.error) errors.push(answer.error);
  }
  if (errors.length > 0) status.evaluationError = aggregateMessage(errors);
  return status;
}

/**
 * Allowed, or denied with the reasons the authorizers gave (a missing role,
 * say); the 403 itself is worded by forbiddenStatus in rbac.ts.
 */
export function decide(authorizers: readonly ModeAuthorizer[], user: UserInfo, attributes: Attributes, from = 0, reasons: string[] = [], errors: string[] = []): MaybePromise<Decision> {
  if (from === 0 && isPrivileged(user)) return { allowed: true, reason: '' };
  for (let i = from; i < authorizers.length; i++) {
    const verdict = authorizers[i]!.authorize(user, attributes);
    if (isPromise(verdict)) return verdict.then((v) => conclude(v, reasons, errors) ?? decide(authorizers, user, attributes, i + 1, reasons, errors));
    const decided = conclude(verdict, reasons, errors);
    if (decided) return decided;
  }
  return { allowed: false, reason: reasons.join(', '), ...(errors.length > 0 ? { error: errors.join(', ') } : {}) };
}

function conclude(verdict: Verdict, reasons: string[], errors: string[]): Decision | undefined {
  if (verdict.decision === 'Allow') return { allowed: true, reason: verdict.reason };
  if (verdict.error) errors.push(verdict.error);
  if (verdict.reason) reasons.push(verdict.reason);
  if (verdict.decision === 'Deny') return { allowed: false, reason: reasons.join(', ') };
  return undefined;
}

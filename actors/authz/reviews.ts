// The access reviews authz answers: "may I…?" (SelfSubjectAccessReview),
// "what may I…?" (SelfSubjectRulesReview) and "may they…?" (SubjectAccessReview,
// and LocalSubjectAccessReview within one namespace).

import type { UserInfo } from '../../protocol/kube/meta.js';
import type { ApiRequest } from '../../protocol/messages/request.js';
import { jsonResponse, statusResponse } from '../../protocol/messages/http.js';
import { badRequest } from '../../protocol/kube/status.js';
import { decodeBody, isPlainObject } from '../../lib/decode-body.js';
import type { Attributes, Decision, SubjectRulesReviewStatus } from './rbac.js';
import { isPromise, type MaybePromise } from '../../lib/maybe-promise.js';
import { decodeAs } from '../../scheme/validate.js';
import { definitions } from '../../scheme/definitions.js';
import { selfSubjectAccessReview, selfSubjectRulesReview, subjectAccessReview } from '../../scheme/kinds/reviews.js';

/** Each review's kind and schema, by resource: a body is decoded against it before anything reads it. */
const REVIEW_KINDS: Readonly<Record<string, { kind: string; definition: string }>> = {
  ...Object.fromEntries([selfSubjectAccessReview, selfSubjectRulesReview, subjectAccessReview].map((k) => [k.plural, { kind: k.kind, definition: k.definition }])),
  localsubjectaccessreviews: { kind: 'LocalSubjectAccessReview', definition: 'io.k8s.api.authorization.v1.LocalSubjectAccessReview' },
};

type Authorizer = (user: UserInfo, attributes: Attributes) => MaybePromise<Decision>;

interface ReviewSpec {
  resourceAttributes?: { namespace?: string; verb?: string; group?: string; resource?: string; subresource?: string; name?: string };
  nonResourceAttributes?: { path?: string; verb?: string };
  namespace?: string;
  user?: string;
  groups?: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

function attributesOfSpec(spec: ReviewSpec): Attributes | undefined {
  const r = spec.resourceAttributes;
  if (r) {
    return { verb: r.verb ?? '', apiGroup: r.group ?? '', resource: r.resource ?? '', subresource: r.subresource ?? '', namespace: r.namespace ?? '', name: r.name ?? '' };
  }
  const n = spec.nonResourceAttributes;
  if (n) return { verb: n.verb ?? '', path: n.path ?? '' };
  return undefined;
}

export async function serveReview(request: ApiRequest, authorizer: Authorizer, rules: (user: UserInfo, namespace: string) => SubjectRulesReviewStatus): Promise<void> {
  const info = request.info;
  if (!info.isResourceRequest) return;
  const decoded = decodeBody(request);
  if (!decoded.ok) return request.replyTo.send(statusResponse(request.id, decoded.status));
  const body = decoded.value;
  // Decoded against the review's schema first, as every stored kind is: a wrong type is a 400, never a crash below.
  const kind = REVIEW_KINDS[info.resource];
  const decodeError = kind && isPlainObject(body) ? decodeAs(body, kind.definition, definitions) : undefined;
  if (kind && decodeError) {
    return request.replyTo.send(statusResponse(request.id, badRequest(`${kind.kind} in version "v1" cannot be handled as a ${kind.kind}: ${decodeError}`)));
  }
  if (!isPlainObject(body) || !isPlainObject(body.spec)) return request.replyTo.send(statusResponse(request.id, badRequest('the review must have a spec')));
  const spec = body.spec as ReviewSpec;
  const self = request.user!;
  const answer = (status: object): void =>
    request.replyTo.send(jsonResponse(request.id, 201, { ...body, metadata: { ...(isPlainObject(body.metadata) ? body.metadata : {}), creationTimestamp: null }, status }));

  if (info.resource === 'selfsubjectrulesreviews') {
    // Only RBAC can list what it allows; with any other mode that might allow, the list is incomplete, as kube says.
    // Every authorizer of the chain says what it allows; one that cannot (a webhook, the Node authorizer for a node) makes the list incomplete.
    return answer(rules(self, spec.namespace ?? ''));
  }
  const attributes = attributesOfSpec(spec);
  if (!attributes) {
    return request.replyTo.send(statusResponse(request.id, badRequest('exactly one of nonResourceAttributes or resourceAttributes must be specified')));
  }
  if (info.resource === 'localsubjectaccessreviews') {
    // kube's LocalSubjectAccessReview: the question is about the request's namespace, and only that one.
    const asked = spec.resourceAttributes?.namespace;
    if (asked !== undefined && asked !== '' && asked !== info.namespace) {
      return request.replyTo.send(statusResponse(request.id, badRequest(`spec.resourceAttributes.namespace must match namespace: ${info.namespace}`)));
    }
    if ('resource' in attributes) attributes.namespace = info.namespace;
  }
  const aboutOthers = info.resource === 'subjectaccessreviews' || info.resource === 'localsubjectaccessreviews';
  const subject: UserInfo = aboutOthers ? { username: spec.user ?? '', groups: spec.groups ?? [], ...(spec.uid ? { uid: spec.uid } : {}), ...(spec.extra ? { extra: spec.extra } : {}) } : self;
  const decided = authorizer(subject, attributes);
  const decision = isPromise(decided) ? await decided : decided;
  answer(decision.allowed ? { allowed: true, reason: decision.reason || undefined } : { allowed: false, reason: '' });
}

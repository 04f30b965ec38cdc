// kube's authz library (k8s.io/apiserver/pkg/cel/library/authz.go) for
// admission policies: authorizer.group(g).resource(r).namespace(ns).name(n)
// .subresource(s).check(verb), authorizer.path(p).check(verb),
// authorizer.serviceAccount(ns, name), the request's own
// authorizer.requestResource, fieldSelector/labelSelector (AuthorizeWithSelectors),
// and a Decision's allowed(), reason(), errored(), error().
// The check itself is a callback the caller supplies (the server's authorizer).

import type { UserInfo } from '../../../protocol/kube/meta.js';
import type { CelEnvironment } from './types.js';

export interface CelAuthzAttributes {
  verb: string;
  /** Resource requests: */
  apiGroup?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  fieldSelector?: string;
  labelSelector?: string;
  /** Non-resource requests: */
  path?: string;
}

export interface CelAuthzDecision { allowed: boolean; reason: string; error?: string }
export type CelAuthorize = (user: UserInfo, attributes: CelAuthzAttributes) => CelAuthzDecision;

export class Authorizer {
  constructor(readonly authorize: CelAuthorize, readonly user: UserInfo, readonly requestResource?: ResourceCheck) {}
}
export class PathCheck {
  constructor(readonly authorizer: Authorizer, readonly path: string) {}
}
export class GroupCheck {
  constructor(readonly authorizer: Authorizer, readonly group: string) {}
}
export class ResourceCheck {
  constructor(
    readonly authorizer: Authorizer,
    readonly attributes: Omit<CelAuthzAttributes, 'verb'>,
  ) {}
  with(change: Partial<CelAuthzAttributes>): ResourceCheck {
    return new ResourceCheck(this.authorizer, { ...this.attributes, ...change });
  }
}
export class Decision {
  constructor(readonly decision: CelAuthzDecision) {}
}

function check(authorizer: Authorizer, attributes: CelAuthzAttributes): Decision {
  try {
    return new Decision(authorizer.authorize(authorizer.user, attributes));
  } catch (e) {
    return new Decision({ allowed: false, reason: '', error: (e as Error).message });
  }
}

const serviceAccountUser = (namespace: string, name: string): UserInfo => ({
  username: `system:serviceaccount:${namespace}:${name}`,
  groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`],
});

export function registerAuthz(env: CelEnvironment): void {
  const A = 'kubernetes.authorization.Authorizer';
  const P = 'kubernetes.authorization.PathCheck';
  const G = 'kubernetes.authorization.GroupCheck';
  const R = 'kubernetes.authorization.ResourceCheck';
  const D = 'kubernetes.authorization.Decision';
  env
    .registerType(R, ResourceCheck)
    .registerType(A, { ctor: Authorizer, fields: { requestResource: R } } as never)
    .registerType(P, PathCheck)
    .registerType(G, GroupCheck)
    .registerType(D, Decision)
    .registerFunction(`${A}.path(string): ${P}`, (a: Authorizer, path: string) => new PathCheck(a, path))
    .registerFunction(`${A}.group(string): ${G}`, (a: Authorizer, group: string) => new GroupCheck(a, group))
    .registerFunction(`${A}.serviceAccount(string, string): ${A}`, (a: Authorizer, ns: string, name: string) => new Authorizer(a.authorize, serviceAccountUser(ns, name)))
    .registerFunction(`${G}.resource(string): ${R}`, (g: GroupCheck, resource: string) =>
      new ResourceCheck(g.authorizer, { apiGroup: g.group, resource, subresource: '', namespace: '', name: '' }),
    )
    .registerFunction(`${R}.subresource(string): ${R}`, (r: ResourceCheck, subresource: string) => r.with({ subresource }))
    .registerFunction(`${R}.namespace(string): ${R}`, (r: ResourceCheck, namespace: string) => r.with({ namespace }))
    .registerFunction(`${R}.name(string): ${R}`, (r: ResourceCheck, name: string) => r.with({ name }))
    .registerFunction(`${R}.fieldSelector(string): ${R}`, (r: ResourceCheck, fieldSelector: string) => r.with({ fieldSelector }))
    .registerFunction(`${R}.labelSelector(string): ${R}`, (r: ResourceCheck, labelSelector: string) => r.with({ labelSelector }))
    .registerFunction(`${R}.check(string): ${D}`, (r: ResourceCheck, verb: string) => check(r.authorizer, { ...r.attributes, verb }))
    .registerFunction(`${P}.check(string): ${D}`, (p: PathCheck, verb: string) => check(p.authorizer, { path: p.path, verb }))
    .registerFunction(`${D}.allowed(): bool`, (d: Decision) => d.decision.allowed)
    .registerFunction(`${D}.reason(): string`, (d: Decision) => d.decision.reason)
    .registerFunction(`${D}.errored(): bool`, (d: Decision) => d.decision.error !== undefined)
    .registerFunction(`${D}.error(): string`, (d: Decision) => d.decision.error ?? '');
}

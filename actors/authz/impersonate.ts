// kube's impersonation filter: `Impersonate-User`, `Impersonate-Group`
// (repeatable), `Impersonate-Uid` and `Impersonate-Extra-<key>` swap the
// request's user, if the real user may `impersonate` each of them:
//
//   Impersonate-User  system:serviceaccount:<ns>:<n>  serviceaccounts "<n>" in <ns>  (core)
//   Impersonate-User  <name>                          users "<name>"                 (core)
//   Impersonate-Group <group>                         groups "<group>"               (core)
//   Impersonate-Uid   <uid>                           uids "<uid>"                   (authentication.k8s.io)
//   Impersonate-Extra-<key> <value>                   userextras/<key> "<value>"     (authentication.k8s.io)
//
// A service account impersonated without groups gets its fixed groups; every
// impersonated user but system:anonymous is in system:authenticated (anonymous
// in system:unauthenticated). Asking for any of the others without a user is
// kube's internal error. The first refusal is a 403 in kube's words.

import type { UserInfo } from '../../protocol/kube/meta.js';
import type { ApiRequest } from '../../protocol/messages/request.js';
import { internalError, type Status } from '../../protocol/kube/status.js';
import { forbiddenStatus, type Attributes, type Decision } from './rbac.js';
import { isPromise, type MaybePromise } from '../../lib/maybe-promise.js';

type Authorizer = (user: UserInfo, attributes: Attributes) => MaybePromise<Decision>;

const SERVICE_ACCOUNT = 'system:serviceaccount:';
const EXTRA_PREFIX = 'impersonate-extra-';

interface Asked {
  /** Go's %v of the ObjectReference, for the error text. */
  printed: string;
  attributes: Attributes;
}

const printed = (kind: string, namespace: string, name: string, apiVersion = ''): string => `{${kind} ${namespace} ${name}  ${apiVersion}  }`;

function asked(resource: string, name: string, apiGroup = '', namespace = '', subresource = ''): Attributes {
  return { verb: 'impersonate', apiGroup, resource, subresource, namespace, name };
}

const splitValues = (value: string | undefined): string[] => value?.split(',').map((v) => v.trim()).filter(Boolean) ?? [];

/** The impersonated user, the refusal, or the request's own user when it does not impersonate. */
export function impersonate(request: ApiRequest, authorizer: Authorizer): MaybePromise<{ user: UserInfo } | { status: Status }> {
  const headers = request.headers;
  const asUser = headers['impersonate-user'];
  const asGroups = splitValues(headers['impersonate-group']);
  const asUid = headers['impersonate-uid'];
  const extra: Record<string, string[]> = {};
  for (const name in headers) {
    if (!name.startsWith(EXTRA_PREFIX)) continue;
    // kube's header keys are percent-encoded and lower case.
    let key: string;
    try {
      key = decodeURIComponent(name.slice(EXTRA_PREFIX.length)).toLowerCase();
    } catch {
      key = name.slice(EXTRA_PREFIX.length);
    }
    extra[key] = splitValues(headers[name]);
  }
  const extraKeys = Object.keys(extra);
  if (!asUser && asGroups.length === 0 && !asUid && extraKeys.length === 0) return { user: request.user! };

  const checks: Asked[] = [];
  const username = asUser ?? '';
  let groups = [...asGroups];
  if (asUser?.startsWith(SERVICE_ACCOUNT) && asUser.split(':').length === 4) {
    const [, , namespace, name] = asUser.split(':') as [string, string, string, string];
    checks.push({ printed: printed('ServiceAccount', namespace, name), attributes: asked('serviceaccounts', name, '', namespace) });
    if (asGroups.length === 0) groups = ['system:serviceaccounts', `system:serviceaccounts:${namespace}`];
  } else if (asUser) {
    checks.push({ printed: printed('User', '', asUser), attributes: asked('users', asUser) });
  }
  for (const group of asGroups) checks.push({ printed: printed('Group', '', group), attributes: asked('groups', group) });
  for (const key of extraKeys) {
    for (const value of extra[key]!) checks.push({ printed: printed('UserExtra', '', value, 'authentication.k8s.io/v1'), attributes: asked('userextras', value, 'authentication.k8s.io', '', key) });
  }
  if (asUid) checks.push({ printed: printed('UID', '', asUid, 'authentication.k8s.io/v1'), attributes: asked('uids', asUid, 'authentication.k8s.io') });
  if (!asUser) return { status: internalError(`requested [${checks.map((c) => c.printed).join(' ')}] without impersonating a user`) };

  if (username === 'system:anonymous') {
    if (!groups.includes('system:unauthenticated')) groups.push('system:unauthenticated');
  } else if (!groups.includes('system:authenticated')) groups.push('system:authenticated');
  const impersonated: UserInfo = { username, groups };
  if (asUid) impersonated.uid = asUid;
  if (extraKeys.length > 0) impersonated.extra = extra;
  return check(request.user!, checks, 0, authorizer, impersonated);
}

/** Each check in order; the first refused is the answer. */
function check(user: UserInfo, checks: readonly Asked[], from: number, authorizer: Authorizer, impersonated: UserInfo): MaybePromise<{ user: UserInfo } | { status: Status }> {
  for (let i = from; i < checks.length; i++) {
    const attributes = checks[i]!.attributes;
    const decision = authorizer(user, attributes);
    const conclude = (d: Decision): { status: Status } | undefined => (d.allowed ? undefined : { status: forbiddenStatus(user, attributes, d.reason) });
    if (isPromise(decision)) return decision.then((d) => conclude(d) ?? check(user, checks, i + 1, authorizer, impersonated));
    const refused = conclude(decision);
    if (refused) return refused;
  }
  return { user: impersonated };
}

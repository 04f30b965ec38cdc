// kube's impersonation filter: `Impersonate-User` (and `-Group`, `-Uid`) swap
// the request's user, if the real user may `impersonate` each of them.

import type { UserInfo } from '../../protocol/kube/meta.js';
import type { ApiRequest } from '../../protocol/messages/request.js';
import { failure, type Status } from '../../protocol/kube/status.js';
import { forbiddenStatus, type Attributes } from './rbac.js';

type Authorizer = (user: UserInfo, attributes: Attributes) => { allowed: boolean };

function attempt(resource: string, name: string): Attributes {
  return { verb: 'impersonate', apiGroup: '', resource, subresource: '', namespace: '', name };
}

export function impersonate(request: ApiRequest, authorizer: Authorizer): { user: UserInfo } | { status: Status } {
  const user = request.user!;
  const asUser = request.headers['impersonate-user'];
  const asGroups = request.headers['impersonate-group']?.split(',').map((g) => g.trim()).filter(Boolean) ?? [];
  if (!asUser) {
    if (asGroups.length > 0) return { status: failure('BadRequest', 'requested [Impersonate-Group] without impersonating a user') };
    return { user };
  }
  const checks: [string, string][] = [['users', asUser], ...asGroups.map((g): [string, string] => ['groups', g])];
  const uid = request.headers['impersonate-uid'];
  if (uid) checks.push(['uids', uid]);
  for (const [resource, name] of checks) {
    const attributes = attempt(resource, name);
    if (!authorizer(user, attributes).allowed) return { status: forbiddenStatus(user, attributes) };
  }
  const groups = asUser === 'system:anonymous' ? [...asGroups] : [...asGroups, 'system:authenticated'];
  const impersonated: UserInfo = { username: asUser, groups: [...new Set(groups)] };
  if (uid) impersonated.uid = uid;
  return { user: impersonated };
}

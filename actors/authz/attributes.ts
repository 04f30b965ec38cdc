// kube's authorizer.Attributes, derived from a request or a review's spec.

import type { UserInfo } from '../../protocol/kube/meta.js';
import type { RequestInfo } from '../../protocol/messages/request.js';
import type { Attributes } from './rbac.js';

export function attributesOf(info: RequestInfo): Attributes {
  if (!info.isResourceRequest) return { verb: info.verb, path: info.path };
  return {
    verb: info.verb,
    apiGroup: info.apiGroup,
    resource: info.resource,
    subresource: info.subresource,
    namespace: info.namespace,
    name: info.name,
  };
}

export const PRIVILEGED_GROUP = 'system:masters';

export function isPrivileged(user: UserInfo): boolean {
  return user.groups.includes(PRIVILEGED_GROUP);
}

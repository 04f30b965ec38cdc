// kube's union authorizer: system:masters is always allowed; otherwise each
// --authorization-mode is asked in order, and the first to allow wins.

import type { UserInfo } from '../../protocol/kube/meta.js';
import { authorize as rbacAuthorize, type Attributes, type RbacIndex } from './rbac.js';
import { isPrivileged } from './attributes.js';

export type AuthorizationMode = 'AlwaysAllow' | 'AlwaysDeny' | 'RBAC';
export const AUTHORIZATION_MODES: readonly AuthorizationMode[] = ['AlwaysAllow', 'AlwaysDeny', 'RBAC'];

export interface Decision {
  allowed: boolean;
  /** For a denial, the message kube puts in the 403 Status. */
  reason: string;
}

export function decide(modes: readonly AuthorizationMode[], index: () => RbacIndex, user: UserInfo, attributes: Attributes): Decision {
  if (isPrivileged(user)) return { allowed: true, reason: '' };
  for (const mode of modes) {
    if (mode === 'AlwaysAllow') return { allowed: true, reason: '' };
    if (mode === 'AlwaysDeny') break;
    if (mode === 'RBAC' && rbacAuthorize(index(), user, attributes).allowed) return { allowed: true, reason: '' };
  }
  return { allowed: false, reason: forbiddenMessage(user, attributes) };
}

function scopeOf(namespace: string): string {
  return namespace ? `in the namespace "${namespace}"` : 'at the cluster scope';
}

/** The wording of kube's 403 for a denied request. */
export function forbiddenMessage(user: UserInfo, a: Attributes): string {
  if ('path' in a) return `forbidden: User "${user.username}" cannot ${a.verb} path "${a.path}"`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const group = a.apiGroup ? `.${a.apiGroup}` : '';
  const subject = a.name ? `${a.resource}${group} "${a.name}" is forbidden` : `${a.resource}${group} is forbidden`;
  return `${subject}: User "${user.username}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" ${scopeOf(a.namespace)}`;
}

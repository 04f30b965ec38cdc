// kube's union authorizer: system:masters is always allowed; otherwise each
// --authorization-mode is asked in order, and the first to allow wins.

import type { UserInfo } from '../../protocol/kube/meta.js';
import { authorize as rbacAuthorize, type Attributes, type Decision, type RbacIndex } from './rbac.js';
import { isPrivileged } from './attributes.js';

export type AuthorizationMode = 'AlwaysAllow' | 'AlwaysDeny' | 'RBAC';
export const AUTHORIZATION_MODES: readonly AuthorizationMode[] = ['AlwaysAllow', 'AlwaysDeny', 'RBAC'];

/**
 * Allowed, or denied with the reasons RBAC gives (a missing role, say); the
 * 403 itself is worded by forbiddenStatus in rbac.ts.
 */
export function decide(modes: readonly AuthorizationMode[], index: () => RbacIndex, user: UserInfo, attributes: Attributes): Decision {
  if (isPrivileged(user)) return { allowed: true, reason: '' };
  const reasons: string[] = [];
  for (const mode of modes) {
    if (mode === 'AlwaysAllow') return { allowed: true, reason: '' };
    if (mode === 'AlwaysDeny') break;
    if (mode === 'RBAC') {
      const decision = rbacAuthorize(index(), user, attributes);
      if (decision.allowed) return decision;
      if (decision.reason) reasons.push(decision.reason);
    }
  }
  return { allowed: false, reason: reasons.join(', ') };
}

// How admission plugins ask the server's authorizer about a user: a
// SubjectAccessReview served by the authz actor, as kube's plugins call the
// authorizer the generic initializer hands them.

import type { UserInfo } from '../../protocol/kube/meta.js';
import type { RequestHandler } from '../../protocol/messages/request.js';
import { jsonOf, loopback } from '../../lib/loopback.js';
import type { AuthorizationAttributes } from './plugin.js';

export async function subjectAccessReview(authz: RequestHandler, user: UserInfo, attributes: AuthorizationAttributes): Promise<boolean> {
  const review = {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    metadata: {},
    spec: {
      user: user.username,
      groups: user.groups,
      ...(user.uid ? { uid: user.uid } : {}),
      ...(user.extra ? { extra: user.extra } : {}),
      resourceAttributes: { ...attributes, group: attributes.group },
    },
  };
  const reply = await loopback(authz, 'create', { apiGroup: 'authorization.k8s.io', namespace: '', resource: 'subjectaccessreviews' }, review as never);
  return reply.status === 201 && (jsonOf<{ status?: { allowed?: boolean } }>(reply).status?.allowed ?? false);
}

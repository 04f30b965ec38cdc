// The admission actor (actors/admission): kube's mutating then validating plugins, webhooks and
// policies, between authorization and storage. It asks authz for SubjectAccessReviews.

import type { UserInfo } from '../../../protocol/kube/meta.js';
import { admissionMachine, terminateAdmission } from '../../admission/admission-machine.js';
import { subjectAccessReview } from '../../admission/authorize.js';
import type { AuthorizationAttributes } from '../../admission/plugin.js';
import type { RequestHandler } from '../../../protocol/messages/request.js';
import type { ChildSpec } from '../child-spec.js';
import type { Terminate } from '../supervision.js';

export const admission: ChildSpec = ({ options, scheme, runtime, clock, store, late, logger }) => {
  const authz = late('authz') as RequestHandler;
  return {
    id: 'admission',
    machine: admissionMachine,
    input: {
      plugins: options.admissionPlugins,
      configs: options.admissionConfigs,
      store,
      kindOf: (group: string, version: string, plural: string) => {
        const kind = scheme.byResource(group, version, plural);
        return kind && { group: kind.group, version: kind.version, kind: kind.kind };
      },
      authorize: (user: UserInfo, attributes: AuthorizationAttributes) => subjectAccessReview(authz, user, attributes),
      resourceFor: (group: string, version: string, kind: string) => scheme.byKind(group, version, kind)?.plural,
      metrics: runtime.metrics?.admission,
      clock,
      logger: logger('admission'),
    },
    terminate: terminateAdmission as Terminate,
  };
};

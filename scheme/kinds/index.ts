// Every built-in kind the server registers, in discovery order.
// Adding a kind: describe it in a file beside this one and list it here.

import type { KindDescription } from '../kind-description.js';
import { namespace } from './namespace.js';
import { configMap } from './configmap.js';
import { secret } from './secret.js';
import { serviceAccount } from './service-account.js';
import { service } from './service.js';
import { endpoints } from './endpoints.js';
import { event } from './event.js';
import { role, clusterRole, roleBinding, clusterRoleBinding } from './rbac.js';
import { workloadKinds } from './workloads/index.js';
import { selfSubjectAccessReview, selfSubjectRulesReview, subjectAccessReview, selfSubjectReview } from './reviews.js';

export const builtinKinds: readonly KindDescription[] = [
  configMap,
  endpoints,
  event,
  namespace,
  secret,
  serviceAccount,
  service,
  selfSubjectReview,
  selfSubjectAccessReview,
  selfSubjectRulesReview,
  subjectAccessReview,
  clusterRoleBinding,
  clusterRole,
  roleBinding,
  role,
  ...workloadKinds,
];

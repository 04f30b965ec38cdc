// The workload kinds (pods and what makes pods: replication controllers, pod
// templates, deployments, replica sets, stateful sets, daemon sets, controller
// revisions, jobs and cron jobs), each described once with kube's defaults,
// validation and printer columns. They override the generated description of
// the same resource in scheme/kinds/index.ts.
//
// Each kind is one file; what they share sits beside them: the pod spec
// (pod-spec.ts), selectors (selector.ts), controllers' templates
// (controller.ts), printer cells (columns.ts) and kube's field errors
// (field-errors.ts).

import type { KindDescription } from '../../kind-description.js';
import { pod } from './pod.js';
import { podTemplate } from './pod-template.js';
import { replicationController } from './replication-controller.js';
import { deployment } from './deployment.js';
import { replicaSet } from './replica-set.js';
import { statefulSet } from './stateful-set.js';
import { daemonSet } from './daemon-set.js';
import { controllerRevision } from './controller-revision.js';
import { job } from './job.js';
import { cronJob } from './cron-job.js';

export { pod, podTemplate, replicationController, deployment, replicaSet, statefulSet, daemonSet, controllerRevision, job, cronJob };

export const workloadKinds: readonly KindDescription[] = [
  pod,
  podTemplate,
  replicationController,
  controllerRevision,
  daemonSet,
  deployment,
  replicaSet,
  statefulSet,
  cronJob,
  job,
];

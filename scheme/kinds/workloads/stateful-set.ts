// apps/v1 StatefulSet: SetDefaults_StatefulSet (OrderedReady, RollingUpdate
// with partition 0, Retain/Retain PVC retention, replicas 1, history 10) with
// its template's and claim templates' defaults, ValidateStatefulSet with
// kube's update rule, and kube's printer: READY AGE, then CONTAINERS IMAGES.

import type { StatusCause } from '../../../protocol/kube/status.js';
import type { KindDescription } from '../../kind-description.js';
import { ageColumn, nameColumn } from '../../columns.js';
import { ALL_VERBS } from '../../verbs.js';
import { child, forbidden, invalid, isObj, nonNegative, notSupported, objects, required, sameJson } from './field-errors.js';
import { containerColumns, count } from './columns.js';
import { defaultTemplateOf, requiredSelector, selectsTemplate, specOf } from './controller.js';
import { validatePodTemplate } from './pod-spec.js';
import { canonicalizeResourceList } from './quantity.js';

const MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];
const UPDATE_FORBIDDEN =
  "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

function withoutMutable(spec: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(spec).filter(([k]) => !MUTABLE.includes(k)));
}

function validateRetention(policy: unknown): StatusCause[] {
  if (!isObj(policy)) return [];
  const causes: StatusCause[] = [];
  for (const key of ['whenDeleted', 'whenScaled']) {
    const v = policy[key];
    if (v !== 'Retain' && v !== 'Delete') causes.push(notSupported(`spec.persistentVolumeClaimRetentionPolicy.${key}`, v, ['Retain', 'Delete']));
  }
  return causes;
}

export const statefulSet: KindDescription = {
  group: 'apps',
  version: 'v1',
  kind: 'StatefulSet',
  plural: 'statefulsets',
  singular: 'statefulset',
  shortNames: ['sts'],
  categories: ['all'],
  namespaced: true,
  verbs: ALL_VERBS,
  definition: 'io.k8s.api.apps.v1.StatefulSet',
  servedBy: 'store',
  tracksGeneration: true,
  columns: [
    nameColumn,
    { name: 'Ready', type: 'string', description: 'Ready replicas out of desired ones.', cell: (o) => `${count(o, 'status', 'readyReplicas')}/${count(o, 'spec', 'replicas')}` },
    ageColumn,
    ...containerColumns(['spec', 'template', 'spec']),
  ],
  defaults(object) {
    const spec = child(object, 'spec');
    spec.podManagementPolicy ||= 'OrderedReady';
    const strategy = child(spec, 'updateStrategy');
    if (!strategy.type) {
      strategy.type = 'RollingUpdate';
      if (!isObj(strategy.rollingUpdate)) strategy.rollingUpdate = {};
    }
    if (strategy.type === 'RollingUpdate' && isObj(strategy.rollingUpdate)) strategy.rollingUpdate.partition ??= 0;
    const retention = child(spec, 'persistentVolumeClaimRetentionPolicy');
    retention.whenDeleted ||= 'Retain';
    retention.whenScaled ||= 'Retain';
    spec.replicas ??= 1;
    spec.revisionHistoryLimit ??= 10;
    defaultTemplateOf(spec);
    for (const claim of objects(spec.volumeClaimTemplates)) {
      const claimSpec = child(claim, 'spec');
      claimSpec.volumeMode ||= 'Filesystem';
      if (isObj(claimSpec.resources)) {
        canonicalizeResourceList(claimSpec.resources.requests);
        canonicalizeResourceList(claimSpec.resources.limits);
      }
      child(claim, 'status').phase ||= 'Pending';
    }
  },
  prepareForCreate(object) {
    object.status = { replicas: 0, availableReplicas: 0 };
  },
  validate(object, old) {
    const spec = specOf(object);
    const causes: StatusCause[] = [];
    const policy = spec.podManagementPolicy;
    if (!policy) causes.push(required('spec.podManagementPolicy'));
    else if (policy !== 'OrderedReady' && policy !== 'Parallel') causes.push(invalid('spec.podManagementPolicy', policy, "must be 'OrderedReady' or 'Parallel'"));
    const strategy = isObj(spec.updateStrategy) ? spec.updateStrategy : {};
    if (!strategy.type) causes.push(required('spec.updateStrategy'));
    else if (strategy.type === 'OnDelete') {
      if (isObj(strategy.rollingUpdate)) causes.push(invalid('spec.updateStrategy.rollingUpdate', strategy.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
    } else if (strategy.type === 'RollingUpdate') {
      if (isObj(strategy.rollingUpdate)) causes.push(...nonNegative(strategy.rollingUpdate.partition, 'spec.updateStrategy.rollingUpdate.partition'));
    } else causes.push(invalid('spec.updateStrategy', strategy.type, "must be 'RollingUpdate' or 'OnDelete'"));
    causes.push(...validateRetention(spec.persistentVolumeClaimRetentionPolicy));
    causes.push(...nonNegative(spec.replicas, 'spec.replicas'), ...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
    causes.push(...requiredSelector(spec, 'statefulset'));
    causes.push(...selectsTemplate(spec.selector, spec.template));
    causes.push(...validatePodTemplate(spec.template, 'spec.template'));
    const podSpec = isObj(spec.template) && isObj(spec.template.spec) ? spec.template.spec : {};
    if (podSpec.restartPolicy !== 'Always') causes.push(notSupported('spec.template.spec.restartPolicy', podSpec.restartPolicy, ['Always']));
    if (podSpec.activeDeadlineSeconds !== undefined && podSpec.activeDeadlineSeconds !== null) {
      causes.push(forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in StatefulSet is not Supported'));
    }
    if (old && !sameJson(withoutMutable(spec), withoutMutable(specOf(old)))) causes.push(forbidden('spec', UPDATE_FORBIDDEN));
    return causes;
  },
};

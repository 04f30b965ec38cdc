// apps/v1 Deployment: SetDefaults_Deployment (replicas 1, RollingUpdate
// 25%/25%, revisionHistoryLimit 10, progressDeadlineSeconds 600) and its pod
// template's, ValidateDeployment with its immutable selector, and kube's
// printer: READY UP-TO-DATE AVAILABLE AGE, then CONTAINERS IMAGES SELECTOR.

import type { StatusCause } from '../../../protocol/kube/status.js';
import type { KindDescription } from '../../kind-description.js';
import { ageColumn, nameColumn } from '../../columns.js';
import { ALL_VERBS } from '../../verbs.js';
import { child, forbidden, invalid, isObj, nonNegative, notSupported, required } from './field-errors.js';
import { containerColumns, count, integerColumn, selectorColumn } from './columns.js';
import {
  defaultTemplateOf, goIntOrString, immutableSelector, intOrPercentValue, notMoreThan100Percent, positiveIntOrPercent, replicaTemplate, requiredSelector, specOf,
} from './controller.js';

function validateStrategy(strategy: unknown): StatusCause[] {
  const s = isObj(strategy) ? strategy : {};
  switch (s.type) {
    case 'Recreate':
      return isObj(s.rollingUpdate) ? [forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'")] : [];
    case 'RollingUpdate': {
      if (!isObj(s.rollingUpdate)) return [required('spec.strategy.rollingUpdate', 'this should be defaulted and never be nil')];
      const { maxUnavailable, maxSurge } = s.rollingUpdate;
      const causes = [
        ...positiveIntOrPercent(maxUnavailable, 'spec.strategy.rollingUpdate.maxUnavailable'),
        ...positiveIntOrPercent(maxSurge, 'spec.strategy.rollingUpdate.maxSurge'),
      ];
      if (intOrPercentValue(maxUnavailable) === 0 && intOrPercentValue(maxSurge) === 0) {
        causes.push(invalid('spec.strategy.rollingUpdate.maxUnavailable', maxUnavailable, 'may not be 0 when `maxSurge` is 0', goIntOrString(maxUnavailable)));
      }
      return [...causes, ...notMoreThan100Percent(maxUnavailable, 'spec.strategy.rollingUpdate.maxUnavailable')];
    }
    default:
      return [notSupported('spec.strategy', s.type, ['Recreate', 'RollingUpdate'])];
  }
}

export const deployment: KindDescription = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  plural: 'deployments',
  singular: 'deployment',
  shortNames: ['deploy'],
  categories: ['all'],
  namespaced: true,
  verbs: ALL_VERBS,
  definition: 'io.k8s.api.apps.v1.Deployment',
  servedBy: 'store',
  tracksGeneration: true,
  columns: [
    nameColumn,
    { name: 'Ready', type: 'string', description: 'Ready replicas out of desired ones.', cell: (o) => `${count(o, 'status', 'readyReplicas')}/${count(o, 'spec', 'replicas')}` },
    integerColumn('Up-to-date', 'Replicas updated to the desired template.', 'status', 'updatedReplicas'),
    integerColumn('Available', 'Replicas available to users.', 'status', 'availableReplicas'),
    ageColumn,
    ...containerColumns(['spec', 'template', 'spec']),
    selectorColumn(['spec', 'selector']),
  ],
  defaults(object) {
    const spec = child(object, 'spec');
    spec.replicas ??= 1;
    const strategy = child(spec, 'strategy');
    strategy.type ||= 'RollingUpdate';
    if (strategy.type === 'RollingUpdate') {
      const rolling = child(strategy, 'rollingUpdate');
      rolling.maxUnavailable ??= '25%';
      rolling.maxSurge ??= '25%';
    }
    spec.revisionHistoryLimit ??= 10;
    spec.progressDeadlineSeconds ??= 600;
    defaultTemplateOf(spec);
  },
  prepareForCreate(object) {
    object.status = {};
  },
  validate(object, old) {
    const spec = specOf(object);
    const causes = [
      ...nonNegative(spec.replicas, 'spec.replicas'),
      ...requiredSelector(spec, 'deployment'),
      ...replicaTemplate(spec, 'ReplicaSet'),
      ...validateStrategy(spec.strategy),
      ...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'),
      ...nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'),
    ];
    if (typeof spec.progressDeadlineSeconds === 'number') {
      causes.push(...nonNegative(spec.progressDeadlineSeconds, 'spec.progressDeadlineSeconds'));
      const minReady = typeof spec.minReadySeconds === 'number' ? spec.minReadySeconds : 0;
      if (spec.progressDeadlineSeconds <= minReady) causes.push(invalid('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
    if (old) causes.push(...immutableSelector(spec, specOf(old)));
    return causes;
  },
};

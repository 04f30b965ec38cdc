// apps/v1 DaemonSet: SetDefaults_DaemonSet (RollingUpdate with maxUnavailable
// 1 and maxSurge 0, history 10) and its template's defaults,
// ValidateDaemonSet with its immutable selector, and kube's printer: DESIRED
// CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE, then CONTAINERS IMAGES
// SELECTOR.

import type { StatusCause } from '../../../protocol/kube/status.js';
import type { KindDescription } from '../../kind-description.js';
import { ageColumn, field, nameColumn } from '../../columns.js';
import { ALL_VERBS } from '../../verbs.js';
import { child, forbidden, goLabelSelector, goStringMap, invalid, isObj, nonNegative, notSupported } from './field-errors.js';
import { containerColumns, integerColumn, selectorColumn } from './columns.js';
import { defaultTemplateOf, goIntOrString, immutableSelector, intOrPercentValue, notMoreThan100Percent, positiveIntOrPercent, SELECTOR_MISMATCH, selectsTemplate, specOf, templateLabels } from './controller.js';
import { validatePodTemplate } from './pod-spec.js';
import { formatLabels, isEmptySelector, validateLabelSelector } from './selector.js';

function validateUpdateStrategy(strategy: unknown): StatusCause[] {
  const s = isObj(strategy) ? strategy : {};
  if (s.type === 'OnDelete') return [];
  if (s.type !== 'RollingUpdate') return [notSupported('spec.updateStrategy', s.type, ['OnDelete', 'RollingUpdate'])];
  const rolling = isObj(s.rollingUpdate) ? s.rollingUpdate : {};
  const at = 'spec.updateStrategy.rollingUpdate';
  const causes = [...positiveIntOrPercent(rolling.maxUnavailable, `${at}.maxUnavailable`), ...positiveIntOrPercent(rolling.maxSurge, `${at}.maxSurge`)];
  const unavailable = intOrPercentValue(rolling.maxUnavailable);
  const surge = intOrPercentValue(rolling.maxSurge);
  if (unavailable === 0 && surge === 0) causes.push(invalid(`${at}.maxUnavailable`, rolling.maxUnavailable, 'may not be 0 when `maxSurge` is 0', goIntOrString(rolling.maxUnavailable)));
  if (unavailable !== 0 && surge !== 0) causes.push(invalid(`${at}.maxSurge`, rolling.maxSurge, 'may not be set when maxUnavailable is non-zero', goIntOrString(rolling.maxSurge)));
  return [...causes, ...notMoreThan100Percent(rolling.maxUnavailable, `${at}.maxUnavailable`)];
}

export const daemonSet: KindDescription = {
  group: 'apps',
  version: 'v1',
  kind: 'DaemonSet',
  plural: 'daemonsets',
  singular: 'daemonset',
  shortNames: ['ds'],
  categories: ['all'],
  namespaced: true,
  verbs: ALL_VERBS,
  definition: 'io.k8s.api.apps.v1.DaemonSet',
  servedBy: 'store',
  tracksGeneration: true,
  columns: [
    nameColumn,
    integerColumn('Desired', 'Nodes that should run the daemon pod.', 'status', 'desiredNumberScheduled'),
    integerColumn('Current', 'Nodes running at least one daemon pod.', 'status', 'currentNumberScheduled'),
    integerColumn('Ready', 'Nodes whose daemon pod is ready.', 'status', 'numberReady'),
    integerColumn('Up-to-date', 'Nodes running the updated daemon pod.', 'status', 'updatedNumberScheduled'),
    integerColumn('Available', 'Nodes whose daemon pod is available.', 'status', 'numberAvailable'),
    { name: 'Node Selector', type: 'string', description: 'The node selector of the pod template.', cell: (o) => formatLabels(field(o, 'spec', 'template', 'spec', 'nodeSelector')) },
    ageColumn,
    ...containerColumns(['spec', 'template', 'spec']),
    selectorColumn(['spec', 'selector']),
  ],
  defaults(object) {
    const spec = child(object, 'spec');
    const strategy = child(spec, 'updateStrategy');
    strategy.type ||= 'RollingUpdate';
    if (strategy.type === 'RollingUpdate') {
      const rolling = child(strategy, 'rollingUpdate');
      rolling.maxUnavailable ??= 1;
      rolling.maxSurge ??= 0;
    }
    spec.revisionHistoryLimit ??= 10;
    defaultTemplateOf(spec);
  },
  prepareForCreate(object) {
    object.status = { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
  },
  validate(object, old) {
    const spec = specOf(object);
    const causes = [...validateLabelSelector(spec.selector, 'spec.selector')];
    // No selector selects nothing, so it cannot select the template either.
    if (!isObj(spec.selector)) causes.push(invalid('spec.template.metadata.labels', undefined, SELECTOR_MISMATCH, goStringMap(templateLabels(spec.template))));
    else causes.push(...selectsTemplate(spec.selector, spec.template));
    if (isObj(spec.selector) && isEmptySelector(spec.selector)) causes.push(invalid('spec.selector', spec.selector, 'empty selector is invalid for daemonset', goLabelSelector(spec.selector)));
    causes.push(...validatePodTemplate(spec.template, 'spec.template'));
    const podSpec = isObj(spec.template) && isObj(spec.template.spec) ? spec.template.spec : {};
    if (podSpec.restartPolicy !== 'Always') causes.push(notSupported('spec.template.spec.restartPolicy', podSpec.restartPolicy, ['Always']));
    if (podSpec.activeDeadlineSeconds !== undefined && podSpec.activeDeadlineSeconds !== null) {
      causes.push(forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in DaemonSet is not Supported'));
    }
    causes.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'), ...validateUpdateStrategy(spec.updateStrategy));
    if (old) causes.push(...immutableSelector(spec, specOf(old)));
    return causes;
  },
};

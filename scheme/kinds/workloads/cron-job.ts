// batch/v1 CronJob: SetDefaults_CronJob (Allow, not suspended, history 3 and
// 1) and its job template's pod defaults, ValidateCronJob (schedule syntax,
// time zone, concurrency policy, a job template whose selector kube
// generates), and kube's printer: SCHEDULE TIMEZONE SUSPEND ACTIVE LAST
// SCHEDULE AGE, then CONTAINERS IMAGES SELECTOR.

import type { StatusCause } from '../../../protocol/kube/status.js';
import type { KindDescription } from '../../kind-description.js';
import { ageColumn, ageOf, field, nameColumn } from '../../columns.js';
import { ALL_VERBS } from '../../verbs.js';
import { child, goLabelSelector, invalid, isObj, nonNegative, notSupported, objects, required } from './field-errors.js';
import { containerColumns, selectorColumn } from './columns.js';
import { cronScheduleError } from './cron-schedule.js';
import { defaultPodTemplate } from './pod-spec.js';
import { validateJobSpec } from './job.js';

/** The IANA zones this runtime knows, read on first use (it costs milliseconds at startup). */
let supportedZones: Set<string> | undefined;
const isKnownZone = (zone: string): boolean => (supportedZones ??= new Set(Intl.supportedValuesOf('timeZone'))).has(zone);

function validateSchedule(schedule: unknown, timeZone: unknown, oldSchedule: unknown): StatusCause[] {
  if (typeof schedule !== 'string' || schedule.length === 0) return [required('spec.schedule')];
  const causes: StatusCause[] = [];
  const error = cronScheduleError(schedule);
  if (error) causes.push(invalid('spec.schedule', schedule, error));
  const allowTZ = typeof oldSchedule === 'string' && oldSchedule.includes('TZ');
  if (allowTZ && schedule.includes('TZ') && typeof timeZone === 'string') {
    causes.push(invalid('spec.schedule', schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
  } else if (!allowTZ && schedule.includes('TZ')) {
    causes.push(invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  }
  return causes;
}

function validateTimeZone(timeZone: unknown): StatusCause[] {
  if (typeof timeZone !== 'string') return [];
  if (timeZone.toLowerCase() === 'local') {
    return [invalid('spec.timeZone', timeZone, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones')];
  }
  if (timeZone === 'UTC' || timeZone === '' || isKnownZone(timeZone)) return [];
  return [invalid('spec.timeZone', timeZone, `unknown time zone ${timeZone}`)];
}

function boolCell(value: unknown): string {
  if (typeof value !== 'boolean') return '<unset>';
  return value ? 'True' : 'False';
}

export const cronJob: KindDescription = {
  group: 'batch',
  version: 'v1',
  kind: 'CronJob',
  plural: 'cronjobs',
  singular: 'cronjob',
  shortNames: ['cj'],
  categories: ['all'],
  namespaced: true,
  verbs: ALL_VERBS,
  definition: 'io.k8s.api.batch.v1.CronJob',
  servedBy: 'store',
  tracksGeneration: true,
  columns: [
    nameColumn,
    { name: 'Schedule', type: 'string', description: 'The schedule, in cron format.', cell: (o) => String(field(o, 'spec', 'schedule') ?? '') },
    { name: 'Timezone', type: 'string', description: 'The time zone of the schedule.', cell: (o) => (typeof field(o, 'spec', 'timeZone') === 'string' ? String(field(o, 'spec', 'timeZone')) : '<none>') },
    { name: 'Suspend', type: 'boolean', description: 'Whether later runs are suspended.', cell: (o) => boolCell(field(o, 'spec', 'suspend')) },
    { name: 'Active', type: 'integer', description: 'Jobs running now.', cell: (o) => objects(field(o, 'status', 'active')).length },
    { name: 'Last Schedule', type: 'string', description: 'When a job was last scheduled.', cell: (o) => (field(o, 'status', 'lastScheduleTime') ? ageOf(field(o, 'status', 'lastScheduleTime')) : '<none>') },
    ageColumn,
    ...containerColumns(['spec', 'jobTemplate', 'spec', 'template', 'spec']),
    selectorColumn(['spec', 'jobTemplate', 'spec', 'selector']),
  ],
  defaults(object) {
    const spec = child(object, 'spec');
    spec.concurrencyPolicy ||= 'Allow';
    spec.suspend ??= false;
    spec.successfulJobsHistoryLimit ??= 3;
    spec.failedJobsHistoryLimit ??= 1;
    const jobSpec = child(child(spec, 'jobTemplate'), 'spec');
    defaultPodTemplate(jobSpec.template ??= {});
  },
  prepareForCreate(object) {
    object.status = {};
  },
  validate(object, old) {
    const spec = isObj(object.spec) ? object.spec : {};
    const causes = validateSchedule(spec.schedule, spec.timeZone, old && isObj(old.spec) ? old.spec.schedule : undefined);
    causes.push(...nonNegative(spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds'));
    if (!old || !isObj(old.spec) || old.spec.timeZone !== spec.timeZone) causes.push(...validateTimeZone(spec.timeZone));
    const policy = spec.concurrencyPolicy;
    if (!policy) causes.push(required('spec.concurrencyPolicy'));
    else if (policy !== 'Allow' && policy !== 'Forbid' && policy !== 'Replace') causes.push(notSupported('spec.concurrencyPolicy', policy, ['Allow', 'Forbid', 'Replace']));
    const jobTemplate = isObj(spec.jobTemplate) ? spec.jobTemplate : {};
    const jobSpec = isObj(jobTemplate.spec) ? jobTemplate.spec : {};
    causes.push(...validateJobSpec(jobSpec, 'spec.jobTemplate.spec'));
    if (jobSpec.selector != null) causes.push(invalid('spec.jobTemplate.spec.selector', jobSpec.selector, '`selector` will be auto-generated', goLabelSelector(jobSpec.selector)));
    if (jobSpec.manualSelector === true) causes.push(notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']));
    causes.push(...nonNegative(spec.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit'));
    causes.push(...nonNegative(spec.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit'));
    return causes;
  },
};

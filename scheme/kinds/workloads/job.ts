// batch/v1 Job: SetDefaults_Job (completions and parallelism 1, backoffLimit
// 6, NonIndexed, not suspended, podReplacementPolicy, manualSelector false,
// labels from the template), the selector and labels kube's job strategy
// generates from the job's uid and name, ValidateJob with its immutable
// selector and template, and kube's printer: STATUS COMPLETIONS DURATION AGE,
// then CONTAINERS IMAGES SELECTOR.

import type { KubeObject } from '../../../protocol/kube/meta.js';
import type { StatusCause } from '../../../protocol/kube/status.js';
import type { KindDescription } from '../../kind-description.js';
import { ageColumn, cellClock, field, humanDuration, nameColumn } from '../../columns.js';
import { ALL_VERBS } from '../../verbs.js';
import { child, goLabelSelector, goStringMap, IMMUTABLE, invalid, isObj, nonNegative, notSupported, required, sameJson, type Obj } from './field-errors.js';
import { containerColumns, count, hasCondition, selectorColumn } from './columns.js';
import { defaultTemplateOf, selectsTemplate, specOf, templateLabels } from './controller.js';
import { validatePodTemplate } from './pod-spec.js';
import { validateLabelSelector } from './selector.js';

export const CONTROLLER_UID = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME = 'batch.kubernetes.io/job-name';
const LEGACY_CONTROLLER_UID = 'controller-uid';
const LEGACY_JOB_NAME = 'job-name';

/** SetDefaults_Job's fields of a job spec. */
function defaultJobSpec(spec: Obj): void {
  if (spec.completions == null && spec.parallelism == null) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex != null ? 2147483647 : 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.podReplacementPolicy ??= spec.podFailurePolicy != null ? 'Failed' : 'TerminatingOrFailed';
  spec.manualSelector ??= false;
  if (isObj(spec.podFailurePolicy)) {
    for (const rule of Array.isArray(spec.podFailurePolicy.rules) ? spec.podFailurePolicy.rules : []) {
      if (isObj(rule) && Array.isArray(rule.onPodConditions)) for (const p of rule.onPodConditions) if (isObj(p)) p.status ||= 'True';
    }
  }
}

/** A job's metadata.labels default to its template's when it has none. */
function labelsFromTemplate(object: KubeObject, spec: Obj): void {
  const labels = templateLabels(spec.template);
  if (isObj(labels) && (!object.metadata.labels || Object.keys(object.metadata.labels).length === 0)) {
    object.metadata.labels = { ...labels } as Record<string, string>;
  }
}

/** The job strategy's generateSelector: labels that tie the job's pods to this job alone. */
function generateSelector(object: KubeObject, spec: Obj): void {
  const template = child(spec, 'template');
  const meta = child(template, 'metadata');
  const labels = child(meta, 'labels');
  const name = object.metadata.name ?? '';
  const uid = object.metadata.uid ?? '';
  labels[LEGACY_JOB_NAME] ??= name;
  labels[JOB_NAME] ??= name;
  labels[LEGACY_CONTROLLER_UID] ??= uid;
  labels[CONTROLLER_UID] ??= uid;
  const selector = child(spec, 'selector');
  child(selector, 'matchLabels')[CONTROLLER_UID] ??= uid;
}

function hasLabel(labels: unknown, key: string, expected: string): StatusCause[] {
  const at = `spec.template.metadata.labels[${key}]`;
  const set = isObj(labels) ? labels : {};
  if (!(key in set)) return [required(at, expected)];
  return set[key] === expected ? [] : [invalid(at, undefined, `must be '${expected}'`, goStringMap(labels))];
}

/** validateGeneratedSelector: without manualSelector, the generated labels and selector must be the job's. */
function generatedSelector(object: KubeObject, spec: Obj): StatusCause[] {
  if (spec.manualSelector === true) return [];
  const labels = templateLabels(spec.template);
  if (!isObj(labels)) return [];
  const uid = object.metadata.uid ?? '';
  const name = object.metadata.name ?? '';
  const causes = [
    ...hasLabel(labels, LEGACY_CONTROLLER_UID, uid),
    ...hasLabel(labels, LEGACY_JOB_NAME, name),
    ...hasLabel(labels, CONTROLLER_UID, uid),
    ...hasLabel(labels, JOB_NAME, name),
  ];
  if (!sameJson(spec.selector, { matchLabels: { [CONTROLLER_UID]: uid } })) {
    causes.push(invalid('spec.selector', spec.selector, '`selector` not auto-generated', goLabelSelector(spec.selector)));
  }
  return causes;
}

/** validateJobSpec: what a job and a cron job's job template share, at `at`. */
export function validateJobSpec(spec: Obj, at: string): StatusCause[] {
  const causes = [
    ...nonNegative(spec.parallelism, `${at}.parallelism`),
    ...nonNegative(spec.completions, `${at}.completions`),
    ...nonNegative(spec.activeDeadlineSeconds, `${at}.activeDeadlineSeconds`),
    ...nonNegative(spec.backoffLimit, `${at}.backoffLimit`),
    ...nonNegative(spec.ttlSecondsAfterFinished, `${at}.ttlSecondsAfterFinished`),
  ];
  if (spec.completionMode != null && spec.completionMode !== 'NonIndexed' && spec.completionMode !== 'Indexed') {
    causes.push(notSupported(`${at}.completionMode`, spec.completionMode, ['NonIndexed', 'Indexed']));
  }
  if (spec.completionMode === 'Indexed' && spec.completions == null) causes.push(required(`${at}.completions`, 'when completion mode is Indexed'));
  if (spec.podReplacementPolicy != null && spec.podReplacementPolicy !== 'TerminatingOrFailed' && spec.podReplacementPolicy !== 'Failed') {
    causes.push(notSupported(`${at}.podReplacementPolicy`, spec.podReplacementPolicy, ['Failed', 'TerminatingOrFailed']));
  }
  causes.push(...validatePodTemplate(spec.template, `${at}.template`));
  const podSpec = isObj(spec.template) && isObj(spec.template.spec) ? spec.template.spec : {};
  if (podSpec.restartPolicy !== 'OnFailure' && podSpec.restartPolicy !== 'Never') {
    causes.push(notSupported(`${at}.template.spec.restartPolicy`, podSpec.restartPolicy, ['OnFailure', 'Never']));
  }
  return causes;
}

function immutable(spec: Obj, old: Obj, key: string, display: (v: unknown) => string | undefined = () => undefined): StatusCause[] {
  if (sameJson(spec[key], old[key])) return [];
  const shown = display(spec[key]);
  return [shown === undefined ? invalid(`spec.${key}`, spec[key], IMMUTABLE) : invalid(`spec.${key}`, spec[key], IMMUTABLE, shown)];
}

/** Completions are immutable, but an Indexed job may change them in tandem with parallelism (elastic indexed jobs). */
function completionsUpdate(spec: Obj, old: Obj): StatusCause[] {
  if (spec.completionMode !== 'Indexed') return immutable(spec, old, 'completions');
  if (sameJson(spec.completions, old.completions) || spec.completions == null) return [];
  return spec.completions === spec.parallelism ? [] : [invalid('spec.completions', spec.completions, 'can only be modified in tandem with spec.parallelism')];
}

/** The scheduling directives a suspended job that never started may change (kube's mutable scheduling directives). */
function schedulingFree(template: unknown): unknown {
  if (!isObj(template)) return template;
  const meta = isObj(template.metadata) ? template.metadata : {};
  const spec = isObj(template.spec) ? template.spec : {};
  const { labels: _l, annotations: _a, ...restMeta } = meta;
  const { nodeSelector: _n, affinity: _f, tolerations: _t, schedulingGates: _g, ...restSpec } = spec;
  return { ...template, metadata: restMeta, spec: restSpec };
}

/** kube's job printer, first that holds: Complete, Failed, Terminating, Suspended, FailureTarget, SuccessCriteriaMet; else Running. */
function jobStatus(o: KubeObject): string {
  if (hasCondition(o, 'Complete')) return 'Complete';
  if (hasCondition(o, 'Failed')) return 'Failed';
  if (o.metadata.deletionTimestamp) return 'Terminating';
  if (hasCondition(o, 'Suspended')) return 'Suspended';
  if (hasCondition(o, 'FailureTarget')) return 'FailureTarget';
  if (hasCondition(o, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

function completions(o: KubeObject): string {
  const succeeded = count(o, 'status', 'succeeded');
  const wanted = field(o, 'spec', 'completions');
  if (typeof wanted === 'number') return `${succeeded}/${wanted}`;
  const parallelism = count(o, 'spec', 'parallelism');
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function duration(o: KubeObject): string {
  const start = Date.parse(String(field(o, 'status', 'startTime') ?? ''));
  if (Number.isNaN(start)) return '';
  const end = Date.parse(String(field(o, 'status', 'completionTime') ?? ''));
  return humanDuration((Number.isNaN(end) ? cellClock() : end) - start);
}

export const job: KindDescription = {
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  plural: 'jobs',
  singular: 'job',
  shortNames: [],
  categories: ['all'],
  namespaced: true,
  verbs: ALL_VERBS,
  definition: 'io.k8s.api.batch.v1.Job',
  servedBy: 'store',
  tracksGeneration: true,
  columns: [
    nameColumn,
    { name: 'Status', type: 'string', description: 'Status of the job.', cell: jobStatus },
    { name: 'Completions', type: 'string', description: 'Successful completions out of desired ones.', cell: completions },
    { name: 'Duration', type: 'string', description: 'Time the job took, or has taken so far.', cell: duration },
    ageColumn,
    ...containerColumns(['spec', 'template', 'spec']),
    selectorColumn(['spec', 'selector']),
  ],
  defaults(object) {
    const spec = child(object, 'spec');
    defaultJobSpec(spec);
    labelsFromTemplate(object, spec);
    defaultTemplateOf(spec);
  },
  prepareForCreate(object) {
    const spec = child(object, 'spec');
    if (spec.manualSelector !== true) generateSelector(object, spec);
    // What kube's read path shows: the job's labels default again from the generated template labels.
    labelsFromTemplate(object, spec);
    object.status = {};
  },
  validate(object, old) {
    const spec = specOf(object);
    const causes = validateJobSpec(spec, 'spec');
    if (!isObj(spec.selector)) causes.push(required('spec.selector'));
    else {
      causes.push(...validateLabelSelector(spec.selector, 'spec.selector'));
      causes.push(...selectsTemplate(spec.selector, spec.template));
    }
    if (!old) causes.push(...generatedSelector(object, spec));
    else {
      const before = specOf(old);
      causes.push(...completionsUpdate(spec, before));
      causes.push(...immutable(spec, before, 'selector', goLabelSelector));
      const suspendedNeverStarted = spec.suspend === true && field(old, 'status', 'startTime') == null;
      const template = suspendedNeverStarted ? schedulingFree(spec.template) : spec.template;
      const oldTemplate = suspendedNeverStarted ? schedulingFree(before.template) : before.template;
      // kube prints the whole core.PodTemplateSpec with Go's %#v here; its shape is named, not spelled out.
      if (!sameJson(template, oldTemplate)) causes.push(invalid('spec.template', undefined, IMMUTABLE, 'core.PodTemplateSpec{...}'));
      causes.push(...immutable(spec, before, 'completionMode'));
      causes.push(...immutable(spec, before, 'podFailurePolicy'));
      causes.push(...immutable(spec, before, 'backoffLimitPerIndex'));
      causes.push(...immutable(spec, before, 'managedBy'));
      causes.push(...immutable(spec, before, 'successPolicy'));
    }
    return causes;
  },
};


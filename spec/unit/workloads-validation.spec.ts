// What the workload kinds refuse, in the 422 causes kube gives: field paths
// and wording from kube's core, apps and batch validation.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../protocol/kube/meta.js';
import type { StatusCause } from '../../protocol/kube/status.js';
import type { KindDescription } from '../../scheme/kind-description.js';
import { prepareForCreate, prepareForUpdate, validate } from '../../actors/store/strategy.js';
import { definitions } from '../../scheme/definitions.js';
import { controllerRevision, cronJob, daemonSet, deployment, job, pod, replicaSet, replicationController, statefulSet } from '../../scheme/kinds/workloads/index.js';
import { service } from '../../scheme/kinds/service.js';
import { cronScheduleError } from '../../scheme/kinds/workloads/cron-schedule.js';

const NOW = new Date('2026-01-01T00:00:00Z');

function make(kind: KindDescription, body: Record<string, unknown>): KubeObject {
  const object = { apiVersion: kind.group ? `${kind.group}/${kind.version}` : kind.version, kind: kind.kind, metadata: { name: 'web', namespace: 'default' }, ...structuredClone(body) } as KubeObject;
  prepareForCreate(kind, object, NOW);
  return object;
}

/** The causes of a create, as `field: message`. */
function refusals(kind: KindDescription, body: Record<string, unknown>): string[] {
  return validate(kind, definitions, make(kind, body), undefined).causes.map(show);
}

function updateRefusals(kind: KindDescription, old: KubeObject, change: (o: KubeObject) => void): string[] {
  const next = structuredClone(old);
  change(next);
  prepareForUpdate(kind, next, old);
  return validate(kind, definitions, next, old).causes.map(show);
}

const show = (c: StatusCause): string => `${c.field}: ${c.message}`;

const LABEL_RULE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

const podTemplate = (labels: Record<string, string> = { app: 'web' }, spec: Record<string, unknown> = {}) => ({
  metadata: { labels },
  spec: { containers: [{ name: 'web', image: 'nginx' }], ...spec },
});

describe('pods', () => {
  it('accepts a pod with one named container and an image', () => {
    assert.deepEqual(refusals(pod, { spec: { containers: [{ name: 'web', image: 'nginx' }] } }), []);
  });

  it('needs at least one container, said once', () => {
    assert.deepEqual(refusals(pod, { spec: {} }), ['spec.containers: Required value']);
    assert.deepEqual(refusals(pod, { spec: { containers: [] } }), ['spec.containers: Required value']);
  });

  it('words container names, images, duplicates, ports and protocols as kube does', () => {
    const causes = refusals(pod, {
      spec: {
        containers: [
          { name: 'Web', image: '', ports: [{ containerPort: 70000 }, { containerPort: 0, protocol: 'HTTP' }] },
          { name: 'Web', image: 'nginx' },
        ],
      },
    });
    assert.deepEqual(causes, [
      `spec.containers[0].name: Invalid value: "Web": ${LABEL_RULE}`,
      'spec.containers[0].image: Required value',
      'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.containers[0].ports[1].containerPort: Required value',
      'spec.containers[0].ports[1].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
      `spec.containers[1].name: Invalid value: "Web": ${LABEL_RULE}`,
      'spec.containers[1].name: Duplicate value: "Web"',
    ]);
  });

  it('holds requests to their limits and resource names to the standard ones', () => {
    const causes = refusals(pod, { spec: { containers: [{ name: 'a', image: 'b', resources: { limits: { cpu: '500m', gpu: '1' }, requests: { cpu: '1' } } }] } });
    assert.deepEqual(causes, [
      'spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource for containers',
      'spec.containers[0].resources.requests: Invalid value: "1": must be less than or equal to cpu limit of 500m',
      'spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource for containers',
    ]);
  });

  it('refuses a quantity outside kube’s grammar before validating (the decoder’s 400)', () => {
    const result = validate(pod, definitions, make(pod, { spec: { containers: [{ name: 'a', image: 'b', resources: { limits: { cpu: 'lots' } } }] } }), undefined);
    assert.match(result.decodeError ?? '', /quantities must match the regular expression/);
  });

  it('knows restart and DNS policies, and volume mounts name a volume', () => {
    assert.deepEqual(refusals(pod, { spec: { restartPolicy: 'Sometimes', dnsPolicy: 'Google', containers: [{ name: 'a', image: 'b', volumeMounts: [{ name: 'data', mountPath: '/d' }] }] } }), [
      'spec.containers[0].volumeMounts[0].name: Not found: "data"',
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
      'spec.dnsPolicy: Unsupported value: "Google": supported values: "ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"',
    ]);
  });

  it('checks environment variable names, probe handlers and volume sources', () => {
    assert.deepEqual(
      refusals(pod, {
        spec: {
          volumes: [{ name: 'both', emptyDir: {}, configMap: { name: 'c' } }],
          containers: [{ name: 'a', image: 'b', env: [{ name: '1BAD', value: 'x' }, { name: 'GOOD_1', value: 'y' }], livenessProbe: { periodSeconds: 5 }, readinessProbe: { exec: { command: ['true'] }, tcpSocket: { port: 80 } } }],
        },
      }),
      [
        'spec.volumes[0].configMap: Forbidden: may not specify more than 1 volume type',
        "spec.containers[0].env[0].name: Invalid value: \"1BAD\": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')",
        'spec.containers[0].livenessProbe: Required value: must specify a handler type',
        'spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type',
      ],
    );
  });

  it('lets an update change images but little else of the spec', () => {
    const p = make(pod, { spec: { containers: [{ name: 'web', image: 'nginx:1' }] } });
    assert.deepEqual(updateRefusals(pod, p, (o) => ((o.spec as { containers: { image: string }[] }).containers[0]!.image = 'nginx:2')), []);
    const causes = updateRefusals(pod, p, (o) => ((o.spec as { restartPolicy: string }).restartPolicy = 'Never'));
    assert.equal(causes.length, 1);
    assert.match(causes[0]!, /^spec: Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`/);
  });
});

describe('deployments and replica sets', () => {
  const valid = { spec: { selector: { matchLabels: { app: 'web' } }, template: podTemplate() } };

  it('accepts a selector that selects the template', () => {
    assert.deepEqual(refusals(deployment, valid), []);
    assert.deepEqual(refusals(replicaSet, valid), []);
  });

  it('requires a selector, and one that is not empty', () => {
    assert.deepEqual(refusals(deployment, { spec: { template: podTemplate() } }), ['spec.selector: Required value']);
    assert.deepEqual(refusals(deployment, { spec: { selector: {}, template: podTemplate() } }), [
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
    ]);
  });

  it('says "`selector` does not match template `labels`" with the template’s labels', () => {
    assert.deepEqual(refusals(deployment, { spec: { selector: { matchLabels: { app: 'api' } }, template: podTemplate({ app: 'web', tier: 'fe' }) } }), [
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web", "tier":"fe"}: `selector` does not match template `labels`',
    ]);
    assert.deepEqual(
      refusals(replicaSet, { spec: { selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] }, template: podTemplate() } }),
      [],
    );
  });

  it('keeps pods restarting Always', () => {
    assert.deepEqual(refusals(deployment, { spec: { ...valid.spec, template: podTemplate({ app: 'web' }, { restartPolicy: 'Never' }) } }), [
      'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
    ]);
  });

  it('checks the rolling update and the progress deadline', () => {
    assert.deepEqual(
      refusals(deployment, { spec: { ...valid.spec, replicas: -1, progressDeadlineSeconds: 5, minReadySeconds: 10, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } } } }),
      [
        'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
        'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"0%"}: may not be 0 when `maxSurge` is 0',
        'spec.progressDeadlineSeconds: Invalid value: 5: must be greater than minReadySeconds',
      ],
    );
    assert.deepEqual(refusals(deployment, { spec: { ...valid.spec, strategy: { type: 'Recreate', rollingUpdate: {} } } }), [
      "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
    ]);
  });

  it('keeps the selector immutable, printed as kube prints a LabelSelector', () => {
    const d = make(deployment, valid);
    const causes = updateRefusals(deployment, d, (o) => {
      const spec = o.spec as { selector: unknown; template: { metadata: { labels: unknown } } };
      spec.selector = { matchLabels: { app: 'x' } };
      spec.template.metadata.labels = { app: 'x' };
    });
    assert.deepEqual(causes, [
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"x"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    ]);
    assert.deepEqual(updateRefusals(replicaSet, make(replicaSet, valid), (o) => ((o.spec as { selector: unknown }).selector = { matchLabels: { app: 'web', x: 'y' } })).length, 2);
  });
});

describe('replication controllers, stateful sets, daemon sets and controller revisions', () => {
  it('ReplicationController: a selector map that must select the template', () => {
    assert.deepEqual(refusals(replicationController, { spec: { selector: { app: 'api' }, template: podTemplate() } }), [
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
    ]);
  });

  it('StatefulSet: policies by name, and an update may change only what kube lets it', () => {
    assert.deepEqual(refusals(statefulSet, { spec: { serviceName: 'web', podManagementPolicy: 'Eager', selector: { matchLabels: { app: 'web' } }, template: podTemplate() } }), [
      "spec.podManagementPolicy: Invalid value: \"Eager\": must be 'OrderedReady' or 'Parallel'",
    ]);
    const sts = make(statefulSet, { spec: { serviceName: 'web', selector: { matchLabels: { app: 'web' } }, template: podTemplate() } });
    assert.deepEqual(updateRefusals(statefulSet, sts, (o) => ((o.spec as { replicas: number }).replicas = 5)), []);
    assert.deepEqual(updateRefusals(statefulSet, sts, (o) => ((o.spec as { serviceName: string }).serviceName = 'other')), [
      "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ]);
  });

  it('DaemonSet: the selector must select the template; empty is refused', () => {
    assert.deepEqual(refusals(daemonSet, { spec: { selector: { matchLabels: { app: 'web' } }, template: podTemplate() } }), []);
    assert.deepEqual(refusals(daemonSet, { spec: { selector: { matchLabels: { app: 'api' } }, template: podTemplate() } }), [
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
    ]);
  });

  it('ControllerRevision: data is mandatory', () => {
    assert.deepEqual(refusals(controllerRevision, { revision: 1 }), ['data: Required value: data is mandatory']);
  });
});

describe('jobs and cron jobs', () => {
  const jobBody = (spec: Record<string, unknown> = {}) => ({ spec: { template: podTemplate({}, { restartPolicy: 'Never' }), ...spec } });

  it('accepts a job whose selector kube generated', () => {
    assert.deepEqual(refusals(job, jobBody()), []);
  });

  it('refuses a pod that restarts Always', () => {
    assert.deepEqual(refusals(job, { spec: { template: podTemplate({}) } }), [
      'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
    ]);
  });

  it('refuses a selector it did not generate, unless manualSelector is set', () => {
    const causes = refusals(job, jobBody({ selector: { matchLabels: { app: 'x' } } }));
    assert.equal(causes.length, 2);
    assert.match(causes[0]!, /^spec.template.metadata.labels: Invalid value: map\[string\]string\{.*\}: `selector` does not match template `labels`$/);
    assert.match(causes[1]!, /^spec.selector: Invalid value: v1.LabelSelector\{.*\}: `selector` not auto-generated$/);
    assert.deepEqual(refusals(job, { spec: { manualSelector: true, selector: { matchLabels: { app: 'web' } }, template: podTemplate({ app: 'web' }, { restartPolicy: 'Never' }) } }), []);
  });

  it('keeps the selector, template and completions immutable', () => {
    const j = make(job, jobBody());
    assert.deepEqual(updateRefusals(job, j, (o) => ((o.spec as { parallelism: number }).parallelism = 4)), []);
    assert.deepEqual(
      updateRefusals(job, j, (o) => ((o.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image = 'other')),
      ['spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable'],
    );
    assert.deepEqual(updateRefusals(job, j, (o) => ((o.spec as { completions: number }).completions = 3)), ['spec.completions: Invalid value: 3: field is immutable']);
    const indexed = make(job, jobBody({ completionMode: 'Indexed', completions: 2, parallelism: 2 }));
    assert.deepEqual(updateRefusals(job, indexed, (o) => Object.assign(o.spec as object, { completions: 4, parallelism: 4 })), [], 'elastic: in tandem');
    assert.deepEqual(updateRefusals(job, indexed, (o) => ((o.spec as { completions: number }).completions = 4)), ['spec.completions: Invalid value: 4: can only be modified in tandem with spec.parallelism']);
  });

  it('CronJob: schedules in cron syntax, with the parser’s words', () => {
    const body = (schedule: string, extra: Record<string, unknown> = {}) => ({
      spec: { schedule, jobTemplate: { spec: { template: podTemplate({}, { restartPolicy: 'OnFailure' }) } }, ...extra },
    });
    assert.deepEqual(refusals(cronJob, body('*/5 * * * *')), []);
    assert.deepEqual(refusals(cronJob, body('@hourly')), []);
    assert.deepEqual(refusals(cronJob, body('0 0 * * MON-FRI')), []);
    assert.deepEqual(refusals(cronJob, body('61 * * * *')), ['spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61']);
    assert.deepEqual(refusals(cronJob, body('every day')), ['spec.schedule: Invalid value: "every day": expected exactly 5 fields, found 2: [every day]']);
    assert.deepEqual(refusals(cronJob, body('TZ=UTC 0 * * * *')), ['spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead']);
    assert.deepEqual(refusals(cronJob, body('0 * * * *', { concurrencyPolicy: 'Sometimes', timeZone: 'Mars/Olympus' })), [
      'spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus',
      'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
    ]);
    assert.equal(cronScheduleError('x * * * *'), 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax');
    assert.equal(cronScheduleError('@fortnightly'), 'unrecognized descriptor: @fortnightly');
  });

  it('CronJob: the job template’s selector is kube’s to generate', () => {
    const causes = refusals(cronJob, { spec: { schedule: '@daily', jobTemplate: { spec: { selector: { matchLabels: { a: 'b' } }, template: podTemplate({ a: 'b' }, { restartPolicy: 'Never' }) } } } });
    assert.deepEqual(causes, [
      'spec.jobTemplate.spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"a":"b"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` will be auto-generated',
    ]);
  });
});

describe('services', () => {
  it('checks port ranges, names of several ports, node ports by type, and external names', () => {
    assert.deepEqual(refusals(service, { spec: { ports: [{ port: 80 }, { port: 0, nodePort: 30000 }] } }), [
      'spec.ports[0].name: Required value',
      'spec.ports[1].name: Required value',
      'spec.ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive',
      'spec.ports[1].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive',
      "spec.ports[1].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
    ]);
    assert.deepEqual(refusals(service, { spec: { type: 'ExternalName' } }), ['spec.externalName: Required value']);
    assert.deepEqual(refusals(service, { spec: { type: 'Magic', ports: [{ port: 1 }] } }), [
      'spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
    ]);
  });

  it('keeps a cluster IP once set', () => {
    const s = make(service, { spec: { clusterIP: '10.0.0.10', ports: [{ port: 80 }] } });
    assert.deepEqual(updateRefusals(service, s, (o) => ((o.spec as { clusterIPs: string[] }).clusterIPs = ['10.0.0.11'])), [
      'spec.clusterIPs[0]: Invalid value: []string{"10.0.0.11"}: may not change once set',
    ]);
  });
});

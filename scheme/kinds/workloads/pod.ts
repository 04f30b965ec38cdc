// core/v1 Pod: kube's pod defaults (SetDefaults_Pod on top of the pod spec's),
// the status a new pod starts with (Pending, its QoS class), the spec's
// validation and update rules, its printer (READY STATUS RESTARTS AGE, then IP
// NODE NOMINATED NODE READINESS GATES), and graceful deletion: a pod bound to
// a node waits out its grace period, as it would for its kubelet.

import type { KubeObject } from '../../../protocol/kube/meta.js';
import type { StatusCause } from '../../../protocol/kube/status.js';
import type { KindDescription } from '../../kind-description.js';
import { ageColumn, ageOf, field, nameColumn } from '../../columns.js';
import { ALL_VERBS } from '../../verbs.js';
import { child, forbidden, isObj, objects, sameJson, type Obj } from './field-errors.js';
import { defaultPod, qosClass, validatePodSpec } from './pod-spec.js';

const isRestartableInit = (c: Obj): boolean => c.restartPolicy === 'Always';

function state(status: Obj): { waiting?: Obj; running?: Obj; terminated?: Obj } {
  const s = isObj(status.state) ? status.state : {};
  return {
    ...(isObj(s.waiting) ? { waiting: s.waiting } : {}),
    ...(isObj(s.running) ? { running: s.running } : {}),
    ...(isObj(s.terminated) ? { terminated: s.terminated } : {}),
  };
}

interface PodSummary {
  ready: string;
  status: string;
  restarts: string;
}

/** kube's printPod: the READY, STATUS and RESTARTS cells. */
export function summarizePod(pod: KubeObject): PodSummary {
  const spec = isObj(pod.spec) ? pod.spec : {};
  const status = isObj(pod.status) ? pod.status : {};
  const initContainers = objects(spec.initContainers);
  const total = objects(spec.containers).length + initContainers.filter(isRestartableInit).length;
  let ready = 0;
  let restarts = 0;
  let lastRestart = 0;
  const noteRestart = (c: Obj): void => {
    restarts += typeof c.restartCount === 'number' ? c.restartCount : 0;
    const last = isObj(c.lastState) && isObj(c.lastState.terminated) ? Date.parse(String(c.lastState.terminated.finishedAt ?? '')) : NaN;
    if (!Number.isNaN(last) && last > lastRestart) lastRestart = last;
  };
  let reason = String(status.reason || status.phase || '');
  for (const c of objects(status.conditions)) if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';

  let initializing = false;
  objects(status.initContainerStatuses).some((c, i) => {
    noteRestart(c);
    const { waiting, terminated } = state(c);
    const declared = initContainers.find((d) => d.name === c.name);
    if (terminated && terminated.exitCode === 0) return false;
    if (declared && isRestartableInit(declared) && c.started === true) {
      if (c.ready === true) ready++;
      return false;
    }
    initializing = true;
    if (terminated) {
      reason = terminated.reason ? `Init:${String(terminated.reason)}` : terminated.signal ? `Init:Signal:${String(terminated.signal)}` : `Init:ExitCode:${String(terminated.exitCode ?? 0)}`;
    } else if (waiting && waiting.reason && waiting.reason !== 'PodInitializing') reason = `Init:${String(waiting.reason)}`;
    else reason = `Init:${i}/${initContainers.length}`;
    return true;
  });
  const initialized = objects(status.conditions).some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initialized) {
    let hasRunning = false;
    const statuses = objects(status.containerStatuses);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i]!;
      noteRestart(c);
      const { waiting, running, terminated } = state(c);
      if (waiting && waiting.reason) reason = String(waiting.reason);
      else if (terminated && terminated.reason) reason = String(terminated.reason);
      else if (terminated) reason = terminated.signal ? `Signal:${String(terminated.signal)}` : `ExitCode:${String(terminated.exitCode ?? 0)}`;
      else if (c.ready === true && running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = objects(status.conditions).some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
    }
  }
  const phase = status.phase;
  if (pod.metadata.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';
  const restartText = restarts !== 0 && lastRestart > 0 ? `${restarts} (${ageOf(new Date(lastRestart).toISOString())} ago)` : String(restarts);
  return { ready: `${ready}/${total}`, status: reason, restarts: restartText };
}

const orNone = (value: unknown): string => (typeof value === 'string' && value ? value : '<none>');

function readinessGates(pod: KubeObject): string {
  const gates = objects(field(pod, 'spec', 'readinessGates'));
  if (gates.length === 0) return '<none>';
  const conditions = objects(field(pod, 'status', 'conditions'));
  const met = gates.filter((g) => conditions.some((c) => c.type === g.conditionType && c.status === 'True')).length;
  return `${met}/${gates.length}`;
}

function podIp(pod: KubeObject): string {
  const ips = objects(field(pod, 'status', 'podIPs'));
  return orNone(ips[0]?.ip ?? field(pod, 'status', 'podIP'));
}

/** What a pod update may change: images, activeDeadlineSeconds, tolerations (additions), scheduling gates (removals). */
function mutableSpecOf(spec: unknown): unknown {
  if (!isObj(spec)) return spec;
  const withoutImages = (list: unknown): unknown => objects(list).map(({ image: _image, ...rest }) => rest);
  const { activeDeadlineSeconds: _a, tolerations: _t, schedulingGates: _g, terminationGracePeriodSeconds: _p, ...rest } = spec;
  return { ...rest, containers: withoutImages(spec.containers), initContainers: withoutImages(spec.initContainers) };
}

const POD_UPDATE_FORBIDDEN =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

export const pod: KindDescription = {
  group: '',
  version: 'v1',
  kind: 'Pod',
  plural: 'pods',
  singular: 'pod',
  shortNames: ['po'],
  categories: ['all'],
  namespaced: true,
  verbs: ALL_VERBS,
  definition: 'io.k8s.api.core.v1.Pod',
  servedBy: 'store',
  tracksGeneration: true,
  columns: [
    nameColumn,
    { name: 'Ready', type: 'string', description: 'Ready containers out of all containers.', cell: (o) => summarizePod(o).ready },
    { name: 'Status', type: 'string', description: 'The aggregate status of the pod.', cell: (o) => summarizePod(o).status },
    { name: 'Restarts', type: 'string', description: 'Container restarts, and how long ago the last one was.', cell: (o) => summarizePod(o).restarts },
    ageColumn,
    { name: 'IP', type: 'string', priority: 1, description: 'The pod IP.', cell: podIp },
    { name: 'Node', type: 'string', priority: 1, description: 'The node the pod is bound to.', cell: (o) => orNone(field(o, 'spec', 'nodeName')) },
    { name: 'Nominated Node', type: 'string', priority: 1, description: 'The node nominated by preemption.', cell: (o) => orNone(field(o, 'status', 'nominatedNodeName')) },
    { name: 'Readiness Gates', type: 'string', priority: 1, description: 'Readiness gates met out of all.', cell: readinessGates },
  ],
  defaults(object) {
    defaultPod(child(object, 'spec'));
  },
  prepareForCreate(object) {
    const spec = child(object, 'spec');
    const status: Obj = { phase: 'Pending', qosClass: qosClass(spec) };
    if (objects(spec.schedulingGates).length > 0) {
      status.conditions = [{ type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: null, reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates' }];
    }
    object.status = status;
  },
  validate(object, old, subresource) {
    const causes: StatusCause[] = validatePodSpec(object.spec, 'spec');
    // Binding sets spec.nodeName and ephemeralcontainers spec.ephemeralContainers, each checked by its own handler.
    if (old && subresource === '' && !sameJson(mutableSpecOf(object.spec), mutableSpecOf(old.spec))) causes.push(forbidden('spec', POD_UPDATE_FORBIDDEN));
    return causes;
  },
  gracefulDeletion(object, requested) {
    // An unbound pod has no kubelet to wait for; nor has one that already finished.
    const phase = field(object, 'status', 'phase');
    if (!field(object, 'spec', 'nodeName') || phase === 'Succeeded' || phase === 'Failed') return 0;
    const own = field(object, 'spec', 'terminationGracePeriodSeconds');
    return requested ?? (typeof own === 'number' ? own : 30);
  },
};

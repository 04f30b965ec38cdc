// kube's Priority admission plugin (plugin/pkg/admission/priority).
// Mutating, on pod creation: spec.priority (and spec.preemptionPolicy) from the
// pod's priorityClassName, or from the globalDefault PriorityClass (its name
// written into the pod), or 0 when there is none; a pod that names a missing
// class, or states a priority or policy other than its class's, is refused in
// kube's words.
// Validating, on PriorityClass writes: only one globalDefault may exist.
// The two system classes kube ships are created at start (SYSTEM_PRIORITY_CLASSES,
// the scheduling/bootstrap-system-priority-classes post-start hook) and may not be deleted.
// Watches: priorityclasses.

import type { KubeObject } from '../../protocol/kube/meta.js';
import { forbidden } from '../../protocol/kube/status.js';
import type { AdmissionAttributes } from '../../protocol/messages/admission.js';
import { ALLOW, type PluginRegistration, type PluginVerdict } from './plugin.js';

const SCHEDULING = 'scheduling.k8s.io';
const DEFAULT_PREEMPTION = 'PreemptLowerPriority';

interface PriorityClass extends KubeObject { value?: number; globalDefault?: boolean; preemptionPolicy?: string }
interface PodSpec { priorityClassName?: string; priority?: number; preemptionPolicy?: string }

/** kube's SystemPriorityClasses, as its post-start hook creates them. */
export const SYSTEM_PRIORITY_CLASSES: readonly KubeObject[] = [
  { name: 'system-node-critical', value: 2000001000, description: 'Used for system critical pods that must not be moved from their current node.' },
  { name: 'system-cluster-critical', value: 2000000000, description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.' },
].map(({ name, value, description }) => ({ apiVersion: `${SCHEDULING}/v1`, kind: 'PriorityClass', metadata: { name }, value, description, preemptionPolicy: DEFAULT_PREEMPTION }) as KubeObject);

const isPodCreate = (a: AdmissionAttributes): boolean => a.operation === 'CREATE' && a.resource.group === '' && a.resource.resource === 'pods' && a.subresource === '';
const isClassWrite = (a: AdmissionAttributes): boolean => (a.operation === 'CREATE' || a.operation === 'UPDATE') && a.resource.group === SCHEDULING && a.resource.resource === 'priorityclasses';

export const PRIORITY: PluginRegistration = {
  name: 'Priority',
  defaultOn: true,
  create() {
    const classes = new Map<string, PriorityClass>();
    /** The default class; when a race left several, the lowest value, as kube picks. */
    const defaultClass = (): PriorityClass | undefined => {
      let chosen: PriorityClass | undefined;
      for (const pc of classes.values()) if (pc.globalDefault && (!chosen || (pc.value ?? 0) < (chosen.value ?? 0))) chosen = pc;
      return chosen;
    };
    const refuse = (a: AdmissionAttributes, why: string): PluginVerdict => ({ allowed: false, status: forbidden({ group: a.resource.group, resource: a.resource.resource }, a.name, why) });
    return {
      name: 'Priority',
      watches: [{ group: SCHEDULING, plural: 'priorityclasses' }],
      observe(_resource, change) {
        if (change.type === 'SYNC') {
          classes.clear();
          for (const o of change.objects ?? []) classes.set(o.metadata.name ?? '', o as PriorityClass);
        } else if (change.object) {
          if (change.type === 'DELETED') classes.delete(change.object.metadata.name ?? '');
          else classes.set(change.object.metadata.name ?? '', change.object as PriorityClass);
        }
      },
      admitRequest(_request, a) {
        if (a.operation === 'DELETE' && a.resource.group === SCHEDULING && a.resource.resource === 'priorityclasses' && SYSTEM_PRIORITY_CLASSES.some((c) => c.metadata.name === a.name)) {
          return refuse(a, 'this is a system priority class and cannot be deleted');
        }
        return ALLOW;
      },
      wantsObject: (a) => isPodCreate(a) || isClassWrite(a),
      mutate(a, pod) {
        if (!pod || !isPodCreate(a)) return ALLOW;
        const spec = (pod.spec ??= {}) as PodSpec;
        let priority = 0;
        let preemptionPolicy = DEFAULT_PREEMPTION;
        if (!spec.priorityClassName) {
          const fallback = defaultClass();
          if (fallback) {
            spec.priorityClassName = fallback.metadata.name ?? '';
            priority = fallback.value ?? 0;
            preemptionPolicy = fallback.preemptionPolicy ?? DEFAULT_PREEMPTION;
          }
        } else {
          const pc = classes.get(spec.priorityClassName);
          if (!pc) return refuse(a, `no PriorityClass with name ${spec.priorityClassName} was found`);
          priority = pc.value ?? 0;
          preemptionPolicy = pc.preemptionPolicy ?? DEFAULT_PREEMPTION;
        }
        if (spec.priority !== undefined && spec.priority !== priority) {
          return refuse(a, `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`);
        }
        spec.priority = priority;
        if (spec.preemptionPolicy !== undefined && spec.preemptionPolicy !== preemptionPolicy) {
          return refuse(a, `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${preemptionPolicy} from the given PriorityClass name`);
        }
        spec.preemptionPolicy = preemptionPolicy;
        return ALLOW;
      },
      validate(a, object) {
        if (!object || !isClassWrite(a) || !(object as PriorityClass).globalDefault) return ALLOW;
        const current = defaultClass();
        if (current && (a.operation === 'CREATE' || current.metadata.name !== object.metadata.name)) {
          return refuse(a, `PriorityClass ${current.metadata.name ?? ''} is already marked as default. Only one default can exist`);
        }
        return ALLOW;
      },
    };
  },
};

// kube's RuntimeClass admission plugin (plugin/pkg/admission/runtimeclass),
// on pod creation. Mutating: a pod naming a runtimeClassName gets its class's
// pod overhead, and its scheduling nodeSelector and tolerations merged in.
// Validating: the class must exist, and a pod's own overhead must be the
// class's. Messages are kube's. Watches: runtimeclasses.

import { forbidden } from '../../protocol/kube/status.js';
import type { AdmissionAttributes } from '../../protocol/messages/admission.js';
import type { KubeObject } from '../../protocol/kube/meta.js';
import { ALLOW, type PluginRegistration, type PluginVerdict } from './plugin.js';
import { ClusterClasses } from './cluster-classes.js';

interface Toleration { key?: string; operator?: string; value?: string; effect?: string; tolerationSeconds?: number }
interface RuntimeClass extends KubeObject {
  overhead?: { podFixed?: Record<string, string> };
  scheduling?: { nodeSelector?: Record<string, string>; tolerations?: Toleration[] };
}
interface PodSpec { runtimeClassName?: string; overhead?: Record<string, string>; nodeSelector?: Record<string, string>; tolerations?: Toleration[] }

const isPodCreate = (a: AdmissionAttributes): boolean => a.operation === 'CREATE' && a.resource.group === '' && a.resource.resource === 'pods' && a.subresource === '';
const sameList = (a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean =>
  JSON.stringify(Object.entries(a ?? {}).sort()) === JSON.stringify(Object.entries(b ?? {}).sort());

export const RUNTIME_CLASS: PluginRegistration = {
  name: 'RuntimeClass',
  defaultOn: true,
  create() {
    const classes = new ClusterClasses();
    const refuse = (a: AdmissionAttributes, why: string): PluginVerdict => ({ allowed: false, status: forbidden({ group: '', resource: 'pods' }, a.name, why) });
    return {
      name: 'RuntimeClass',
      watches: [{ group: 'node.k8s.io', plural: 'runtimeclasses' }],
      observe: classes.observe,
      wantsObject: isPodCreate,
      mutate(a, pod) {
        if (!pod || !(pod.spec as PodSpec | undefined)?.runtimeClassName) return ALLOW;
        const spec = pod.spec as PodSpec & { runtimeClassName: string };
        const rc = classes.get(spec.runtimeClassName) as RuntimeClass | undefined;
        if (!rc) return refuse(a, `pod rejected: RuntimeClass "${spec.runtimeClassName}" not found`);
        const overhead = rc.overhead?.podFixed;
        if (overhead) {
          if (spec.overhead && !sameList(spec.overhead, overhead)) return refuse(a, "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
          spec.overhead = { ...overhead };
        }
        for (const [key, value] of Object.entries(rc.scheduling?.nodeSelector ?? {})) {
          const own = spec.nodeSelector?.[key];
          if (own !== undefined && own !== value) return refuse(a, `conflict: runtimeClass.scheduling.nodeSelector[${key}] = ${value}; pod.spec.nodeSelector[${key}] = ${own}`);
          (spec.nodeSelector ??= {})[key] = value;
        }
        for (const t of rc.scheduling?.tolerations ?? []) {
          if (!(spec.tolerations ?? []).some((own) => JSON.stringify(own) === JSON.stringify(t))) (spec.tolerations ??= []).push({ ...t });
        }
        return ALLOW;
      },
      validate(a, pod) {
        const spec = (pod?.spec ?? {}) as PodSpec;
        if (!pod) return ALLOW;
        if (!spec.runtimeClassName) return spec.overhead ? refuse(a, 'pod rejected: Overhead set without corresponding RuntimeClass defined Overhead') : ALLOW;
        const rc = classes.get(spec.runtimeClassName) as RuntimeClass | undefined;
        if (!rc) return refuse(a, `pod rejected: RuntimeClass "${spec.runtimeClassName}" not found`);
        if (spec.overhead && !rc.overhead?.podFixed) return refuse(a, 'pod rejected: Overhead set without corresponding RuntimeClass defined Overhead');
        if (rc.overhead?.podFixed && !sameList(spec.overhead, rc.overhead.podFixed)) return refuse(a, "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
        return ALLOW;
      },
    };
  },
};

// kube's AlwaysPullImages admission plugin (off by default): every container
// of a new or updated pod pulls its image always, so a pod cannot use an image
// another tenant pulled onto the node without credentials for it.
// Mutating sets imagePullPolicy Always; validating refuses any other policy,
// in kube's words.

import { forbidden } from '../../protocol/kube/status.js';
import type { AdmissionAttributes } from '../../protocol/messages/admission.js';
import type { KubeObject } from '../../protocol/kube/meta.js';
import { ALLOW, type PluginRegistration } from './plugin.js';

interface Container { imagePullPolicy?: string }
interface PodSpec { containers?: Container[]; initContainers?: Container[]; ephemeralContainers?: Container[] }

/** Each container of the pod with its field path, as kube's VisitContainersWithPath names them. */
function* containersOf(pod: KubeObject): Generator<[string, Container]> {
  const spec = (pod.spec ?? {}) as PodSpec;
  for (const field of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
    for (const [i, c] of (spec[field] ?? []).entries()) yield [`spec.${field}[${i}]`, c];
  }
}

const isPodWrite = (a: AdmissionAttributes): boolean =>
  (a.operation === 'CREATE' || a.operation === 'UPDATE') && a.resource.group === '' && a.resource.resource === 'pods' && (a.subresource === '' || a.subresource === 'ephemeralcontainers');

export const ALWAYS_PULL_IMAGES: PluginRegistration = {
  name: 'AlwaysPullImages',
  defaultOn: false,
  create() {
    return {
      name: 'AlwaysPullImages',
      wantsObject: isPodWrite,
      mutate(_a, pod) {
        if (pod) for (const [, c] of containersOf(pod)) c.imagePullPolicy = 'Always';
        return ALLOW;
      },
      validate(a, pod) {
        if (!pod) return ALLOW;
        for (const [path, c] of containersOf(pod)) {
          if (c.imagePullPolicy !== 'Always') {
            const why = `${path}.imagePullPolicy: Unsupported value: ${JSON.stringify(c.imagePullPolicy ?? '')}: supported values: "Always"`;
            return { allowed: false, status: forbidden({ group: '', resource: 'pods' }, a.name, why) };
          }
        }
        return ALLOW;
      },
    };
  },
};

// kube's ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount),
// on pod creation:
//   - a pod naming no service account gets `default`;
//   - the account must exist: `default` is waited for a little (the
//     serviceaccount controller creates it just after its namespace), any other
//     is refused at once, in kube's words;
//   - unless automounting is off (the pod's automountServiceAccountToken, else
//     the account's), every container and init container mounts the projected
//     `kube-api-access-<5 chars>` volume (a bound token, the kube-root-ca.crt
//     ConfigMap's ca.crt, and the namespace) at kube's path;
//   - a pod with no imagePullSecrets gets the account's.
// Watches: serviceaccounts.

import type { KubeObject } from '../../protocol/kube/meta.js';
import { forbidden } from '../../protocol/kube/status.js';
import type { AdmissionAttributes } from '../../protocol/messages/admission.js';
import { generateName } from '../store/generate-name.js';
import { ALLOW, type PluginRegistration, type PluginVerdict } from './plugin.js';

export const DEFAULT_SERVICE_ACCOUNT = 'default';
export const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
const VOLUME_PREFIX = 'kube-api-access-';
/** kube's WarnOnlyBoundTokenExpirationSeconds: an hour and 7 s, so a stale token can be told apart in the logs. */
const TOKEN_EXPIRATION_SECONDS = 3607;
const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
/** kube looks `default` up 10 times, 100–200 ms apart. */
const DEFAULT_ACCOUNT_WAIT_MS = 1500;

interface Container { volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[] }
interface PodSpec {
  serviceAccountName?: string;
  serviceAccount?: string;
  automountServiceAccountToken?: boolean;
  volumes?: { name?: string }[];
  containers?: Container[];
  initContainers?: Container[];
  imagePullSecrets?: { name: string }[];
}
interface ServiceAccount extends KubeObject {
  automountServiceAccountToken?: boolean;
  imagePullSecrets?: { name: string }[];
}

/** kube's TokenVolumeSource: the projected volume a pod's token, CA and namespace are mounted from. */
export function tokenVolumeSource(): Record<string, unknown> {
  return {
    defaultMode: 0o644,
    sources: [
      { serviceAccountToken: { path: 'token', expirationSeconds: TOKEN_EXPIRATION_SECONDS } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  };
}

function mountToken(spec: PodSpec): void {
  const existing = (spec.volumes ?? []).find((v) => (v.name ?? '').startsWith(VOLUME_PREFIX));
  const volumeName = existing?.name || generateName(VOLUME_PREFIX);
  for (const container of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    if ((container.volumeMounts ?? []).some((m) => m.mountPath === TOKEN_MOUNT_PATH)) continue;
    (container.volumeMounts ??= []).push({ name: volumeName, readOnly: true, mountPath: TOKEN_MOUNT_PATH });
  }
  if (!existing) (spec.volumes ??= []).push({ name: volumeName, projected: tokenVolumeSource() } as { name: string });
}

const isPodCreate = (a: AdmissionAttributes): boolean =>
  a.operation === 'CREATE' && a.resource.group === '' && a.resource.resource === 'pods' && a.subresource === '';

export const SERVICE_ACCOUNT: PluginRegistration = {
  name: 'ServiceAccount',
  defaultOn: true,
  create({ clock }) {
    const accounts = new Map<string, ServiceAccount>();
    /** Pods waiting for an account to appear, by `<namespace>/<name>`. */
    const waiting = new Map<string, Set<() => void>>();
    const keyOf = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
    const arrived = (key: string): void => {
      for (const wake of waiting.get(key) ?? []) wake();
      waiting.delete(key);
    };
    const admitWith = (attributes: AdmissionAttributes, pod: KubeObject, account: ServiceAccount): PluginVerdict => {
      const spec = (pod.spec ??= {}) as PodSpec;
      if (spec.automountServiceAccountToken ?? account.automountServiceAccountToken ?? true) mountToken(spec);
      if (!spec.imagePullSecrets?.length && account.imagePullSecrets?.length) spec.imagePullSecrets = account.imagePullSecrets.map((s) => ({ name: s.name }));
      return ALLOW;
    };
    const missing = (attributes: AdmissionAttributes, name: string): PluginVerdict => ({
      allowed: false,
      status: forbidden({ group: '', resource: 'pods' }, attributes.name, `error looking up service account ${attributes.namespace}/${name}: serviceaccount "${name}" not found`),
    });
    return {
      name: 'ServiceAccount',
      watches: [{ group: '', plural: 'serviceaccounts' }],
      observe(_resource, change) {
        if (change.type === 'SYNC') {
          accounts.clear();
          for (const o of change.objects ?? []) accounts.set(keyOf(o), o);
          for (const key of [...waiting.keys()]) if (accounts.has(key)) arrived(key);
        } else if (change.object) {
          const key = keyOf(change.object);
          if (change.type === 'DELETED') accounts.delete(key);
          else {
            accounts.set(key, change.object);
            arrived(key);
          }
        }
      },
      wantsObject: isPodCreate,
      mutate(attributes, pod) {
        if (!pod || !isPodCreate(attributes)) return ALLOW;
        if (pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return ALLOW;
        const spec = (pod.spec ??= {}) as PodSpec;
        if (!spec.serviceAccountName) spec.serviceAccountName = spec.serviceAccount || DEFAULT_SERVICE_ACCOUNT;
        const name = spec.serviceAccountName;
        const key = `${attributes.namespace}/${name}`;
        const account = accounts.get(key);
        if (account) return admitWith(attributes, pod, account);
        if (name !== DEFAULT_SERVICE_ACCOUNT) return missing(attributes, name);
        return new Promise<PluginVerdict>((resolve) => {
          const wake = (): void => {
            clock.clearTimeout(timer);
            const found = accounts.get(key);
            resolve(found ? admitWith(attributes, pod, found) : missing(attributes, name));
          };
          const timer = clock.setTimeout(() => {
            waiting.get(key)?.delete(wake);
            resolve(missing(attributes, name));
          }, DEFAULT_ACCOUNT_WAIT_MS);
          let set = waiting.get(key);
          if (!set) waiting.set(key, (set = new Set()));
          set.add(wake);
        });
      },
    };
  },
};

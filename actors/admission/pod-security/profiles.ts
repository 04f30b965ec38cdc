// Checks on the kernel security profiles a pod asks for: AppArmor, SELinux,
// seccomp (baseline: no Unconfined; restricted: RuntimeDefault or Localhost
// set on the pod or every container) and /proc masking.

import {
  ALLOWED, containersNamed, containersWhere, forbid, joinQuote, pluralize, relaxForUserNamespace, setters, skipWindows, sortedSet, visitContainers,
  type Check, type CheckPod, type PodSpecLike, type SecurityContextLike,
} from './check.js';

/**
 * Who sets a profile's type to one `allowed` refuses (`pod and containers "a", "b"`), the distinct types
 * sorted, and whether the pod sets an allowed one (then its containers need not).
 */
function forbiddenProfileTypes(spec: PodSpecLike, field: 'appArmorProfile' | 'seccompProfile', allowed: (type: string | undefined) => boolean) {
  const values: string[] = [];
  const podProfile = spec.securityContext?.[field];
  const podBad = !!podProfile && !allowed(podProfile.type);
  if (podBad) values.push(podProfile?.type ?? '');
  const bad = containersWhere(spec, (c) => {
    const profile = c.securityContext?.[field];
    if (!profile || allowed(profile.type)) return false;
    values.push(profile.type ?? '');
    return true;
  });
  return { who: setters(podBad, bad), values: sortedSet(values), podSet: !!podProfile && !podBad };
}

const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';
const allowedAppArmorAnnotation = (value: string): boolean => value === '' || value === 'runtime/default' || value.startsWith('localhost/');
const allowedAppArmorType = (type: string | undefined): boolean => type === 'RuntimeDefault' || type === 'Localhost';

export const appArmorProfile: Check = {
  id: 'appArmorProfile',
  level: 'baseline',
  versions: [{
    minimumVersion: 0,
    checkPod: (metadata, spec) => {
      const { who, values: list } = forbiddenProfileTypes(spec, 'appArmorProfile', allowedAppArmorType);
      const annotations = Object.entries(metadata.annotations ?? {})
        .filter(([key, value]) => key.startsWith(APPARMOR_ANNOTATION_PREFIX) && !allowedAppArmorAnnotation(value))
        .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
        .sort();
      if (annotations.length > 0) {
        list.push(...annotations);
        who.push(pluralize('annotation', 'annotations', annotations.length));
      }
      if (who.length === 0) return ALLOWED;
      return forbid(pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', list.length), `${who.join(' and ')} must not set AppArmor profile type to ${joinQuote(list)}`);
    },
  }],
};

const SELINUX_TYPES_1_0 = ['', 'container_t', 'container_init_t', 'container_kvm_t'];
const SELINUX_TYPES_1_31 = [...SELINUX_TYPES_1_0, 'container_engine_t'];

function seLinuxAllowing(types: readonly string[]): CheckPod {
  const allowed = new Set(types);
  return (_m, spec) => {
    const badTypes: string[] = [];
    let setUser = false;
    let setRole = false;
    const valid = (context: SecurityContextLike | undefined): boolean => {
      const options = context?.seLinuxOptions;
      if (!options) return true;
      let ok = true;
      if (!allowed.has(options.type ?? '')) {
        ok = false;
        badTypes.push(options.type ?? '');
      }
      if (options.user) {
        ok = false;
        setUser = true;
      }
      if (options.role) {
        ok = false;
        setRole = true;
      }
      return ok;
    };
    const podBad = !valid(spec.securityContext);
    const who = setters(podBad, containersWhere(spec, (c) => !valid(c.securityContext)));
    if (who.length === 0) return ALLOWED;
    const data: string[] = [];
    const distinct = sortedSet(badTypes);
    if (distinct.length > 0) data.push(`${pluralize('type', 'types', distinct.length)} ${joinQuote(distinct)}`);
    if (setUser) data.push('user may not be set');
    if (setRole) data.push('role may not be set');
    return forbid('seLinuxOptions', `${who.join(' and ')} set forbidden securityContext.seLinuxOptions: ${data.join('; ')}`);
  };
}

export const seLinuxOptions: Check = {
  id: 'seLinuxOptions',
  level: 'baseline',
  versions: [
    { minimumVersion: 0, checkPod: seLinuxAllowing(SELINUX_TYPES_1_0) },
    { minimumVersion: 31, checkPod: seLinuxAllowing(SELINUX_TYPES_1_31) },
  ],
};

const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';
const validSeccompType = (type: string | undefined): boolean => type === 'Localhost' || type === 'RuntimeDefault';
const validSeccompAnnotation = (value: string): boolean => value === 'runtime/default' || value === 'docker/default' || value.startsWith('localhost/');

/** Before v1.19 seccomp was asked for by annotations. */
const seccompBaseline1_0: CheckPod = (metadata, spec) => {
  const annotations = metadata.annotations ?? {};
  const forbidden: string[] = [];
  const look = (key: string): void => {
    const value = annotations[key];
    if (value !== undefined && !validSeccompAnnotation(value)) forbidden.push(`${key}=${JSON.stringify(value)}`);
  };
  look(SECCOMP_POD_ANNOTATION);
  visitContainers(spec, (c) => look(`${SECCOMP_CONTAINER_ANNOTATION_PREFIX}${c.name ?? ''}`));
  const list = sortedSet(forbidden);
  return list.length > 0 ? forbid('seccompProfile', `forbidden ${pluralize('annotation', 'annotations', list.length)} ${list.join(', ')}`) : ALLOWED;
};

const explicitSeccomp = (spec: PodSpecLike) => forbiddenProfileTypes(spec, 'seccompProfile', validSeccompType);

const seccompDetail = (who: string[], values: string[]): string => `${who.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(values)}`;

const seccompBaseline1_19: CheckPod = (_m, spec) => {
  const { who, values } = explicitSeccomp(spec);
  return who.length > 0 ? forbid('seccompProfile', seccompDetail(who, values)) : ALLOWED;
};

export const seccompProfileBaseline: Check = {
  id: 'seccompProfile_baseline',
  level: 'baseline',
  versions: [
    { minimumVersion: 0, checkPod: seccompBaseline1_0 },
    { minimumVersion: 19, checkPod: seccompBaseline1_19 },
  ],
};

const seccompRestricted1_19: CheckPod = (_m, spec) => {
  const { who, values, podSet } = explicitSeccomp(spec);
  if (who.length > 0) return forbid('seccompProfile', seccompDetail(who, values));
  const implicitlyBad = podSet ? [] : containersWhere(spec, (c) => !c.securityContext?.seccompProfile);
  return implicitlyBad.length > 0
    ? forbid('seccompProfile', `pod or ${containersNamed(implicitlyBad)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`)
    : ALLOWED;
};

export const seccompProfileRestricted: Check = {
  id: 'seccompProfile_restricted',
  level: 'restricted',
  versions: [
    { minimumVersion: 19, checkPod: seccompRestricted1_19, overrides: ['seccompProfile_baseline'] },
    { minimumVersion: 25, checkPod: skipWindows(seccompRestricted1_19), overrides: ['seccompProfile_baseline'] },
  ],
};

export const procMount: Check = {
  id: 'procMount',
  level: 'baseline',
  versions: [{
    minimumVersion: 0,
    checkPod: (_m, spec) => {
      if (relaxForUserNamespace(spec)) return ALLOWED;
      const types: string[] = [];
      const bad = containersWhere(spec, (c) => {
        const mount = c.securityContext?.procMount;
        if (mount === undefined || mount === 'Default') return false;
        types.push(mount);
        return true;
      });
      return bad.length > 0 ? forbid('procMount', `${containersNamed(bad)} must not set securityContext.procMount to ${joinQuote(sortedSet(types))}`) : ALLOWED;
    },
  }],
};

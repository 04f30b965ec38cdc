// Checks on what a pod's processes may do: privileged containers and added
// capabilities (baseline); privilege escalation, dropping ALL capabilities,
// running as non-root and not as uid 0 (restricted). From v1.25 the
// restricted ones leave Windows pods alone, as kube's do.

import {
  ALLOWED, containersNamed, containersWhere, forbid, joinQuote, relaxForUserNamespace, setters, skipWindows, sortedSet, visitContainers,
  type Check, type CheckPod,
} from './check.js';

export const privileged: Check = {
  id: 'privileged',
  level: 'baseline',
  versions: [{
    minimumVersion: 0,
    checkPod: (_m, spec) => {
      const bad = containersWhere(spec, (c) => c.securityContext?.privileged === true);
      return bad.length > 0 ? forbid('privileged', `${containersNamed(bad)} must not set securityContext.privileged=true`) : ALLOWED;
    },
  }],
};

const DEFAULT_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);

export const capabilitiesBaseline: Check = {
  id: 'capabilities_baseline',
  level: 'baseline',
  versions: [{
    minimumVersion: 0,
    checkPod: (_m, spec) => {
      const bad: string[] = [];
      const added: string[] = [];
      visitContainers(spec, (c) => {
        const extra = (c.securityContext?.capabilities?.add ?? []).filter((cap) => !DEFAULT_CAPABILITIES.has(cap));
        if (extra.length > 0) bad.push(c.name ?? '');
        added.push(...extra);
      });
      return bad.length > 0
        ? forbid('non-default capabilities', `${containersNamed(bad)} must not include ${joinQuote(sortedSet(added))} in securityContext.capabilities.add`)
        : ALLOWED;
    },
  }],
};

const capabilitiesRestricted1_22: CheckPod = (_m, spec) => {
  const missingDropAll: string[] = [];
  const addingForbidden: string[] = [];
  const forbidden: string[] = [];
  visitContainers(spec, (c) => {
    const capabilities = c.securityContext?.capabilities;
    if (!capabilities) {
      missingDropAll.push(c.name ?? '');
      return;
    }
    if (!(capabilities.drop ?? []).includes('ALL')) missingDropAll.push(c.name ?? '');
    const extra = (capabilities.add ?? []).filter((cap) => cap !== 'NET_BIND_SERVICE');
    if (extra.length > 0) addingForbidden.push(c.name ?? '');
    forbidden.push(...extra);
  });
  const details: string[] = [];
  if (missingDropAll.length > 0) details.push(`${containersNamed(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`);
  if (addingForbidden.length > 0) details.push(`${containersNamed(addingForbidden)} must not include ${joinQuote(sortedSet(forbidden))} in securityContext.capabilities.add`);
  return details.length > 0 ? forbid('unrestricted capabilities', details.join('; ')) : ALLOWED;
};

export const capabilitiesRestricted: Check = {
  id: 'capabilities_restricted',
  level: 'restricted',
  versions: [
    { minimumVersion: 22, checkPod: capabilitiesRestricted1_22, overrides: ['capabilities_baseline'] },
    { minimumVersion: 25, checkPod: skipWindows(capabilitiesRestricted1_22), overrides: ['capabilities_baseline'] },
  ],
};

const allowPrivilegeEscalation1_8: CheckPod = (_m, spec) => {
  const bad = containersWhere(spec, (c) => c.securityContext?.allowPrivilegeEscalation !== false);
  return bad.length > 0 ? forbid('allowPrivilegeEscalation != false', `${containersNamed(bad)} must set securityContext.allowPrivilegeEscalation=false`) : ALLOWED;
};

export const allowPrivilegeEscalation: Check = {
  id: 'allowPrivilegeEscalation',
  level: 'restricted',
  versions: [
    { minimumVersion: 8, checkPod: allowPrivilegeEscalation1_8 },
    { minimumVersion: 25, checkPod: skipWindows(allowPrivilegeEscalation1_8) },
  ],
};

export const runAsNonRoot: Check = {
  id: 'runAsNonRoot',
  level: 'restricted',
  versions: [{
    minimumVersion: 0,
    checkPod: (_m, spec) => {
      if (relaxForUserNamespace(spec)) return ALLOWED;
      const podValue = spec.securityContext?.runAsNonRoot;
      const explicitlyBad = containersWhere(spec, (c) => c.securityContext?.runAsNonRoot === false);
      const implicitlyBad = containersWhere(spec, (c) => c.securityContext?.runAsNonRoot == null && podValue !== true);
      const who = setters(podValue === false, explicitlyBad);
      if (who.length > 0) return forbid('runAsNonRoot != true', `${who.join(' and ')} must not set securityContext.runAsNonRoot=false`);
      if (implicitlyBad.length > 0) return forbid('runAsNonRoot != true', `pod or ${containersNamed(implicitlyBad)} must set securityContext.runAsNonRoot=true`);
      return ALLOWED;
    },
  }],
};

export const runAsUser: Check = {
  id: 'runAsUser',
  level: 'restricted',
  versions: [{
    minimumVersion: 23,
    checkPod: (_m, spec) => {
      if (relaxForUserNamespace(spec)) return ALLOWED;
      const who = setters(spec.securityContext?.runAsUser === 0, containersWhere(spec, (c) => c.securityContext?.runAsUser === 0));
      return who.length > 0 ? forbid('runAsUser=0', `${who.join(' and ')} must not set runAsUser=0`) : ALLOWED;
    },
  }],
};

// Baseline checks on what a pod shares with its node: host namespaces, host
// ports, Windows host processes, and sysctls outside the safe set.

import { ALLOWED, containersNamed, forbid, pluralize, setters, sortedSet, visitContainers, containersWhere, type Check } from './check.js';

export const hostNamespaces: Check = {
  id: 'hostNamespaces',
  level: 'baseline',
  versions: [{
    minimumVersion: 0,
    checkPod: (_m, spec) => {
      const shared = [spec.hostNetwork && 'hostNetwork=true', spec.hostPID && 'hostPID=true', spec.hostIPC && 'hostIPC=true'].filter((s): s is string => !!s);
      return shared.length > 0 ? forbid('host namespaces', shared.join(', ')) : ALLOWED;
    },
  }],
};

export const hostPorts: Check = {
  id: 'hostPorts',
  level: 'baseline',
  versions: [{
    minimumVersion: 0,
    checkPod: (_m, spec) => {
      const bad: string[] = [];
      const ports: string[] = [];
      visitContainers(spec, (c) => {
        const used = (c.ports ?? []).filter((p) => p.hostPort !== undefined && p.hostPort !== 0).map((p) => String(p.hostPort));
        if (used.length > 0) bad.push(c.name ?? '');
        ports.push(...used);
      });
      if (bad.length === 0) return ALLOWED;
      // kube sorts the ports as strings
      const list = sortedSet(ports);
      return forbid('hostPort', `${containersNamed(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', list.length)} ${list.join(', ')}`);
    },
  }],
};

export const windowsHostProcess: Check = {
  id: 'windowsHostProcess',
  level: 'baseline',
  versions: [{
    minimumVersion: 0,
    checkPod: (_m, spec) => {
      const bad = containersWhere(spec, (c) => c.securityContext?.windowsOptions?.hostProcess === true);
      const who = setters(spec.securityContext?.windowsOptions?.hostProcess === true, bad);
      return who.length > 0 ? forbid('hostProcess', `${who.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true`) : ALLOWED;
    },
  }],
};

const SAFE_SYSCTLS_1_0 = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start'];
const SAFE_SYSCTLS_1_27 = [...SAFE_SYSCTLS_1_0, 'net.ipv4.ip_local_reserved_ports'];
const SAFE_SYSCTLS_1_29 = [...SAFE_SYSCTLS_1_27, 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'];
const SAFE_SYSCTLS_1_32 = [...SAFE_SYSCTLS_1_29, 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'];

const sysctlsAllowing = (safe: readonly string[]): Check['versions'][number]['checkPod'] => {
  const allowed = new Set(safe);
  return (_m, spec) => {
    const forbidden = (spec.securityContext?.sysctls ?? []).map((s) => s.name ?? '').filter((name) => !allowed.has(name));
    return forbidden.length > 0 ? forbid('forbidden sysctls', forbidden.join(', ')) : ALLOWED;
  };
};

export const sysctls: Check = {
  id: 'sysctls',
  level: 'baseline',
  versions: [
    { minimumVersion: 0, checkPod: sysctlsAllowing(SAFE_SYSCTLS_1_0) },
    { minimumVersion: 27, checkPod: sysctlsAllowing(SAFE_SYSCTLS_1_27) },
    { minimumVersion: 29, checkPod: sysctlsAllowing(SAFE_SYSCTLS_1_29) },
    { minimumVersion: 32, checkPod: sysctlsAllowing(SAFE_SYSCTLS_1_32) },
  ],
};

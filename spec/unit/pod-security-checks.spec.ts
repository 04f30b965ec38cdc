// Each Pod Security check, table-driven: what it allows, and the reason and
// detail it gives otherwise, in kube's words (k8s.io/pod-security-admission/policy).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Check, CheckResult, PodMetadataLike, PodSpecLike } from '../../actors/admission/pod-security/check.js';
import { hostNamespaces, hostPorts, sysctls, windowsHostProcess } from '../../actors/admission/pod-security/host.js';
import { hostPathVolumes, restrictedVolumes } from '../../actors/admission/pod-security/volumes.js';
import { allowPrivilegeEscalation, capabilitiesBaseline, capabilitiesRestricted, privileged, runAsNonRoot, runAsUser } from '../../actors/admission/pod-security/privileges.js';
import { appArmorProfile, procMount, seccompProfileBaseline, seccompProfileRestricted, seLinuxOptions } from '../../actors/admission/pod-security/profiles.js';

interface Case {
  name: string;
  spec: PodSpecLike;
  metadata?: PodMetadataLike;
  /** v1 minor; the newest version of the check when absent. */
  minor?: number;
  /** [reason, detail]; allowed when absent. */
  expect?: [string, string];
}

function run(check: Check, c: Case): CheckResult {
  const minor = c.minor ?? Number.POSITIVE_INFINITY;
  const versioned = [...check.versions].reverse().find((v) => v.minimumVersion <= minor);
  assert.ok(versioned, `${check.id} has no version at v1.${minor}`);
  return versioned.checkPod(c.metadata ?? {}, c.spec);
}

function table(check: Check, cases: Case[]): void {
  describe(check.id, () => {
    for (const c of cases) {
      it(c.name, () => {
        const result = run(check, c);
        if (!c.expect) assert.deepEqual(result, { allowed: true });
        else assert.deepEqual(result, { allowed: false, reason: c.expect[0], detail: c.expect[1] });
      });
    }
  });
}

const ctr = (name: string, securityContext?: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ name, image: 'busybox', ...(securityContext ? { securityContext } : {}), ...extra });

table(hostNamespaces, [
  { name: 'allows a pod on its own namespaces', spec: { containers: [ctr('a')], hostNetwork: false } },
  { name: 'names each host namespace shared', spec: { containers: [ctr('a')], hostNetwork: true, hostPID: true, hostIPC: true }, expect: ['host namespaces', 'hostNetwork=true, hostPID=true, hostIPC=true'] },
  { name: 'one is enough', spec: { containers: [ctr('a')], hostPID: true }, expect: ['host namespaces', 'hostPID=true'] },
]);

table(hostPorts, [
  { name: 'allows container ports and hostPort 0', spec: { containers: [ctr('a', undefined, { ports: [{ containerPort: 80 }, { hostPort: 0 }] })] } },
  { name: 'one container, one port', spec: { containers: [ctr('a', undefined, { ports: [{ hostPort: 80 }] })] }, expect: ['hostPort', 'container "a" uses hostPort 80'] },
  {
    name: 'several containers and ports, ports sorted as text',
    spec: { initContainers: [ctr('i', undefined, { ports: [{ hostPort: 9000 }] })], containers: [ctr('a', undefined, { ports: [{ hostPort: 80 }, { hostPort: 10000 }] })] },
    expect: ['hostPort', 'containers "i", "a" use hostPorts 10000, 80, 9000'],
  },
]);

table(windowsHostProcess, [
  { name: 'allows hostProcess false', spec: { containers: [ctr('a', { windowsOptions: { hostProcess: false } })] } },
  {
    name: 'pod and containers',
    spec: { securityContext: { windowsOptions: { hostProcess: true } }, containers: [ctr('a', { windowsOptions: { hostProcess: true } }), ctr('b', { windowsOptions: { hostProcess: true } })] },
    expect: ['hostProcess', 'pod and containers "a", "b" must not set securityContext.windowsOptions.hostProcess=true'],
  },
]);

table(sysctls, [
  { name: 'allows the safe set', spec: { containers: [ctr('a')], securityContext: { sysctls: [{ name: 'kernel.shm_rmid_forced', value: '0' }, { name: 'net.ipv4.tcp_rmem', value: '4096' }] } } },
  { name: 'lists the others in order', spec: { containers: [ctr('a')], securityContext: { sysctls: [{ name: 'kernel.msgmax' }, { name: 'a.b' }] } }, expect: ['forbidden sysctls', 'kernel.msgmax, a.b'] },
  { name: 'tcp_rmem is safe only from v1.32', minor: 31, spec: { containers: [ctr('a')], securityContext: { sysctls: [{ name: 'net.ipv4.tcp_rmem' }] } }, expect: ['forbidden sysctls', 'net.ipv4.tcp_rmem'] },
  { name: 'ip_local_reserved_ports is safe from v1.27', minor: 27, spec: { containers: [ctr('a')], securityContext: { sysctls: [{ name: 'net.ipv4.ip_local_reserved_ports' }] } } },
  { name: 'but not before', minor: 26, spec: { containers: [ctr('a')], securityContext: { sysctls: [{ name: 'net.ipv4.ip_local_reserved_ports' }] } }, expect: ['forbidden sysctls', 'net.ipv4.ip_local_reserved_ports'] },
]);

table(hostPathVolumes, [
  { name: 'allows other volumes', spec: { containers: [ctr('a')], volumes: [{ name: 'e', emptyDir: {} }] } },
  { name: 'one', spec: { containers: [ctr('a')], volumes: [{ name: 'h', hostPath: { path: '/' } }] }, expect: ['hostPath volumes', 'volume "h"'] },
  { name: 'two', spec: { containers: [ctr('a')], volumes: [{ name: 'h1', hostPath: { path: '/' } }, { name: 'h2', hostPath: { path: '/a' } }] }, expect: ['hostPath volumes', 'volumes "h1", "h2"'] },
]);

table(restrictedVolumes, [
  {
    name: 'allows configMap, csi, downwardAPI, emptyDir, ephemeral, image, pvc, projected and secret',
    spec: {
      containers: [ctr('a')],
      volumes: ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret'].map((s, i) => ({ name: `v${i}`, [s]: {} })),
    },
  },
  { name: 'one volume', spec: { containers: [ctr('a')], volumes: [{ name: 'n', nfs: { server: 'x', path: '/' } }] }, expect: ['restricted volume types', 'volume "n" uses restricted volume type "nfs"'] },
  {
    name: 'several, types sorted and distinct',
    spec: { containers: [ctr('a')], volumes: [{ name: 'h', hostPath: {} }, { name: 'g', gitRepo: {} }, { name: 'h2', hostPath: {} }, { name: 'u' }] },
    expect: ['restricted volume types', 'volumes "h", "g", "h2", "u" use restricted volume types "gitRepo", "hostPath", "unknown"'],
  },
]);

table(privileged, [
  { name: 'allows privileged false', spec: { containers: [ctr('a', { privileged: false })] } },
  {
    name: 'names init, regular and ephemeral containers',
    spec: { initContainers: [ctr('i', { privileged: true })], containers: [ctr('a', { privileged: true }), ctr('b')], ephemeralContainers: [ctr('e', { privileged: true })] },
    expect: ['privileged', 'containers "i", "a", "e" must not set securityContext.privileged=true'],
  },
]);

table(capabilitiesBaseline, [
  { name: 'allows the default set', spec: { containers: [ctr('a', { capabilities: { add: ['CHOWN', 'NET_BIND_SERVICE', 'SYS_CHROOT'] } })] } },
  {
    name: 'lists the others, sorted',
    spec: { containers: [ctr('a', { capabilities: { add: ['SYS_ADMIN', 'CHOWN'] } }), ctr('b', { capabilities: { add: ['NET_RAW', 'SYS_ADMIN'] } })] },
    expect: ['non-default capabilities', 'containers "a", "b" must not include "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add'],
  },
]);

table(capabilitiesRestricted, [
  { name: 'allows drop ALL and add NET_BIND_SERVICE', spec: { containers: [ctr('a', { capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } })] } },
  {
    name: 'both faults, joined by a semicolon',
    spec: { containers: [ctr('a'), ctr('b', { capabilities: { drop: ['ALL'], add: ['CHOWN'] } }), ctr('c', { capabilities: { add: ['SYS_ADMIN'] } })] },
    expect: ['unrestricted capabilities', 'containers "a", "c" must set securityContext.capabilities.drop=["ALL"]; containers "b", "c" must not include "CHOWN", "SYS_ADMIN" in securityContext.capabilities.add'],
  },
  { name: 'leaves Windows pods alone from v1.25', spec: { os: { name: 'windows' }, containers: [ctr('a')] } },
  { name: 'but not at v1.24', minor: 24, spec: { os: { name: 'windows' }, containers: [ctr('a')] }, expect: ['unrestricted capabilities', 'container "a" must set securityContext.capabilities.drop=["ALL"]'] },
]);

table(allowPrivilegeEscalation, [
  { name: 'allows false', spec: { containers: [ctr('a', { allowPrivilegeEscalation: false })] } },
  {
    name: 'unset or true',
    spec: { containers: [ctr('a'), ctr('b', { allowPrivilegeEscalation: true }), ctr('c', { allowPrivilegeEscalation: false })] },
    expect: ['allowPrivilegeEscalation != false', 'containers "a", "b" must set securityContext.allowPrivilegeEscalation=false'],
  },
  { name: 'leaves Windows pods alone', spec: { os: { name: 'windows' }, containers: [ctr('a')] } },
]);

table(runAsNonRoot, [
  { name: 'allows it set on the pod', spec: { securityContext: { runAsNonRoot: true }, containers: [ctr('a')] } },
  { name: 'allows it set on every container', spec: { containers: [ctr('a', { runAsNonRoot: true })] } },
  {
    name: 'explicit false wins over unset',
    spec: { securityContext: { runAsNonRoot: false }, containers: [ctr('a', { runAsNonRoot: false }), ctr('b')] },
    expect: ['runAsNonRoot != true', 'pod and container "a" must not set securityContext.runAsNonRoot=false'],
  },
  { name: 'unset everywhere', spec: { containers: [ctr('a'), ctr('b')] }, expect: ['runAsNonRoot != true', 'pod or containers "a", "b" must set securityContext.runAsNonRoot=true'] },
]);

table(runAsUser, [
  { name: 'allows non-zero', spec: { securityContext: { runAsUser: 1000 }, containers: [ctr('a', { runAsUser: 1 })] } },
  {
    name: 'pod and containers at 0',
    spec: { securityContext: { runAsUser: 0 }, containers: [ctr('a', { runAsUser: 0 }), ctr('b', { runAsUser: 0 })] },
    expect: ['runAsUser=0', 'pod and containers "a", "b" must not set runAsUser=0'],
  },
]);

table(appArmorProfile, [
  { name: 'allows RuntimeDefault and Localhost', spec: { securityContext: { appArmorProfile: { type: 'RuntimeDefault' } }, containers: [ctr('a', { appArmorProfile: { type: 'Localhost' } })] } },
  {
    name: 'types and annotations',
    spec: { securityContext: { appArmorProfile: { type: 'Unconfined' } }, containers: [ctr('a', { appArmorProfile: { type: 'Unconfined' } })] },
    metadata: { annotations: { 'container.apparmor.security.beta.kubernetes.io/a': 'unconfined', 'container.apparmor.security.beta.kubernetes.io/b': 'localhost/x' } },
    expect: ['forbidden AppArmor profiles', 'pod and container "a" and annotation must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/a="unconfined""'],
  },
]);

table(seLinuxOptions, [
  { name: 'allows container_t with a level', spec: { securityContext: { seLinuxOptions: { type: 'container_t', level: 's0:c1' } }, containers: [ctr('a')] } },
  { name: 'container_engine_t is allowed from v1.31', spec: { containers: [ctr('a', { seLinuxOptions: { type: 'container_engine_t' } })] } },
  {
    name: 'but not before',
    minor: 30,
    spec: { containers: [ctr('a', { seLinuxOptions: { type: 'container_engine_t' } })] },
    expect: ['seLinuxOptions', 'container "a" set forbidden securityContext.seLinuxOptions: type "container_engine_t"'],
  },
  {
    name: 'type, user and role',
    spec: { securityContext: { seLinuxOptions: { type: 'spc_t' } }, containers: [ctr('a', { seLinuxOptions: { user: 'u', role: 'r' } })] },
    expect: ['seLinuxOptions', 'pod and container "a" set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set; role may not be set'],
  },
]);

table(seccompProfileBaseline, [
  { name: 'allows unset', spec: { containers: [ctr('a')] } },
  {
    name: 'Unconfined anywhere',
    spec: { securityContext: { seccompProfile: { type: 'Unconfined' } }, containers: [ctr('a', { seccompProfile: { type: 'Unconfined' } })] },
    expect: ['seccompProfile', 'pod and container "a" must not set securityContext.seccompProfile.type to "Unconfined"'],
  },
  {
    name: 'annotations before v1.19',
    minor: 18,
    spec: { containers: [ctr('a')] },
    metadata: { annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' } },
    expect: ['seccompProfile', 'forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined"'],
  },
]);

table(seccompProfileRestricted, [
  { name: 'allows it on the pod', spec: { securityContext: { seccompProfile: { type: 'RuntimeDefault' } }, containers: [ctr('a')] } },
  { name: 'unset', spec: { containers: [ctr('a')] }, expect: ['seccompProfile', 'pod or container "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"'] },
  {
    name: 'explicit Unconfined wins over unset',
    spec: { containers: [ctr('a', { seccompProfile: { type: 'Unconfined' } }), ctr('b')] },
    expect: ['seccompProfile', 'container "a" must not set securityContext.seccompProfile.type to "Unconfined"'],
  },
]);

table(procMount, [
  { name: 'allows Default', spec: { containers: [ctr('a', { procMount: 'Default' })] } },
  { name: 'Unmasked', spec: { containers: [ctr('a', { procMount: 'Unmasked' })] }, expect: ['procMount', 'container "a" must not set securityContext.procMount to "Unmasked"'] },
]);

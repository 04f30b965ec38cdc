// What one Pod Security check is (k8s.io/pod-security-admission/policy): an
// id, the level it belongs to, and its versions, each a function of a pod's
// metadata and spec that allows it or gives a reason and a detail. A
// restricted check may override a baseline one from its version on (the
// restricted seccomp check replaces the baseline one). The checks live in the
// files beside this one, one per group; ./registry.ts lists them.
//
// Pods arrive as JSON objects (v1 field names); the types below name only
// what the checks read.

export interface SecurityContextLike {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  procMount?: string;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type?: string };
  appArmorProfile?: { type?: string };
  seLinuxOptions?: { type?: string; user?: string; role?: string; level?: string };
  windowsOptions?: { hostProcess?: boolean };
  sysctls?: { name?: string; value?: string }[];
}

export interface ContainerLike {
  name?: string;
  image?: string;
  ports?: { hostPort?: number }[];
  securityContext?: SecurityContextLike;
}

export interface PodSpecLike {
  containers?: ContainerLike[];
  initContainers?: ContainerLike[];
  ephemeralContainers?: ContainerLike[];
  volumes?: Record<string, unknown>[];
  securityContext?: SecurityContextLike;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  hostUsers?: boolean;
  os?: { name?: string };
  runtimeClassName?: string;
}

export interface PodMetadataLike {
  name?: string;
  annotations?: Record<string, string>;
}

export type CheckResult = { allowed: true } | { allowed: false; reason: string; detail: string };
export type CheckPod = (metadata: PodMetadataLike, spec: PodSpecLike) => CheckResult;
export const ALLOWED: CheckResult = { allowed: true };

export interface VersionedCheck {
  /** The first v1 minor this version of the check applies to. */
  minimumVersion: number;
  checkPod: CheckPod;
  /** Baseline checks this (restricted) one replaces. */
  overrides?: readonly string[];
}

export interface Check {
  id: string;
  level: 'baseline' | 'restricted';
  /** In increasing minimumVersion. */
  versions: readonly VersionedCheck[];
}

export const forbid = (reason: string, detail: string): CheckResult => ({ allowed: false, reason, detail });

/** `"a", "b"`: kube's joinQuote. */
export const joinQuote = (items: readonly string[]): string => (items.length === 0 ? '' : `"${items.join('", "')}"`);
export const pluralize = (singular: string, plural: string, count: number): string => (count === 1 ? singular : plural);
/** `container "a"` or `containers "a", "b"`. */
export const containersNamed = (names: readonly string[]): string => `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;
/** Go's sets.String List(): distinct, sorted. */
export const sortedSet = (items: Iterable<string>): string[] => [...new Set(items)].sort();

/** Init containers, then containers, then ephemeral containers, as kube visits them. */
export function visitContainers(spec: PodSpecLike, visit: (container: ContainerLike) => void): void {
  for (const list of [spec.initContainers, spec.containers, spec.ephemeralContainers]) for (const c of list ?? []) visit(c);
}

/** Names of the containers `bad` picks, in visiting order. */
export function containersWhere(spec: PodSpecLike, bad: (container: ContainerLike) => boolean): string[] {
  const names: string[] = [];
  visitContainers(spec, (c) => {
    if (bad(c)) names.push(c.name ?? '');
  });
  return names;
}

/** `pod and containers "a", "b"`: who set a forbidden value. */
export function setters(pod: boolean, containers: readonly string[]): string[] {
  const who = pod ? ['pod'] : [];
  if (containers.length > 0) who.push(containersNamed(containers));
  return who;
}

/** From v1.25 the restricted checks that mean nothing on Windows leave Windows pods alone. */
export const skipWindows = (check: CheckPod): CheckPod => (metadata, spec) => (spec.os?.name === 'windows' ? ALLOWED : check(metadata, spec));

/**
 * kube relaxes runAsNonRoot, runAsUser and procMount for pods in a user namespace (`hostUsers: false`) when its
 * UserNamespacesPodSecurityStandards gate is on; the gate is off by default in 1.33, as here.
 */
export const relaxForUserNamespace = (_spec: PodSpecLike): boolean => false;

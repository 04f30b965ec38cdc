// The checks of each level at each version, and a pod's evaluation against a
// level and version (kube's policy registry). Baseline runs the baseline
// checks; restricted runs the restricted ones plus every baseline check none
// of them overrides at that version. Checks run in the order of their ids,
// baseline ones first, so messages list reasons as kube's do. A version newer
// than the newest check (and `latest`) means the newest checks.

import type { Check, CheckPod, CheckResult, PodMetadataLike, PodSpecLike, VersionedCheck } from './check.js';
import type { LevelVersion } from './levels.js';
import { hostNamespaces, hostPorts, sysctls, windowsHostProcess } from './host.js';
import { hostPathVolumes, restrictedVolumes } from './volumes.js';
import { allowPrivilegeEscalation, capabilitiesBaseline, capabilitiesRestricted, privileged, runAsNonRoot, runAsUser } from './privileges.js';
import { appArmorProfile, procMount, seccompProfileBaseline, seccompProfileRestricted, seLinuxOptions } from './profiles.js';

export const DEFAULT_CHECKS: readonly Check[] = [
  appArmorProfile, capabilitiesBaseline, hostNamespaces, hostPathVolumes, hostPorts, privileged, procMount, seccompProfileBaseline,
  seLinuxOptions, sysctls, windowsHostProcess,
  allowPrivilegeEscalation, capabilitiesRestricted, restrictedVolumes, runAsNonRoot, runAsUser, seccompProfileRestricted,
];

/** The version of a check in force at `minor`, if it exists yet. */
function versionAt(check: Check, minor: number): VersionedCheck | undefined {
  let found: VersionedCheck | undefined;
  for (const v of check.versions) if (v.minimumVersion <= minor) found = v;
  return found;
}

export class Evaluator {
  private readonly ordered: readonly Check[];
  private readonly cache = new Map<string, readonly CheckPod[]>();
  /** The newest minor any check has a version for. */
  readonly maxMinor: number;

  constructor(checks: readonly Check[] = DEFAULT_CHECKS) {
    const byId = (a: Check, b: Check): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    this.ordered = [...checks.filter((c) => c.level === 'baseline').sort(byId), ...checks.filter((c) => c.level === 'restricted').sort(byId)];
    this.maxMinor = Math.max(...checks.map((c) => c.versions[c.versions.length - 1]?.minimumVersion ?? 0));
  }

  /** The check functions for a level and version, in message order. */
  checksFor(lv: LevelVersion): readonly CheckPod[] {
    if (lv.level === 'privileged') return [];
    const minor = lv.version === 'latest' ? this.maxMinor : Math.min(lv.version.minor, this.maxMinor);
    const key = `${lv.level}:${minor}`;
    let checks = this.cache.get(key);
    if (!checks) {
      const inForce = this.ordered
        .filter((c) => c.level === 'baseline' || lv.level === 'restricted')
        .map((c) => ({ id: c.id, versioned: versionAt(c, minor) }))
        .filter((c): c is { id: string; versioned: VersionedCheck } => c.versioned !== undefined);
      const overridden = new Set(inForce.flatMap((c) => c.versioned.overrides ?? []));
      checks = inForce.filter((c) => !overridden.has(c.id)).map((c) => c.versioned.checkPod);
      this.cache.set(key, checks);
    }
    return checks;
  }

  evaluate(lv: LevelVersion, metadata: PodMetadataLike, spec: PodSpecLike): Aggregate {
    return aggregate(this.checksFor(lv).map((check) => check(metadata, spec)));
  }
}

/** What every check said of one pod at one level and version. */
export interface Aggregate {
  allowed: boolean;
  reasons: string[];
  details: string[];
}

export function aggregate(results: readonly CheckResult[]): Aggregate {
  const reasons: string[] = [];
  const details: string[] = [];
  for (const result of results) {
    if (result.allowed) continue;
    reasons.push(result.reason || 'unknown forbidden reason');
    details.push(result.detail);
  }
  return { allowed: reasons.length === 0, reasons, details };
}

/** `reason (detail), reason (detail)`: how kube words a violation. */
export const forbiddenDetail = (a: Aggregate): string => a.reasons.map((reason, i) => (a.details[i] ? `${reason} (${a.details[i]})` : reason)).join(', ');
/** `reason, reason`: how kube words it per pod when a namespace's level changes. */
export const forbiddenReason = (a: Aggregate): string => a.reasons.join(', ');

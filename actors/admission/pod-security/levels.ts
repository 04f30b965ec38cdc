// Pod Security levels and versions, and the policy a namespace's labels ask
// for (k8s.io/pod-security-admission/api): `pod-security.kubernetes.io/<mode>`
// names a level, `<mode>-version` the version of the checks (`latest` or
// `v1.x`). A label that does not parse is an error; enforce falls back to
// restricted, audit and warn to privileged (they fail open), and a warn level
// left unset follows a stricter enforce level.

export type Level = 'privileged' | 'baseline' | 'restricted';
export const LEVELS: readonly Level[] = ['privileged', 'baseline', 'restricted'];

/** `latest`, or a minor of v1 (the only major the labels allow). */
export type Version = 'latest' | { minor: number };
export const LATEST: Version = 'latest';

export interface LevelVersion {
  level: Level;
  version: Version;
}

export type Mode = 'enforce' | 'audit' | 'warn';
export const MODES: readonly Mode[] = ['enforce', 'audit', 'warn'];
export type Policy = Record<Mode, LevelVersion>;

export const LABEL_PREFIX = 'pod-security.kubernetes.io/';
export const levelLabel = (mode: Mode): string => `${LABEL_PREFIX}${mode}`;
export const versionLabel = (mode: Mode): string => `${LABEL_PREFIX}${mode}-version`;

export const PRIVILEGED_LATEST: LevelVersion = { level: 'privileged', version: LATEST };
export const ALL_PRIVILEGED: Policy = { enforce: PRIVILEGED_LATEST, audit: PRIVILEGED_LATEST, warn: PRIVILEGED_LATEST };

export const versionString = (v: Version): string => (v === 'latest' ? 'latest' : `v1.${v.minor}`);
export const levelVersionString = (lv: LevelVersion): string => `${lv.level}:${versionString(lv.version)}`;

export const LEVEL_ERROR = `must be one of ${LEVELS.join(', ')}`;
export const VERSION_ERROR = 'must be "latest" or "v1.x"';

export function parseLevel(text: string): Level | undefined {
  return (LEVELS as readonly string[]).includes(text) ? (text as Level) : undefined;
}

export function parseVersion(text: string): Version | undefined {
  if (text === 'latest') return LATEST;
  const match = /^v1\.(0|[1-9][0-9]*)$/.exec(text);
  return match ? { minor: Number(match[1]) } : undefined;
}

/** -1, 0 or 1 as `a` is less strict than, as strict as, or stricter than `b`. */
export const compareLevels = (a: Level, b: Level): number => Math.sign(LEVELS.indexOf(a) - LEVELS.indexOf(b));

export const sameVersion = (a: Version, b: Version): boolean => versionString(a) === versionString(b);
export const sameLevelVersion = (a: LevelVersion, b: LevelVersion): boolean => a.level === b.level && sameVersion(a.version, b.version);
/** kube's Equivalent: privileged is privileged at every version. */
const equivalent = (a: LevelVersion, b: LevelVersion): boolean => (a.level === 'privileged' && b.level === 'privileged') || sameLevelVersion(a, b);
export const equivalentPolicies = (a: Policy, b: Policy): boolean => MODES.every((m) => equivalent(a[m], b[m]));
export const fullyPrivileged = (p: Policy): boolean => MODES.every((m) => p[m].level === 'privileged');

/** A label that does not parse, as a field error of the namespace. */
export interface LabelError {
  label: string;
  value: string;
  message: string;
}

/** The policy a namespace's labels ask for, over the configured defaults (kube's PolicyToEvaluate). */
export function policyToEvaluate(labels: Readonly<Record<string, string>> | undefined, defaults: Policy): { policy: Policy; errors: LabelError[] } {
  const policy: Policy = { enforce: { ...defaults.enforce }, audit: { ...defaults.audit }, warn: { ...defaults.warn } };
  const errors: LabelError[] = [];
  if (!labels) return { policy, errors };
  let enforceLevelSet = false;
  for (const mode of MODES) {
    const levelText = labels[levelLabel(mode)];
    if (levelText !== undefined) {
      const level = parseLevel(levelText);
      if (level) policy[mode].level = level;
      else {
        errors.push({ label: levelLabel(mode), value: levelText, message: LEVEL_ERROR });
        // enforce fails closed; audit and warn fail open
        policy[mode].level = mode === 'enforce' ? 'restricted' : 'privileged';
      }
      if (mode === 'enforce') enforceLevelSet = level !== undefined;
    }
    const versionText = labels[versionLabel(mode)];
    if (versionText !== undefined) {
      const version = parseVersion(versionText);
      if (!version) errors.push({ label: versionLabel(mode), value: versionText, message: VERSION_ERROR });
      policy[mode].version = version ?? LATEST;
    }
  }
  if (labels[levelLabel('warn')] === undefined && enforceLevelSet && compareLevels(policy.enforce.level, policy.warn.level) > 0) {
    policy.warn.level = policy.enforce.level;
    if (labels[versionLabel('warn')] === undefined) policy.warn.version = policy.enforce.version;
  }
  return { policy, errors };
}

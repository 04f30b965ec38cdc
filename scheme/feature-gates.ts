// kube-apiserver's --feature-gates, for the gates kubeactor implements:
// `Name=true|false` pairs over each gate's 1.33 default, AllAlpha and AllBeta
// setting every gate of that stage first. A gate that turns a resource on
// takes effect after --runtime-config: the resource is served only when its
// group version is enabled and its gate is on (kube installs no storage for a
// gated-off resource, so it is neither in discovery nor at its path).

import type { KindDescription } from './kind-description.js';

interface Gate { default: boolean; stage: 'ALPHA' | 'BETA' }

/** The gates kubeactor knows, with kube 1.33's defaults. */
const GATES: Readonly<Record<string, Gate>> = {
  MutatingAdmissionPolicy: { default: false, stage: 'ALPHA' },
};

/** Resources served only with a gate on, by group/version/plural. */
const GATED_RESOURCES: Readonly<Record<string, string>> = {
  'admissionregistration.k8s.io/v1alpha1/mutatingadmissionpolicies': 'MutatingAdmissionPolicy',
  'admissionregistration.k8s.io/v1alpha1/mutatingadmissionpolicybindings': 'MutatingAdmissionPolicy',
};

export type FeatureGates = ReadonlyMap<string, boolean>;

/** Go's strconv.ParseBool. */
function parseBool(value: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}

/** Every gate at its value under these `Name=bool` entries, or kube's one-line error. */
export function parseFeatureGates(entries: readonly string[]): { gates: FeatureGates } | { error: string } {
  const gates = new Map(Object.entries(GATES).map(([name, g]) => [name, g.default]));
  const pairs: [string, boolean][] = [];
  for (const entry of entries) {
    const at = entry.indexOf('=');
    const name = (at < 0 ? entry : entry.slice(0, at)).trim();
    if (!name) continue;
    if (at < 0) return { error: `--feature-gates: missing bool value for ${name}` };
    const text = entry.slice(at + 1).trim();
    const value = parseBool(text);
    if (value === undefined) return { error: `--feature-gates: invalid value of ${name}=${text}, err: strconv.ParseBool: parsing ${JSON.stringify(text)}: invalid syntax` };
    if (name !== 'AllAlpha' && name !== 'AllBeta' && !(name in GATES)) return { error: `--feature-gates: unrecognized feature gate: ${name}` };
    pairs.push([name, value]);
  }
  // kube's SetFromMap: AllAlpha and AllBeta set their stage, and a named gate wins over them.
  for (const [name, value] of pairs) {
    if (name !== 'AllAlpha' && name !== 'AllBeta') continue;
    const stage = name === 'AllAlpha' ? 'ALPHA' : 'BETA';
    for (const [gate, spec] of Object.entries(GATES)) if (spec.stage === stage) gates.set(gate, value);
  }
  for (const [name, value] of pairs) if (name !== 'AllAlpha' && name !== 'AllBeta') gates.set(name, value);
  return { gates };
}

/** The gates of these entries; an invalid value leaves the defaults (it fails in CompletingOptions). */
export function featureGatesOf(entries: readonly string[]): FeatureGates {
  const parsed = parseFeatureGates(entries);
  return 'gates' in parsed ? parsed.gates : (parseFeatureGates([]) as { gates: FeatureGates }).gates;
}

/** Whether a kind's gate (if it has one) is on. */
export function gateAllows(kind: Pick<KindDescription, 'group' | 'version' | 'plural'>, gates: FeatureGates): boolean {
  const gate = GATED_RESOURCES[`${kind.group}/${kind.version}/${kind.plural}`];
  return gate === undefined || gates.get(gate) === true;
}

// kube-apiserver's --runtime-config: which group versions (and resources) are
// served, over the defaults (every GA version). Keys, in kube's order:
//   api/all, api/ga, api/beta, api/alpha = true|false   every version of that stability
//   <group>/<version>[=true|false]                       one group version (api/v1 is the core group)
//   <group>/<version>/<resource>[=true|false]            one resource
// An empty value means true. A group this server does not know is ignored, as
// kube ignores groups outside its registry; an unknown version of a known group
// is an error.

import type { KindDescription } from './kind-description.js';
import { gateAllows, featureGatesOf, type FeatureGates } from './feature-gates.js';

const MATCHERS: readonly [string, (version: string) => boolean][] = [
  ['api/all', () => true],
  ['api/ga', (v) => /^v\d+$/.test(v)],
  ['api/beta', (v) => /^v\d+beta\d+$/.test(v)],
  ['api/alpha', (v) => /^v\d+alpha\d+$/.test(v)],
];

/** Go's strconv.ParseBool. */
function parseBool(value: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}

/** cliflag.ConfigurationMap: `key=value` pairs (the flag's commas already split), a missing value is empty. */
function parseEntries(entries: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const entry of entries) {
    const at = entry.indexOf('=');
    const key = (at < 0 ? entry : entry.slice(0, at)).trim();
    if (key) map.set(key, at < 0 ? '' : entry.slice(at + 1).trim());
  }
  return map;
}

const gvOf = (k: Pick<KindDescription, 'group' | 'version'>): string => (k.group ? `${k.group}/${k.version}` : k.version);

/** The kinds served with these --runtime-config entries and feature gates, or kube's one-line error. */
export function selectKinds(
  entries: readonly string[],
  all: readonly KindDescription[],
  enabledByDefault: (version: string) => boolean,
  gates: FeatureGates = featureGatesOf([]),
): { kinds: KindDescription[] } | { error: string } {
  const overrides = parseEntries(entries);
  const enabled = new Map<string, boolean>();
  for (const kind of all) enabled.set(gvOf(kind), enabledByDefault(kind.version));
  for (const [key, matches] of MATCHERS) {
    const value = overrides.get(key);
    if (value === undefined) continue;
    if (value !== 'true' && value !== 'false') return { error: `--runtime-config: invalid value ${key}=${value}` };
    for (const kind of all) if (matches(kind.version)) enabled.set(gvOf(kind), value === 'true');
  }
  const groups = new Set(all.map((k) => k.group));
  const versionPreferences = new Map<string, boolean>();
  const resourcePreferences = new Map<string, boolean>();
  for (const [key, value] of overrides) {
    if (MATCHERS.some(([name]) => name === key)) continue;
    const tokens = key.split('/');
    if (tokens.length < 2 || tokens.length > 3) continue;
    // kube's hack for the legacy group version: api/v1 is the core group's v1.
    const [group, version] = tokens[0] === 'api' && tokens[1] === 'v1' ? ['', 'v1'] : [tokens[0]!, tokens[1]!];
    if (!group && tokens[0] !== 'api') return { error: `--runtime-config: invalid key ${key}` };
    if (!groups.has(group)) continue;
    const gv = group ? `${group}/${version}` : version;
    if (!enabled.has(gv)) return { error: `--runtime-config: group version ${gv} that has not been registered` };
    const on = value === '' ? true : parseBool(value);
    if (on === undefined) return { error: `--runtime-config: invalid value of ${key}: ${value}, err: strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax` };
    if (tokens.length === 2) {
      versionPreferences.set(gv, on);
    } else {
      const resource = tokens[2]!;
      if (resource.toLowerCase() !== resource) {
        return { error: `--runtime-config: invalid key ${key}: group/version/resource and resource is always lowercase plural, not ${JSON.stringify(resource)}` };
      }
      resourcePreferences.set(`${gv}/${resource}`, on);
    }
  }
  for (const [gv, on] of versionPreferences) enabled.set(gv, on);
  // --feature-gates: a gated-off resource has no storage, whatever --runtime-config says.
  const kinds = all.filter((k) => (resourcePreferences.get(`${gvOf(k)}/${k.plural}`) ?? enabled.get(gvOf(k)) ?? false) && gateAllows(k, gates));
  return { kinds };
}

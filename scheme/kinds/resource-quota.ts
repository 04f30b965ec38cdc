// ResourceQuota: its generated description, with kube's spec validation (ValidateResourceQuotaSpec):
// quota resource names and quantities in `hard`, and the scopes and scope selector those allow.

import type { KindDescription } from '../kind-description.js';
import type { StatusCause } from '../../protocol/kube/status.js';
import { generatedResources } from '../generated/resources.js';
import { describeGenerated } from './generic.js';
import { invalid, isObj, objects, required } from './workloads/field-errors.js';
import { parseExact } from './workloads/quantity.js';

/** Pod counts and compute: what every scope but BestEffort may limit. */
const POD_COUNT = new Set(['pods']);
const POD_COMPUTE = new Set(['cpu', 'memory', 'limits.cpu', 'limits.memory', 'requests.cpu', 'requests.memory']);
const SCOPES = new Set(['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity']);
const EXISTS_ONLY_SCOPES = new Set(['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort']);
const CONFLICTING_SCOPES = [['BestEffort', 'NotBestEffort'], ['Terminating', 'NotTerminating']] as const;
const QUOTA_RESOURCES = new Set([
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.storage', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods', 'resourcequotas', 'services', 'replicationcontrollers', 'secrets',
  'persistentvolumeclaims', 'configmaps', 'services.nodeports', 'services.loadbalancers',
]);
const INTEGER_RESOURCES = new Set(['pods', 'resourcequotas', 'services', 'replicationcontrollers', 'secrets', 'configmaps', 'persistentvolumeclaims', 'services.nodeports', 'services.loadbalancers']);
const isHugePages = (name: string): boolean => name.startsWith('hugepages-') || name.startsWith('requests.hugepages-');
/** What quota tracks by name (kube's IsStandardQuotaResourceName). */
const isStandardQuotaResource = (name: string): boolean => QUOTA_RESOURCES.has(name) || isHugePages(name);
/** A qualified name: an optional DNS-subdomain prefix and a name of 63 alphanumerics, '-', '_' or '.'. */
const QUALIFIED = /^(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

function scopeAllows(scope: string, resource: string): boolean {
  if (scope === 'BestEffort') return POD_COUNT.has(resource);
  if (scope === 'Terminating' || scope === 'NotTerminating' || scope === 'NotBestEffort' || scope === 'PriorityClass') return POD_COUNT.has(resource) || POD_COMPUTE.has(resource);
  return true;
}

function validateHard(hard: Record<string, unknown>): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const [name, value] of Object.entries(hard)) {
    const path = `spec.hard[${name}]`;
    if (!QUALIFIED.test(name)) causes.push(invalid(path, name, 'a qualified name must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character'));
    else if (!name.includes('/') && !isStandardQuotaResource(name)) causes.push(invalid(path, name, 'must be a standard resource for quota'));
    const quantity = typeof value === 'string' ? parseExact(value) : typeof value === 'number' ? parseExact(String(value)) : undefined;
    if (!quantity) continue;
    if (quantity.nanos < 0n) causes.push(invalid(path, value, 'must be greater than or equal to 0'));
    else if ((INTEGER_RESOURCES.has(name) || (name.includes('/') && !name.includes('kubernetes.io/') && !name.startsWith('requests.'))) && quantity.nanos % 1_000_000_000n !== 0n) causes.push(invalid(path, value, 'must be an integer'));
  }
  return causes;
}

/** Scopes named in `scopes` or in the selector: each known, each allowed for every standard resource limited, no pair that conflicts. */
function validateScopes(scopes: readonly unknown[], field: string, limited: readonly string[], display: string): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const scope of scopes) {
    if (typeof scope !== 'string' || !SCOPES.has(scope)) causes.push(invalid(field, scopes, 'unsupported scope', display));
    for (const resource of limited) if (isStandardQuotaResource(resource) && !scopeAllows(String(scope), resource)) causes.push(invalid(field, scopes, 'unsupported scope applied to resource', display));
  }
  for (const pair of CONFLICTING_SCOPES) if (pair.every((s) => scopes.includes(s))) causes.push(invalid(field, scopes, 'conflicting scopes', display));
  return causes;
}

const goScopes = (scopes: readonly unknown[]): string => `[]core.ResourceQuotaScope{${scopes.map((s) => JSON.stringify(String(s))).join(', ')}}`;

function validateScopeSelector(selector: Record<string, unknown>, limited: readonly string[]): StatusCause[] {
  const causes: StatusCause[] = [];
  const path = 'spec.scopeSelector.matchExpressions';
  const names: unknown[] = [];
  for (const [i, requirement] of objects(selector.matchExpressions).entries()) {
    const { scopeName, operator } = requirement;
    const values = Array.isArray(requirement.values) ? requirement.values : [];
    if (typeof scopeName !== 'string' || !SCOPES.has(scopeName)) causes.push(invalid(`${path}[${i}].scopeName`, scopeName ?? '', 'unsupported scope'));
    for (const resource of limited) if (isStandardQuotaResource(resource) && !scopeAllows(String(scopeName), resource)) causes.push(invalid(path, selector, 'unsupported scope applied to resource', 'core.ScopeSelector'));
    if (EXISTS_ONLY_SCOPES.has(String(scopeName)) && operator !== 'Exists') {
      causes.push(invalid(`${path}[${i}].operator`, operator ?? '', "must be 'Exist' only operator when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort and ResourceQuotaScopeNotBestEffort"));
    }
    if (operator === 'In' || operator === 'NotIn') {
      if (values.length === 0) causes.push(required(`${path}[${i}].values`, "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"));
    } else if (operator === 'Exists' || operator === 'DoesNotExist') {
      if (values.length !== 0) causes.push(invalid(`${path}[${i}].values`, values, "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"));
    } else causes.push(invalid(`${path}[${i}].operator`, operator ?? '', 'not a valid selector operator'));
    names.push(scopeName);
  }
  for (const pair of CONFLICTING_SCOPES) if (pair.every((s) => names.includes(s))) causes.push(invalid(path, names, 'conflicting scopes', goScopes(names)));
  return causes;
}

const generated = generatedResources.find((r) => r.group === '' && r.plural === 'resourcequotas')!;

export const resourceQuota: KindDescription = {
  ...describeGenerated(generated),
  validate: (object, _old, subresource) => {
    // A status write keeps the spec as stored (kube's ValidateResourceQuotaStatusUpdate looks at the status only).
    if (subresource === 'status' || !isObj(object.spec)) return [];
    const spec = object.spec;
    const hard = isObj(spec.hard) ? spec.hard : {};
    const limited = Object.keys(hard);
    const scopes = Array.isArray(spec.scopes) ? spec.scopes : [];
    return [
      ...validateHard(hard),
      ...validateScopes(scopes, 'spec.scopes', limited, goScopes(scopes)),
      ...(isObj(spec.scopeSelector) ? validateScopeSelector(spec.scopeSelector, limited) : []),
    ];
  },
};

// apiregistration.k8s.io/v1 APIService: kube-aggregator's registration of a
// group version, served here (Local) or by an extension API server behind a
// Service. Its defaults (service port 443), ValidateAPIService and
// ValidateAPIServiceStatus, and kube-aggregator's table: SERVICE AVAILABLE AGE.

import type { KindDescription } from '../kind-description.js';
import type { KubeObject } from '../../protocol/kube/meta.js';
import type { StatusCause } from '../../protocol/kube/status.js';
import { ageColumn, field, nameColumn } from '../columns.js';
import { ALL_VERBS } from '../verbs.js';
import { invalid, isObj, notSupported, required, type Obj } from './workloads/field-errors.js';
import { isDNS1035Label, isDNS1123Subdomain } from '../validate.js';

const CONDITION_STATUSES = ['True', 'False', 'Unknown'];

function serviceCell(o: KubeObject): string {
  const service = field(o, 'spec', 'service');
  return isObj(service) ? `${String(service.namespace ?? '')}/${String(service.name ?? '')}` : 'Local';
}

/** `True`, or the status with its reason (`False (FailedDiscoveryCheck)`), or `Unknown` with no condition. */
function availableCell(o: KubeObject): string {
  const conditions = field(o, 'status', 'conditions');
  const available = Array.isArray(conditions) ? conditions.find((c) => isObj(c) && c.type === 'Available') as Obj | undefined : undefined;
  if (!available) return 'Unknown';
  return available.status === 'True' ? 'True' : `${String(available.status)} (${String(available.reason ?? '')})`;
}

const bytesOf = (caBundle: unknown): number => (typeof caBundle === 'string' ? Buffer.from(caBundle, 'base64').length : 0);

function validateSpec(o: KubeObject): StatusCause[] {
  const spec = isObj(o.spec) ? o.spec : {};
  const group = typeof spec.group === 'string' ? spec.group : '';
  const version = typeof spec.version === 'string' ? spec.version : '';
  const causes: StatusCause[] = [];
  const name = o.metadata.name ?? '';
  const wanted = `${version}.${group}`;
  if (name && name !== wanted && !name.includes('/') && !name.includes('%') && name !== '.' && name !== '..') {
    causes.push(invalid('metadata.name', name, `must be \`spec.version+"."+spec.group\`: ${JSON.stringify(wanted)}`));
  }
  if (group === '' && version !== 'v1') causes.push(required('spec.group', 'only v1 may have an empty group and it better be legacy kube'));
  if (group !== '') for (const m of isDNS1123Subdomain(group)) causes.push(invalid('spec.group', group, m));
  for (const m of isDNS1035Label(version)) causes.push(invalid('spec.version', version, m));
  const groupPriority = Number(spec.groupPriorityMinimum ?? 0);
  if (!(groupPriority > 0 && groupPriority <= 20000)) causes.push(invalid('spec.groupPriorityMinimum', groupPriority, 'must be positive and less than 20000'));
  const versionPriority = Number(spec.versionPriority ?? 0);
  if (!(versionPriority > 0 && versionPriority <= 1000)) causes.push(invalid('spec.versionPriority', versionPriority, 'must be positive and less than 1000'));
  const insecure = spec.insecureSkipTLSVerify === true;
  const caBytes = bytesOf(spec.caBundle);
  if (!isObj(spec.service)) {
    if (caBytes !== 0) causes.push(invalid('spec.caBundle', `${caBytes} bytes`, 'local APIServices may not have a caBundle'));
    if (insecure) causes.push(invalid('spec.insecureSkipTLSVerify', true, 'local APIServices may not have insecureSkipTLSVerify'));
    return causes;
  }
  if (!spec.service.namespace) causes.push(required('spec.service.namespace'));
  if (!spec.service.name) causes.push(required('spec.service.name'));
  if (insecure && caBytes > 0) causes.push(invalid('spec.insecureSkipTLSVerify', true, 'may not be true if caBundle is present'));
  return causes;
}

function validateStatus(o: KubeObject): StatusCause[] {
  const conditions = field(o, 'status', 'conditions');
  if (!Array.isArray(conditions)) return [];
  return conditions.flatMap((c, i) => (isObj(c) && !CONDITION_STATUSES.includes(String(c.status)) ? [notSupported(`status.conditions[${i}].status`, c.status, CONDITION_STATUSES)] : []));
}

export const apiService: KindDescription = {
  group: 'apiregistration.k8s.io',
  version: 'v1',
  kind: 'APIService',
  plural: 'apiservices',
  singular: 'apiservice',
  shortNames: [],
  categories: ['api-extensions'],
  namespaced: false,
  verbs: ALL_VERBS,
  definition: 'io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.APIService',
  servedBy: 'store',
  nameFormat: 'path-segment',
  tracksGeneration: true,
  columns: [
    nameColumn,
    { name: 'Service', type: 'string', description: 'The reference to the service that hosts this API endpoint.', cell: serviceCell },
    { name: 'Available', type: 'string', description: 'Whether this service is available.', cell: availableCell },
    ageColumn,
  ],
  defaults(object) {
    const service = field(object, 'spec', 'service');
    if (isObj(service) && service.port === undefined) service.port = 443;
  },
  validate: (object, _old, subresource) => (subresource === 'status' ? validateStatus(object) : validateSpec(object)),
};

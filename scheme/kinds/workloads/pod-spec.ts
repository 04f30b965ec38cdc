// The pod spec wherever it appears (a Pod, and every pod template: pod
// templates, replication controllers, deployments, replica sets, stateful
// sets, daemon sets, jobs and cron jobs): kube's SetDefaults_PodSpec and the
// defaulters of what a pod spec holds (containers, ports, probes, volumes),
// and the part of ValidatePodSpec users meet first.

import type { StatusCause } from '../../../protocol/kube/status.js';
import { isDNS1123Label, isQualifiedName } from '../../validate.js';
import { validateLabels } from './selector.js';
import { canonicalizeResourceList, canonicalQuantity, quantityValue } from './quantity.js';
import { duplicate, invalid, isObj, notSupported, objects, required, type Obj } from './field-errors.js';

// ---- defaults ----

/** The image's tag as kube's ParseImageName sees it: `latest` when neither tag nor digest is given. */
export function imageTag(image: string): string {
  if (image.includes('@')) {
    const beforeDigest = image.slice(0, image.indexOf('@'));
    const lastSegment = beforeDigest.slice(beforeDigest.lastIndexOf('/') + 1);
    return lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : '';
  }
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  return lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : 'latest';
}

function defaultHttpGet(handler: unknown): void {
  if (!isObj(handler) || !isObj(handler.httpGet)) return;
  handler.httpGet.path ||= '/';
  handler.httpGet.scheme ||= 'HTTP';
}

function defaultProbe(probe: unknown): void {
  if (!isObj(probe)) return;
  probe.timeoutSeconds ??= 1;
  probe.periodSeconds ??= 10;
  probe.successThreshold ??= 1;
  probe.failureThreshold ??= 3;
  defaultHttpGet(probe);
}

function defaultFieldRef(env: unknown): void {
  for (const e of objects(env)) {
    const from = e.valueFrom;
    if (isObj(from) && isObj(from.fieldRef)) from.fieldRef.apiVersion ||= 'v1';
  }
}

/** SetDefaults_Container, with what its fields' defaulters add. */
export function defaultContainer(container: Obj): void {
  if (!container.imagePullPolicy) {
    container.imagePullPolicy = imageTag(typeof container.image === 'string' ? container.image : '') === 'latest' ? 'Always' : 'IfNotPresent';
  }
  container.terminationMessagePath ||= '/dev/termination-log';
  container.terminationMessagePolicy ||= 'File';
  // ResourceRequirements is a struct, never omitted: kube always shows `resources: {}`.
  const resources = isObj(container.resources) ? container.resources : (container.resources = {});
  canonicalizeResourceList(resources.limits);
  canonicalizeResourceList(resources.requests);
  for (const port of objects(container.ports)) port.protocol ||= 'TCP';
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) defaultProbe(container[probe]);
  if (isObj(container.lifecycle)) {
    defaultHttpGet(container.lifecycle.postStart);
    defaultHttpGet(container.lifecycle.preStop);
  }
  defaultFieldRef(container.env);
}

const VOLUME_SOURCES_WITH_MODE = ['secret', 'configMap', 'downwardAPI', 'projected'] as const;

function defaultVolume(volume: Obj): void {
  const sources = Object.keys(volume).filter((k) => k !== 'name' && volume[k] !== undefined && volume[k] !== null);
  if (sources.length === 0) volume.emptyDir = {};
  for (const source of VOLUME_SOURCES_WITH_MODE) {
    const s = volume[source];
    if (isObj(s)) s.defaultMode ??= 0o644;
  }
  if (isObj(volume.downwardAPI)) for (const item of objects(volume.downwardAPI.items)) if (isObj(item.fieldRef)) item.fieldRef.apiVersion ||= 'v1';
  if (isObj(volume.hostPath)) volume.hostPath.type ??= '';
  if (isObj(volume.emptyDir) && volume.emptyDir.sizeLimit !== undefined) volume.emptyDir.sizeLimit = canonicalQuantity(volume.emptyDir.sizeLimit);
  if (isObj(volume.ephemeral) && isObj(volume.ephemeral.volumeClaimTemplate) && isObj(volume.ephemeral.volumeClaimTemplate.spec)) {
    volume.ephemeral.volumeClaimTemplate.spec.volumeMode ||= 'Filesystem';
  }
}

/** SetDefaults_PodSpec and the defaulters under it. */
export function defaultPodSpec(spec: Obj): void {
  spec.dnsPolicy ||= 'ClusterFirst';
  spec.restartPolicy ||= 'Always';
  if (!isObj(spec.securityContext)) spec.securityContext = {};
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ||= 'default-scheduler';
  // v1's deprecated serviceAccount mirrors serviceAccountName (kube's conversion fills whichever is missing).
  if (typeof spec.serviceAccountName === 'string' && spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
  else if (typeof spec.serviceAccount === 'string' && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount;
  if (isObj(spec.overhead)) canonicalizeResourceList(spec.overhead);
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) for (const c of objects(spec[list])) defaultContainer(c);
  for (const v of objects(spec.volumes)) defaultVolume(v);
}

/** The defaults of a pod template (`template` of a workload): its spec's. */
export function defaultPodTemplate(template: unknown): void {
  if (!isObj(template)) return;
  defaultPodSpec(isObj(template.spec) ? template.spec : (template.spec = {}));
}

/**
 * SetDefaults_Pod: what only a Pod gets, not a template: requests default to limits,
 * enableServiceLinks, and host ports with the host's network.
 */
export function defaultPod(spec: Obj): void {
  for (const c of [...objects(spec.initContainers), ...objects(spec.containers)]) {
    const resources = isObj(c.resources) ? c.resources : (c.resources = {});
    if (isObj(resources.limits)) {
      const requests = isObj(resources.requests) ? resources.requests : (resources.requests = {});
      for (const [name, limit] of Object.entries(resources.limits)) requests[name] ??= limit;
    }
  }
  spec.enableServiceLinks ??= true;
  if (spec.hostNetwork === true) {
    for (const c of [...objects(spec.initContainers), ...objects(spec.containers)]) {
      for (const p of objects(c.ports)) p.hostPort ??= p.containerPort;
    }
  }
  defaultPodSpec(spec);
}

/** kube's QoS class of a pod: Guaranteed, Burstable or BestEffort, from cpu and memory. */
export function qosClass(spec: Obj): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = [...objects(spec.initContainers), ...objects(spec.containers)];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const resources = isObj(c.resources) ? c.resources : {};
    const requests = isObj(resources.requests) ? resources.requests : {};
    const limits = isObj(resources.limits) ? resources.limits : {};
    for (const name of ['cpu', 'memory']) {
      const request = quantityValue(requests[name]);
      const limit = quantityValue(limits[name]);
      if ((request ?? 0) > 0 || (limit ?? 0) > 0) any = true;
      if (!limit || (request !== undefined && request !== limit)) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

// ---- validation ----

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];
const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

/** kube's IsValidPortNum. */
export function portNumberErrors(port: number): string[] {
  return port >= 1 && port <= 65535 ? [] : ['must be between 1 and 65535, inclusive'];
}

/** kube's IsValidPortName (IANA_SVC_NAME). */
export function portNameErrors(name: string): string[] {
  const errors: string[] = [];
  if (name.length > 15) errors.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(name)) errors.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(name)) errors.push('must contain at least one letter (a-z)');
  if (name.includes('--')) errors.push('must not contain consecutive hyphens');
  if (name.startsWith('-') || name.endsWith('-')) errors.push('must not begin or end with a hyphen');
  return errors;
}

function validatePorts(ports: unknown, at: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const names = new Set<string>();
  objects(ports).forEach((port, i) => {
    const p = `${at}[${i}]`;
    if (typeof port.name === 'string' && port.name) {
      const errors = portNameErrors(port.name);
      for (const m of errors) causes.push(invalid(`${p}.name`, port.name, m));
      if (errors.length === 0 && names.has(port.name)) causes.push(duplicate(`${p}.name`, port.name));
      names.add(port.name);
    }
    if (typeof port.containerPort !== 'number' || port.containerPort === 0) causes.push(required(`${p}.containerPort`));
    else for (const m of portNumberErrors(port.containerPort)) causes.push(invalid(`${p}.containerPort`, port.containerPort, m));
    if (typeof port.hostPort === 'number' && port.hostPort !== 0) for (const m of portNumberErrors(port.hostPort)) causes.push(invalid(`${p}.hostPort`, port.hostPort, m));
    if (typeof port.protocol === 'string' && !PROTOCOLS.includes(port.protocol)) causes.push(notSupported(`${p}.protocol`, port.protocol, PROTOCOLS));
  });
  return causes;
}

function validateResourceName(name: string, at: string): StatusCause[] {
  const errors = isQualifiedName(name);
  if (errors.length > 0) return errors.map((m) => invalid(at, name, m));
  if (!name.includes('/') && !STANDARD_CONTAINER_RESOURCES.has(name) && !name.startsWith('hugepages-')) {
    return [invalid(at, name, 'must be a standard resource for containers')];
  }
  return [];
}

/** kube's ValidateResourceRequirements for a container's `resources`. */
export function validateResources(resources: unknown, at: string): StatusCause[] {
  if (!isObj(resources)) return [];
  const causes: StatusCause[] = [];
  const limits = isObj(resources.limits) ? resources.limits : {};
  const requests = isObj(resources.requests) ? resources.requests : {};
  for (const [name, quantity] of Object.entries(limits)) {
    const p = `${at}.limits[${name}]`;
    causes.push(...validateResourceName(name, p));
    if ((quantityValue(quantity) ?? 0) < 0) causes.push(invalid(p, String(quantity), 'must be greater than or equal to 0'));
  }
  for (const [name, quantity] of Object.entries(requests)) {
    const p = `${at}.requests[${name}]`;
    causes.push(...validateResourceName(name, p));
    const request = quantityValue(quantity);
    if ((request ?? 0) < 0) causes.push(invalid(p, String(quantity), 'must be greater than or equal to 0'));
    const limit = quantityValue(limits[name]);
    if (limits[name] === undefined || request === undefined || limit === undefined) continue;
    if (name.startsWith('hugepages-') ? request !== limit : request > limit) {
      const relation = name.startsWith('hugepages-') ? 'must be equal to' : 'must be less than or equal to';
      causes.push(invalid(`${at}.requests`, String(quantity), `${relation} ${name} limit of ${String(limits[name])}`));
    }
  }
  return causes;
}

const ENV_VAR_NAME_FMT = '[-._a-zA-Z][-._a-zA-Z0-9]*';
const ENV_VAR_NAME_MESSAGE =
  "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')";

/** kube's IsEnvVarName, with '..' refused as a name of its own. */
export function envVarNameErrors(name: string): string[] {
  const errors = new RegExp(`^${ENV_VAR_NAME_FMT}$`).test(name) ? [] : [ENV_VAR_NAME_MESSAGE];
  if (name === '.') errors.push("must not be '.'");
  else if (name === '..') errors.push("must not be '..'");
  else if (name.startsWith('..')) errors.push("must not start with '..'");
  return errors;
}

const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'];

/** A probe names exactly one handler. */
function validateProbe(probe: unknown, at: string): StatusCause[] {
  if (!isObj(probe)) return [];
  const handlers = PROBE_HANDLERS.filter((h) => probe[h] !== undefined && probe[h] !== null);
  if (handlers.length === 0) return [required(at, 'must specify a handler type')];
  return handlers.slice(1).map((h) => ({ reason: 'FieldValueForbidden', field: `${at}.${h}`, message: 'Forbidden: may not specify more than 1 handler type' }));
}

function validateContainer(c: Obj, at: string, volumes: Set<string>): StatusCause[] {
  const causes: StatusCause[] = [];
  if (typeof c.name !== 'string' || c.name === '') causes.push(required(`${at}.name`));
  else for (const m of isDNS1123Label(c.name)) causes.push(invalid(`${at}.name`, c.name, m));
  if (typeof c.image !== 'string' || c.image.trim() === '') causes.push(required(`${at}.image`));
  if (typeof c.imagePullPolicy === 'string' && !PULL_POLICIES.includes(c.imagePullPolicy)) {
    causes.push(notSupported(`${at}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
  }
  if (typeof c.terminationMessagePolicy === 'string' && !TERMINATION_MESSAGE_POLICIES.includes(c.terminationMessagePolicy)) {
    causes.push(notSupported(`${at}.terminationMessagePolicy`, c.terminationMessagePolicy, TERMINATION_MESSAGE_POLICIES));
  }
  objects(c.env).forEach((e, i) => {
    if (typeof e.name !== 'string' || e.name === '') return;
    for (const m of envVarNameErrors(e.name)) causes.push(invalid(`${at}.env[${i}].name`, e.name, m));
  });
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) causes.push(...validateProbe(c[probe], `${at}.${probe}`));
  causes.push(...validatePorts(c.ports, `${at}.ports`));
  causes.push(...validateResources(c.resources, `${at}.resources`));
  objects(c.volumeMounts).forEach((m, i) => {
    if (typeof m.name === 'string' && m.name && !volumes.has(m.name)) {
      causes.push({ reason: 'FieldValueNotFound', field: `${at}.volumeMounts[${i}].name`, message: `Not found: ${JSON.stringify(m.name)}` });
    }
  });
  return causes;
}

/** The part of kube's ValidatePodSpec that users meet first, at `at` (`spec`, `spec.template.spec`, ...). */
export function validatePodSpec(spec: unknown, at: string): StatusCause[] {
  if (!isObj(spec)) return [required(`${at}.containers`)];
  const causes: StatusCause[] = [];
  const volumes = new Set<string>();
  objects(spec.volumes).forEach((v, i) => {
    const p = `${at}.volumes[${i}].name`;
    if (typeof v.name !== 'string' || v.name === '') causes.push(required(p));
    else {
      for (const m of isDNS1123Label(v.name)) causes.push(invalid(p, v.name, m));
      if (volumes.has(v.name)) causes.push(duplicate(p, v.name));
      volumes.add(v.name);
    }
    const sources = Object.keys(v).filter((k) => k !== 'name' && v[k] !== undefined && v[k] !== null);
    for (const extra of sources.slice(1)) {
      causes.push({ reason: 'FieldValueForbidden', field: `${at}.volumes[${i}].${extra}`, message: 'Forbidden: may not specify more than 1 volume type' });
    }
  });
  const names = new Set<string>();
  const checkName = (c: Obj, p: string): void => {
    if (typeof c.name !== 'string' || c.name === '') return;
    if (names.has(c.name)) causes.push(duplicate(`${p}.name`, c.name));
    names.add(c.name);
  };
  objects(spec.initContainers).forEach((c, i) => {
    causes.push(...validateContainer(c, `${at}.initContainers[${i}]`, volumes));
    checkName(c, `${at}.initContainers[${i}]`);
  });
  const containers = objects(spec.containers);
  if (containers.length === 0) causes.push(required(`${at}.containers`));
  containers.forEach((c, i) => {
    causes.push(...validateContainer(c, `${at}.containers[${i}]`, volumes));
    checkName(c, `${at}.containers[${i}]`);
  });
  if (typeof spec.restartPolicy === 'string' && !RESTART_POLICIES.includes(spec.restartPolicy)) {
    causes.push(notSupported(`${at}.restartPolicy`, spec.restartPolicy, RESTART_POLICIES));
  }
  if (typeof spec.dnsPolicy === 'string' && !DNS_POLICIES.includes(spec.dnsPolicy)) {
    causes.push(notSupported(`${at}.dnsPolicy`, spec.dnsPolicy, DNS_POLICIES));
  }
  if (typeof spec.activeDeadlineSeconds === 'number' && spec.activeDeadlineSeconds < 1) {
    causes.push(invalid(`${at}.activeDeadlineSeconds`, spec.activeDeadlineSeconds, 'must be between 1 and 2147483647, inclusive'));
  }
  if (typeof spec.terminationGracePeriodSeconds === 'number' && spec.terminationGracePeriodSeconds < 0) {
    causes.push(invalid(`${at}.terminationGracePeriodSeconds`, spec.terminationGracePeriodSeconds, 'must be greater than or equal to 0'));
  }
  return causes;
}

/** kube's ValidatePodTemplateSpec at `at` (`spec.template`): its labels and its spec. */
export function validatePodTemplate(template: unknown, at: string): StatusCause[] {
  if (!isObj(template)) return [required(at)];
  const meta = isObj(template.metadata) ? template.metadata : {};
  return [...validateLabels(meta.labels, `${at}.metadata.labels`), ...validatePodSpec(template.spec, `${at}.spec`)];
}

/** ValidatePodTemplateSpecForReplicaSet's restart rule: what a controller keeps running must restart Always. */
export function alwaysRestarts(template: unknown, at: string): StatusCause[] {
  if (!isObj(template) || !isObj(template.spec)) return [];
  const causes: StatusCause[] = [];
  if (template.spec.restartPolicy !== 'Always') causes.push(notSupported(`${at}.spec.restartPolicy`, template.spec.restartPolicy, ['Always']));
  if (template.spec.activeDeadlineSeconds !== undefined && template.spec.activeDeadlineSeconds !== null) {
    causes.push({ reason: 'FieldValueForbidden', field: `${at}.spec.activeDeadlineSeconds`, message: 'Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported' });
  }
  return causes;
}

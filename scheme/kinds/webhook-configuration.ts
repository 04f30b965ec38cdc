// admissionregistration.k8s.io/v1 MutatingWebhookConfiguration and
// ValidatingWebhookConfiguration: kube's v1 defaults (failurePolicy Fail,
// matchPolicy Equivalent, empty selectors, timeoutSeconds 10, scope `*`,
// service port 443, reinvocationPolicy Never) and kube's validation
// (pkg/apis/admissionregistration/validation): names, rules, policies,
// side effects, timeouts, selectors, the client config's URL or Service,
// AdmissionReview versions; on update, what the old object already had is
// tolerated as kube tolerates it.
//
// matchConditions are checked here for their shape (count, names,
// expressions present); that each expression compiles to a bool is checked
// by the webhook plugins on the configuration's write (CEL is loaded only
// when some webhook has matchConditions).

import type { KindDescription } from '../kind-description.js';
import type { KubeObject } from '../../protocol/kube/meta.js';
import type { StatusCause } from '../../protocol/kube/status.js';
import { generatedResources } from '../generated/resources.js';
import { describeGenerated } from './generic.js';
import { isDNS1035Label, isDNS1123Subdomain, isQualifiedName } from '../validate.js';
import { duplicate, invalid, isObj, notSupported, objects, required, type Obj } from './workloads/field-errors.js';
import { validateLabelSelector } from './workloads/selector.js';

const FAILURE_POLICIES = ['Fail', 'Ignore'];
const MATCH_POLICIES = ['Equivalent', 'Exact'];
const SIDE_EFFECTS_NONE = ['None', 'NoneOnDryRun'];
const OPERATIONS = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE'];
const REINVOCATION_POLICIES = ['IfNeeded', 'Never'];
const SCOPES = ['*', 'Cluster', 'Namespaced'];
const REVIEW_VERSIONS = ['v1', 'v1beta1'];

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map((s) => (typeof s === 'string' ? s : String(s))) : []);
const hooksOf = (o: KubeObject | undefined): Obj[] => objects(o?.webhooks);

// ---------------------------------------------------------------- defaults

function defaultHook(hook: Obj, mutating: boolean): void {
  hook.failurePolicy ??= 'Fail';
  hook.matchPolicy ??= 'Equivalent';
  hook.namespaceSelector ??= {};
  hook.objectSelector ??= {};
  hook.timeoutSeconds ??= 10;
  if (mutating) hook.reinvocationPolicy ??= 'Never';
  for (const rule of objects(hook.rules)) rule.scope ??= '*';
  const service = isObj(hook.clientConfig) ? hook.clientConfig.service : undefined;
  if (isObj(service)) service.port ??= 443;
}

// ---------------------------------------------------------------- validation

const hasWildcard = (items: readonly string[]): boolean => items.includes('*');

/** validateResources: `x`, `x/sub`, `*`, `x/*`, `*\/sub`, `*\/*` and the combinations kube refuses. */
function validateResources(resources: string[], at: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (resources.length === 0) causes.push(required(at));
  const wildcardSub = new Set<string>();
  const wildcardRes = new Set<string>();
  let doubleWildcard = false;
  let singleWildcard = false;
  let withoutSub = false;
  resources.forEach((resSub, i) => {
    if (resSub === '') return void causes.push(required(`${at}[${i}]`));
    if (resSub === '*/*') doubleWildcard = true;
    if (resSub === '*') singleWildcard = true;
    const slash = resSub.indexOf('/');
    if (slash < 0) {
      withoutSub = resSub !== '*';
      return;
    }
    const res = resSub.slice(0, slash);
    const sub = resSub.slice(slash + 1);
    if (wildcardSub.has(res)) causes.push(invalid(`${at}[${i}]`, resSub, `if '${res}/*' is present, must not specify ${resSub}`));
    if (wildcardRes.has(sub)) causes.push(invalid(`${at}[${i}]`, resSub, `if '*/${sub}' is present, must not specify ${resSub}`));
    if (sub === '*') wildcardSub.add(res);
    if (res === '*') wildcardRes.add(sub);
  });
  const shownList = `[]string{${resources.map((r) => JSON.stringify(r)).join(', ')}}`;
  if (resources.length > 1 && doubleWildcard) causes.push(invalid(at, resources, "if '*/*' is present, must not specify other resources", shownList));
  if (singleWildcard && withoutSub) causes.push(invalid(at, resources, "if '*' is present, must not specify other resources without subresources", shownList));
  return causes;
}

const goList = (type: string, items: readonly string[]): string => `[]${type}{${items.map((s) => JSON.stringify(s)).join(', ')}}`;

function validateRule(rule: Obj, at: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const operations = strings(rule.operations);
  if (operations.length === 0) causes.push(required(`${at}.operations`));
  if (operations.length > 1 && hasWildcard(operations)) causes.push(invalid(`${at}.operations`, operations, "if '*' is present, must not specify other operations", goList('admissionregistration.OperationType', operations)));
  operations.forEach((op, i) => {
    if (!OPERATIONS.includes(op)) causes.push(notSupported(`${at}.operations[${i}]`, op, OPERATIONS));
  });
  const groups = strings(rule.apiGroups);
  if (groups.length === 0) causes.push(required(`${at}.apiGroups`));
  if (groups.length > 1 && hasWildcard(groups)) causes.push(invalid(`${at}.apiGroups`, groups, "if '*' is present, must not specify other API groups", goList('string', groups)));
  const versions = strings(rule.apiVersions);
  if (versions.length === 0) causes.push(required(`${at}.apiVersions`));
  if (versions.length > 1 && hasWildcard(versions)) causes.push(invalid(`${at}.apiVersions`, versions, "if '*' is present, must not specify other API versions", goList('string', versions)));
  versions.forEach((v, i) => {
    if (v === '') causes.push(required(`${at}.apiVersions[${i}]`));
  });
  causes.push(...validateResources(strings(rule.resources), `${at}.resources`));
  if (typeof rule.scope === 'string' && !SCOPES.includes(rule.scope)) causes.push(notSupported(`${at}.scope`, rule.scope, SCOPES));
  return causes;
}

/** ValidateWebhookURL with https required (also a CRD's conversion webhook). */
export function validateUrl(raw: string, at: string): StatusCause[] {
  const form = '; desired format: https://host[/path]';
  let url: URL;
  try {
    url = new URL(raw);
  } catch (e) {
    return [required(at, `url must be a valid URL: parse ${JSON.stringify(raw)}: ${(e as Error).message}${form}`)];
  }
  const causes: StatusCause[] = [];
  if (url.protocol !== 'https:') causes.push(invalid(at, url.protocol.replace(/:$/, ''), `'https' is the only allowed URL scheme${form}`));
  if (url.host === '') causes.push(invalid(at, url.host, `host must be specified${form}`));
  if (url.username || url.password) causes.push(invalid(at, url.password ? `${url.username}:${url.password}` : url.username, 'user information is not permitted in the URL'));
  if (url.hash) causes.push(invalid(at, url.hash.slice(1), 'fragments are not permitted in the URL'));
  if (url.search) causes.push(invalid(at, url.search.slice(1), 'query parameters are not permitted in the URL'));
  return causes;
}

/** ValidateWebhookService (also a CRD's conversion webhook). */
export function validateService(service: Obj, at: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!service.name) causes.push(required(`${at}.name`));
  if (!service.namespace) causes.push(required(`${at}.namespace`));
  const port = typeof service.port === 'number' ? service.port : 443;
  if (!Number.isInteger(port) || port < 1 || port > 65535) causes.push(invalid(`${at}.port`, port, 'port is not valid: must be between 1 and 65535, inclusive'));
  if (typeof service.path !== 'string' || service.path === '' || service.path === '/') return causes;
  const path = service.path;
  if (path === '//') return [...causes, invalid(`${at}.path`, path, 'segment[0] may not be empty')];
  if (!path.startsWith('/')) causes.push(invalid(`${at}.path`, path, "must start with a '/'"));
  const steps = path.slice(1).replace(/\/$/, '').split('/');
  steps.forEach((step, i) => {
    if (step === '') return void causes.push(invalid(`${at}.path`, path, `segment[${i}] may not be empty`));
    for (const m of isDNS1123Subdomain(step)) causes.push(invalid(`${at}.path`, path, `segment[${i}]: ${m}`));
  });
  return causes;
}

/** IsFullyQualifiedName: a DNS subdomain of at least three segments. */
function validateHookName(name: unknown, at: string): StatusCause[] {
  if (typeof name !== 'string' || name === '') return [required(at)];
  const subdomain = isDNS1123Subdomain(name);
  if (subdomain.length > 0) return [invalid(at, name, `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`)];
  if (name.split('.').length < 3) return [invalid(at, name, 'should be a domain with at least three segments separated by dots')];
  return [];
}

interface Options {
  requireNoSideEffects: boolean;
  requireRecognizedVersion: boolean;
  requireUniqueNames: boolean;
  ignoreMatchConditions: boolean;
}

function validateReviewVersions(versions: string[], at: string, requireRecognized: boolean): StatusCause[] {
  if (versions.length === 0) return [required(at, `must specify one of ${REVIEW_VERSIONS.join(', ')}`)];
  const causes: StatusCause[] = [];
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    if (seen.has(v)) return void causes.push(invalid(`${at}[${i}]`, v, 'duplicate version'));
    seen.add(v);
    for (const m of isDNS1035Label(v)) causes.push(invalid(`${at}[${i}]`, v, m));
  });
  if (requireRecognized && !versions.some((v) => REVIEW_VERSIONS.includes(v))) {
    causes.push(invalid(at, versions, `must include at least one of ${REVIEW_VERSIONS.join(', ')}`, goList('string', versions)));
  }
  return causes;
}

const MAX_CONDITIONS = 64;

/** kube's validateMatchConditions, at `at` (webhooks[i].matchConditions). */
export function validateMatchConditions(raw: unknown, at: string): StatusCause[] {
  const conditions = Array.isArray(raw) ? raw.filter(isObj) : [];
  const causes: StatusCause[] = [];
  if (conditions.length > MAX_CONDITIONS) causes.push({ reason: 'FieldValueTooMany', field: at, message: `Too many: ${conditions.length}: must have at most ${MAX_CONDITIONS} items` });
  const names = new Set<string>();
  conditions.forEach((c, i) => {
    const here = `${at}[${i}]`;
    const name = typeof c.name === 'string' ? c.name : '';
    if (name === '') causes.push({ reason: 'FieldValueRequired', field: `${here}.name`, message: 'Required value' });
    else {
      for (const m of isQualifiedName(name)) causes.push({ reason: 'FieldValueInvalid', field: `${here}.name`, message: `Invalid value: ${JSON.stringify(name)}: ${m}` });
      if (names.has(name)) causes.push({ reason: 'FieldValueDuplicate', field: `${here}.name`, message: `Duplicate value: ${JSON.stringify(name)}` });
      names.add(name);
    }
    const expression = typeof c.expression === 'string' ? c.expression : '';
    if (expression === '') causes.push({ reason: 'FieldValueRequired', field: `${here}.expression`, message: 'Required value' });
  });
  return causes;
}

function validateHook(hook: Obj, at: string, mutating: boolean, options: Options): StatusCause[] {
  const causes = validateHookName(hook.name, `${at}.name`);
  objects(hook.rules).forEach((rule, i) => causes.push(...validateRule(rule, `${at}.rules[${i}]`)));
  if (typeof hook.failurePolicy === 'string' && !FAILURE_POLICIES.includes(hook.failurePolicy)) causes.push(notSupported(`${at}.failurePolicy`, hook.failurePolicy, FAILURE_POLICIES));
  if (typeof hook.matchPolicy === 'string' && !MATCH_POLICIES.includes(hook.matchPolicy)) causes.push(notSupported(`${at}.matchPolicy`, hook.matchPolicy, MATCH_POLICIES));
  const sideEffects = options.requireNoSideEffects ? SIDE_EFFECTS_NONE : ['None', 'NoneOnDryRun', 'Some', 'Unknown'];
  if (hook.sideEffects === undefined) causes.push(required(`${at}.sideEffects`, `must specify one of ${sideEffects.join(', ')}`));
  else if (!sideEffects.includes(String(hook.sideEffects))) causes.push(notSupported(`${at}.sideEffects`, hook.sideEffects, sideEffects));
  if (typeof hook.timeoutSeconds === 'number' && (hook.timeoutSeconds > 30 || hook.timeoutSeconds < 1)) {
    causes.push(invalid(`${at}.timeoutSeconds`, hook.timeoutSeconds, 'the timeout value must be between 1 and 30 seconds'));
  }
  causes.push(...validateLabelSelector(hook.namespaceSelector, `${at}.namespaceSelector`));
  causes.push(...validateLabelSelector(hook.objectSelector, `${at}.objectSelector`));
  if (mutating && typeof hook.reinvocationPolicy === 'string' && !REINVOCATION_POLICIES.includes(hook.reinvocationPolicy)) {
    causes.push(notSupported(`${at}.reinvocationPolicy`, hook.reinvocationPolicy, REINVOCATION_POLICIES));
  }
  const cc = isObj(hook.clientConfig) ? hook.clientConfig : {};
  if ((cc.url === undefined) === (cc.service === undefined)) causes.push(required(`${at}.clientConfig`, 'exactly one of url or service is required'));
  else if (typeof cc.url === 'string') causes.push(...validateUrl(cc.url, `${at}.clientConfig.url`));
  else if (isObj(cc.service)) causes.push(...validateService(cc.service, `${at}.clientConfig.service`));
  if (!options.ignoreMatchConditions) causes.push(...validateMatchConditions(hook.matchConditions, `${at}.matchConditions`));
  causes.push(...validateReviewVersions(strings(hook.admissionReviewVersions), `${at}.admissionReviewVersions`, options.requireRecognizedVersion));
  return causes;
}

function validateConfiguration(object: KubeObject, old: KubeObject | undefined, mutating: boolean): StatusCause[] {
  const oldHooks = hooksOf(old);
  const options: Options = old
    ? {
        requireNoSideEffects: oldHooks.every((h) => SIDE_EFFECTS_NONE.includes(String(h.sideEffects))),
        requireRecognizedVersion: oldHooks.every((h) => strings(h.admissionReviewVersions).length === 0 || strings(h.admissionReviewVersions).some((v) => REVIEW_VERSIONS.includes(v))),
        requireUniqueNames: new Set(oldHooks.map((h) => h.name)).size === oldHooks.length,
        ignoreMatchConditions: JSON.stringify(hooksOf(object).map((h) => h.matchConditions)) === JSON.stringify(oldHooks.map((h) => h.matchConditions)) && hooksOf(object).length === oldHooks.length,
      }
    : { requireNoSideEffects: true, requireRecognizedVersion: true, requireUniqueNames: true, ignoreMatchConditions: false };
  const causes: StatusCause[] = [];
  const names = new Set<string>();
  hooksOf(object).forEach((hook, i) => {
    const at = `webhooks[${i}]`;
    causes.push(...validateHook(hook, at, mutating, options));
    if (options.requireUniqueNames && typeof hook.name === 'string' && hook.name) {
      if (names.has(hook.name)) causes.push(duplicate(`${at}.name`, hook.name));
      names.add(hook.name);
    }
  });
  return causes;
}

function describe(plural: string, mutating: boolean): KindDescription {
  const generated = generatedResources.find((r) => r.group === 'admissionregistration.k8s.io' && r.version === 'v1' && r.plural === plural);
  if (!generated) throw new Error(`no generated facts for ${plural}`);
  return {
    ...describeGenerated(generated),
    defaults: (object) => {
      for (const hook of objects(object.webhooks)) defaultHook(hook, mutating);
    },
    validate: (object, old) => validateConfiguration(object, old, mutating),
  };
}

export const mutatingWebhookConfiguration = describe('mutatingwebhookconfigurations', true);
export const validatingWebhookConfiguration = describe('validatingwebhookconfigurations', false);

/** Exposed for the admission plugins, which read stored configurations defensively. */
export const defaultWebhook = (hook: Obj, mutating: boolean): void => defaultHook(hook, mutating);

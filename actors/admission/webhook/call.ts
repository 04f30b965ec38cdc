// One call of one admission webhook, as kube's dispatchers make it
// (k8s.io/apiserver/pkg/admission/plugin/webhook/{mutating,validating}/dispatcher.go
// and request/admissionreview.go): the dry-run check against sideEffects,
// the AdmissionReview request (v1, else v1beta1, as the webhook accepts),
// the POST through the shared webhook client, and the answer verified as
// kube verifies it. The outcome says which of kube's error kinds it is,
// because failurePolicy applies to failed calls only:
//   allowed     the webhook let it through (a mutating one may carry a patch)
//   rejected    ErrWebhookRejection: the webhook's own Status, worded by kube
//   callFailed  ErrCallingWebhook: unreachable, timed out, garbage, bad answer
//   error       anything else (a dry run the webhook cannot take)

import { randomUUID } from 'node:crypto';
import type { KubeObject } from '../../../protocol/kube/meta.js';
import type { AdmissionAttributes } from '../../../protocol/messages/admission.js';
import { badRequest, failure, type Status, type StatusReason } from '../../../protocol/kube/status.js';
import { WebhookCallError, type WebhookClient } from '../../../lib/webhook-client.js';
import { resolveServiceEndpoint, type EndpointsView } from '../../../lib/service-endpoints.js';
import type { Invocation } from './matching.js';
import type { AdmissionMetrics } from '../../../lib/metrics.js';

export type CallOutcome =
  | { kind: 'allowed'; warnings: string[]; auditAnnotations: Record<string, string>; patch?: unknown[] }
  | { kind: 'rejected'; status: Status; warnings: string[]; auditAnnotations: Record<string, string> }
  | { kind: 'callFailed'; message: string; status: Status }
  | { kind: 'error'; status: Status };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const REVIEW_VERSIONS = ['v1', 'v1beta1'];

/** The object as the webhook's version sees it (only apiVersion differs between equivalent built-in versions). */
function asVersion(object: KubeObject | undefined, invocation: Invocation): KubeObject | null {
  if (!object) return null;
  const { group, version, kind } = invocation.kind;
  const apiVersion = group ? `${group}/${version}` : version;
  return object.apiVersion === apiVersion && object.kind === kind ? object : { ...object, apiVersion, kind };
}

/** kube's CreateV1AdmissionReview (the v1beta1 one has the same shape). */
export function admissionReview(version: string, uid: string, invocation: Invocation, attributes: AdmissionAttributes, object: KubeObject | undefined, oldObject: KubeObject | undefined): Obj {
  const user = attributes.userInfo;
  const userInfo: Obj = { username: user.username };
  if (user.uid) userInfo.uid = user.uid;
  if (user.groups.length > 0) userInfo.groups = user.groups;
  if (user.extra && Object.keys(user.extra).length > 0) userInfo.extra = user.extra;
  const request: Obj = {
    uid,
    kind: invocation.kind,
    resource: invocation.resource,
    ...(invocation.subresource ? { subResource: invocation.subresource } : {}),
    requestKind: attributes.kind,
    requestResource: attributes.resource,
    ...(attributes.subresource ? { requestSubResource: attributes.subresource } : {}),
    ...(attributes.name ? { name: attributes.name } : {}),
    ...(attributes.namespace ? { namespace: attributes.namespace } : {}),
    operation: attributes.operation,
    userInfo,
    object: asVersion(object, invocation),
    oldObject: asVersion(oldObject, invocation),
    dryRun: attributes.dryRun,
    options: attributes.options ?? null,
  };
  return { kind: 'AdmissionReview', apiVersion: `admission.k8s.io/${version}`, request };
}

/** kube's ToStatusErr: the webhook's Status, at least 400, its message prefixed with who denied it. */
export function rejectionStatus(hookName: string, result: unknown): Status {
  const r = isObj(result) ? result : {};
  const deniedBy = `admission webhook "${hookName}" denied the request`;
  const message = typeof r.message === 'string' && r.message ? `${deniedBy}: ${r.message}`
    : typeof r.reason === 'string' && r.reason ? `${deniedBy}: ${r.reason}`
      : `${deniedBy} without explanation`;
  const code = typeof r.code === 'number' && r.code >= 400 ? r.code : 400;
  const status = failure('BadRequest', message, isObj(r.details) ? r.details as Status['details'] : undefined, code);
  status.reason = typeof r.reason === 'string' ? r.reason as StatusReason : '';
  return status;
}

const callFailed = (hookName: string, why: string, status: Status): CallOutcome =>
  ({ kind: 'callFailed', message: `failed calling webhook "${hookName}": ${why}`, status });

const unavailable = (message: string): Status => failure('ServiceUnavailable', message);

/** kube's VerifyAdmissionResponse and what follows it: the outcome of a decoded answer. */
export function verifyAnswer(hookName: string, version: string, uid: string, mutating: boolean, body: unknown): CallOutcome {
  const invalid = (why: string): CallOutcome => callFailed(hookName, `received invalid webhook response: ${why}`, unavailable('error validating webhook response'));
  if (!isObj(body) || typeof body.kind !== 'string' || body.kind === '') {
    return callFailed(hookName, `failed to call webhook: Object 'Kind' is missing in '${JSON.stringify(body)}'`, unavailable('error calling webhook'));
  }
  const response = body.response;
  if (!isObj(response)) return invalid('webhook response was absent');
  if (version === 'v1' && response.uid !== uid) return invalid(`expected response.uid="${uid}", got "${typeof response.uid === 'string' ? response.uid : ''}"`);
  const [group, gotVersion] = String(body.apiVersion ?? '').split('/');
  if (version === 'v1' && (body.kind !== 'AdmissionReview' || group !== 'admission.k8s.io' || gotVersion !== 'v1')) {
    return invalid(`expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got ${String(body.apiVersion ?? '')}, Kind=${body.kind}`);
  }
  const patch = typeof response.patch === 'string' ? response.patch : '';
  const patchType = response.patchType;
  if (version === 'v1' && mutating) {
    if (patch && patchType === undefined) return invalid('webhook returned response.patch but not response.patchType');
    if (!patch && patchType !== undefined) return invalid('webhook returned response.patchType but not response.patch');
    if (patchType === '') return invalid('webhook returned invalid response.patchType of ""');
  } else if (version === 'v1') {
    if (patch) return invalid('validating webhook may not return response.patch');
    if (patchType !== undefined) return invalid('validating webhook may not return response.patchType');
  }
  const warnings = Array.isArray(response.warnings) ? response.warnings.filter((w): w is string => typeof w === 'string') : [];
  const auditAnnotations: Record<string, string> = {};
  if (isObj(response.auditAnnotations)) {
    for (const [k, v] of Object.entries(response.auditAnnotations)) if (typeof v === 'string') auditAnnotations[`${hookName}/${k}`] = v;
  }
  if (response.allowed !== true) return { kind: 'rejected', status: rejectionStatus(hookName, response.status), warnings, auditAnnotations };
  if (!mutating || !patch) return { kind: 'allowed', warnings, auditAnnotations };
  if (version === 'v1' && patchType !== 'JSONPatch') {
    return callFailed(hookName, `unsupported patch type "${String(patchType)}"`, rejectionStatus(hookName, response.status));
  }
  let operations: unknown;
  try {
    operations = JSON.parse(Buffer.from(patch, 'base64').toString('utf8'));
  } catch (e) {
    return callFailed(hookName, `received undecodable patch in webhook response: ${(e as Error).message}`, unavailable('error decoding patch in webhook response'));
  }
  if (!Array.isArray(operations)) {
    return callFailed(hookName, 'received undecodable patch in webhook response: json: cannot unmarshal object into Go value of type jsonpatch.Patch', unavailable('error decoding patch in webhook response'));
  }
  return { kind: 'allowed', warnings, auditAnnotations, ...(operations.length > 0 ? { patch: operations } : {}) };
}

export interface CallDeps {
  client: WebhookClient;
  endpoints: EndpointsView;
  /** The request's own deadline, when nearer than the webhook's timeout. */
  deadline?: number;
  now(): number;
  /** apiserver_admission_webhook_*: each call, timed, with its code and whether it rejected the write. */
  metrics?: AdmissionMetrics | undefined;
}

/** Calls one webhook for one invocation, counted as kube's dispatchers count it. */
export async function callHook(deps: CallDeps, invocation: Invocation, attributes: AdmissionAttributes, object: KubeObject | undefined, oldObject: KubeObject | undefined, mutating: boolean): Promise<CallOutcome> {
  const started = deps.now();
  const outcome = await callOnce(deps, invocation, attributes, object, oldObject, mutating);
  if (deps.metrics) {
    const hook = invocation.hook;
    const failOpen = outcome.kind === 'callFailed' && hook.failurePolicy === 'Ignore';
    const [code, rejection] = outcome.kind === 'allowed' ? [200, undefined]
      : outcome.kind === 'rejected' ? [outcome.status.code, 'no_error' as const]
      : outcome.kind === 'callFailed' ? [outcome.status.code, failOpen ? undefined : 'calling_webhook_error' as const]
      : [0, 'apiserver_internal_error' as const];
    deps.metrics.observeWebhook(hook.name, mutating ? 'admit' : 'validating', attributes.operation, (deps.now() - started) / 1000, code, rejection);
  }
  return outcome;
}

async function callOnce(deps: CallDeps, invocation: Invocation, attributes: AdmissionAttributes, object: KubeObject | undefined, oldObject: KubeObject | undefined, mutating: boolean): Promise<CallOutcome> {
  const hook = invocation.hook;
  if (attributes.dryRun && hook.sideEffects !== 'None' && hook.sideEffects !== 'NoneOnDryRun') {
    if (!hook.sideEffects) return callFailed(hook.name, 'Webhook SideEffects is nil', badRequest('Webhook SideEffects is nil'));
    return { kind: 'error', status: badRequest(`admission webhook "${hook.name}" does not support dry run`) };
  }
  const version = hook.admissionReviewVersions.find((v) => REVIEW_VERSIONS.includes(v));
  if (!version) {
    return callFailed(hook.name, 'could not create admission objects: webhook does not accept known AdmissionReview versions (v1, v1beta1)', badRequest('error creating admission objects'));
  }
  // kube builds its client first: a caBundle that holds no certificate fails the call (failurePolicy applies).
  if (hook.client.caBundle && !hook.client.caBundle.includes('-----BEGIN CERTIFICATE-----')) {
    return callFailed(hook.name, 'could not get REST client: unable to load root certificates: unable to parse bytes as PEM block', failure('InternalError', 'unable to load root certificates: unable to parse bytes as PEM block'));
  }
  const uid = randomUUID();
  const review = admissionReview(version, uid, invocation, attributes, object, oldObject);
  const left = deps.deadline !== undefined ? deps.deadline - deps.now() : Infinity;
  try {
    const answer = await deps.client.post({
      name: hook.name,
      config: hook.client,
      body: JSON.stringify(review),
      timeoutMs: Math.max(1, Math.min(hook.timeoutMs, left)),
      resolveService: (namespace, name, port) => resolveServiceEndpoint(deps.endpoints, namespace, name, port),
    });
    return verifyAnswer(hook.name, version, uid, mutating, answer.body);
  } catch (e) {
    if (e instanceof WebhookCallError) return { kind: 'callFailed', message: e.message, status: e.status };
    throw e;
  }
}

// ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding
// (admissionregistration.k8s.io/v1), and MutatingAdmissionPolicy and its
// binding (v1alpha1, served only with the MutatingAdmissionPolicy feature
// gate): their generated descriptions, with what kube's strategy validates on
// a write: a policy's required parts, and a binding's policy,
// validationActions and paramRef. That each CEL expression compiles is checked
// by the admission plugins, which load CEL only once policies are written
// (kube's strategy does it here).

import type { KubeObject } from '../../protocol/kube/meta.js';
import type { StatusCause } from '../../protocol/kube/status.js';
import type { KindDescription } from '../kind-description.js';
import { generatedResources } from '../generated/resources.js';
import { describeGenerated } from './generic.js';
import type { BindingSpec, PolicySpec } from '../../lib/cel/validating-admission-policy.js';
import type { MutatingBindingSpec, MutatingPolicySpec } from '../../lib/cel/mutating-admission-policy.js';

const GROUP = 'admissionregistration.k8s.io';

function generated(plural: string, version = 'v1'): KindDescription {
  const resource = generatedResources.find((r) => r.group === GROUP && r.version === version && r.plural === plural);
  if (!resource) throw new Error(`no generated description of ${plural}.${GROUP}/${version}`);
  return describeGenerated(resource);
}

const required = (field: string, detail = ''): StatusCause => ({ reason: 'FieldValueRequired', field, message: detail ? `Required value: ${detail}` : 'Required value' });
const quote = (s: string): string => JSON.stringify(s);

function validatePolicy(object: KubeObject): StatusCause[] {
  const spec = (object.spec ?? {}) as PolicySpec;
  const causes: StatusCause[] = [];
  if (!spec.matchConstraints) causes.push(required('spec.matchConstraints'));
  else if ((spec.matchConstraints.resourceRules ?? []).length === 0) causes.push(required('spec.matchConstraints.resourceRules'));
  if ((spec.validations ?? []).length === 0 && (spec.auditAnnotations ?? []).length === 0) {
    causes.push(required('spec.validations', 'validations or auditAnnotations must contain at least one item'));
  }
  if (spec.failurePolicy !== undefined && spec.failurePolicy !== 'Fail' && spec.failurePolicy !== 'Ignore') {
    causes.push({ reason: 'FieldValueNotSupported', field: 'spec.failurePolicy', message: `Unsupported value: ${quote(spec.failurePolicy)}: supported values: "Fail", "Ignore"` });
  }
  (spec.validations ?? []).forEach((v, i) => {
    if (!v.expression?.trim()) causes.push(required(`spec.validations[${i}].expression`));
  });
  return causes;
}

const ACTIONS = ['Audit', 'Deny', 'Warn'];

function validateBinding(object: KubeObject): StatusCause[] {
  const spec = (object.spec ?? {}) as BindingSpec;
  const causes: StatusCause[] = [];
  if (!spec.policyName) causes.push(required('spec.policyName'));
  const actions = spec.validationActions ?? [];
  if (actions.length === 0) causes.push(required('spec.validationActions', 'at least one validation action is required'));
  const seen = new Set<string>();
  actions.forEach((a, i) => {
    if (seen.has(a)) causes.push({ reason: 'FieldValueDuplicate', field: `spec.validationActions[${i}]`, message: `Duplicate value: ${quote(a)}` });
    else if (!ACTIONS.includes(a)) causes.push({ reason: 'FieldValueNotSupported', field: `spec.validationActions[${i}]`, message: `Unsupported value: ${quote(a)}: supported values: ${ACTIONS.map(quote).join(', ')}` });
    seen.add(a);
  });
  if (seen.has('Deny') && seen.has('Warn')) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'spec.validationActions',
      message: `Invalid value: []string{${actions.map(quote).join(', ')}}: must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)`,
    });
  }
  causes.push(...paramRefErrors(spec.paramRef));
  return causes;
}

function paramRefErrors(ref: BindingSpec['paramRef']): StatusCause[] {
  const causes: StatusCause[] = [];
  if (ref) {
    if (ref.name && ref.selector) causes.push({ reason: 'FieldValueForbidden', field: 'spec.paramRef.name', message: 'Forbidden: name and selector are mutually exclusive' });
    if (!ref.name && !ref.selector) causes.push(required('spec.paramRef', 'one of name or selector must be specified'));
    if (!ref.parameterNotFoundAction) causes.push(required('spec.paramRef.parameterNotFoundAction'));
    else if (ref.parameterNotFoundAction !== 'Allow' && ref.parameterNotFoundAction !== 'Deny') {
      causes.push({ reason: 'FieldValueNotSupported', field: 'spec.paramRef.parameterNotFoundAction', message: `Unsupported value: ${quote(ref.parameterNotFoundAction)}: supported values: "Allow", "Deny"` });
    }
  }
  return causes;
}

const unsupported = (field: string, value: string, supported: readonly string[]): StatusCause =>
  ({ reason: 'FieldValueNotSupported', field, message: `Unsupported value: ${quote(value)}: supported values: ${supported.map(quote).join(', ')}` });

function validateMutatingPolicy(object: KubeObject): StatusCause[] {
  const spec = (object.spec ?? {}) as MutatingPolicySpec;
  const causes: StatusCause[] = [];
  if (!spec.matchConstraints) causes.push(required('spec.matchConstraints'));
  else if ((spec.matchConstraints.resourceRules ?? []).length === 0) causes.push(required('spec.matchConstraints.resourceRules'));
  if (spec.failurePolicy !== undefined && spec.failurePolicy !== 'Fail' && spec.failurePolicy !== 'Ignore') causes.push(unsupported('spec.failurePolicy', spec.failurePolicy, ['Fail', 'Ignore']));
  if (spec.reinvocationPolicy !== undefined && spec.reinvocationPolicy !== 'Never' && spec.reinvocationPolicy !== 'IfNeeded') {
    causes.push(unsupported('spec.reinvocationPolicy', spec.reinvocationPolicy, ['IfNeeded', 'Never']));
  }
  if ((spec.mutations ?? []).length === 0) causes.push(required('spec.mutations', 'mutations must contain at least one item'));
  (spec.mutations ?? []).forEach((m, i) => {
    const at = `spec.mutations[${i}]`;
    if (!m.patchType) causes.push(required(`${at}.patchType`));
    else if (m.patchType === 'ApplyConfiguration') {
      if (!m.applyConfiguration?.expression?.trim()) causes.push(required(`${at}.applyConfiguration`, 'applyConfiguration.expression is required when patchType is ApplyConfiguration'));
    } else if (m.patchType === 'JSONPatch') {
      if (!m.jsonPatch?.expression?.trim()) causes.push(required(`${at}.jsonPatch`, 'jsonPatch.expression is required when patchType is JSONPatch'));
    } else causes.push(unsupported(`${at}.patchType`, m.patchType, ['ApplyConfiguration', 'JSONPatch']));
  });
  return causes;
}

function validateMutatingBinding(object: KubeObject): StatusCause[] {
  const spec = (object.spec ?? {}) as MutatingBindingSpec;
  const causes: StatusCause[] = [];
  if (!spec.policyName) causes.push(required('spec.policyName'));
  causes.push(...paramRefErrors(spec.paramRef));
  return causes;
}

export const validatingAdmissionPolicy: KindDescription = { ...generated('validatingadmissionpolicies'), validate: (object, _old, subresource) => (subresource === '' ? validatePolicy(object) : []) };
export const validatingAdmissionPolicyBinding: KindDescription = { ...generated('validatingadmissionpolicybindings'), validate: validateBinding };
export const mutatingAdmissionPolicy: KindDescription = { ...generated('mutatingadmissionpolicies', 'v1alpha1'), validate: validateMutatingPolicy };
export const mutatingAdmissionPolicyBinding: KindDescription = { ...generated('mutatingadmissionpolicybindings', 'v1alpha1'), validate: validateMutatingBinding };

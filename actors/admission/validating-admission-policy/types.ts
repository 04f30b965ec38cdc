// admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy and
// ValidatingAdmissionPolicyBinding, the fields the plugin reads.

import type { Metav1LabelSelector } from '../../store/label-selector.js';

export interface RuleWithOperations {
  operations?: string[];
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  resourceNames?: string[];
  scope?: 'Cluster' | 'Namespaced' | '*';
}

export interface MatchResources {
  namespaceSelector?: Metav1LabelSelector;
  objectSelector?: Metav1LabelSelector;
  resourceRules?: RuleWithOperations[];
  excludeResourceRules?: RuleWithOperations[];
  matchPolicy?: 'Exact' | 'Equivalent';
}

export interface Validation { expression: string; message?: string; reason?: string; messageExpression?: string }
export interface AuditAnnotation { key: string; valueExpression: string }
export interface MatchCondition { name: string; expression: string }
export interface Variable { name: string; expression: string }

export interface PolicySpec {
  paramKind?: { apiVersion?: string; kind?: string };
  matchConstraints?: MatchResources;
  validations?: Validation[];
  failurePolicy?: 'Fail' | 'Ignore';
  auditAnnotations?: AuditAnnotation[];
  matchConditions?: MatchCondition[];
  variables?: Variable[];
}

export interface ParamRef {
  name?: string;
  namespace?: string;
  selector?: Metav1LabelSelector;
  parameterNotFoundAction?: 'Allow' | 'Deny';
}

export interface BindingSpec {
  policyName?: string;
  paramRef?: ParamRef;
  matchResources?: MatchResources;
  validationActions?: ('Deny' | 'Warn' | 'Audit')[];
}

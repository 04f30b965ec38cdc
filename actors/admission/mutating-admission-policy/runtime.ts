// What the MutatingAdmissionPolicy plugin loads only once a policy exists:
// CEL, the policy compiler and the mutation evaluator. The plugin imports
// this module dynamically.

export { compileMutatingPolicy, mutatingPolicyExpressionErrors } from '../../../lib/cel/mutating-admission-policy.js';
export { mutateInvocation } from './evaluate.js';

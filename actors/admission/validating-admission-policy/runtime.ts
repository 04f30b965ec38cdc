// What the plugin loads only once a policy exists: CEL (@marcbachmann/cel-js
// and kube's libraries, ~50 ms of a start), the policy compiler and the
// evaluator. The plugin imports this module dynamically.

export { compilePolicy, policyExpressionErrors } from '../../../lib/cel/validating-admission-policy.js';
export { evaluateInvocation } from './evaluate.js';

// validatingadmissionpolicy-status-controller (kube-controller-manager's
// pkg/controller/validatingadmissionpolicystatus): each ValidatingAdmissionPolicy
// generation is type-checked once, against the kinds its resourceRules match
// and its paramKind (./type-checker.ts), and the result is applied to its
// status subresource: status.observedGeneration and
// status.typeChecking.expressionWarnings (an empty typeChecking when every
// expression checks). kube writes no conditions here, and neither does this.
//
// Watches: validatingadmissionpolicies; customresourcedefinitions (the schemas
//   of custom kinds; a CRD change does not re-check a policy, as in kube).
// Key: a policy's name.
// Reconcile: nothing when status.observedGeneration has reached
//   metadata.generation; else a server-side apply of status as field manager
//   `validatingadmissionpolicy-status`, forced, as kube's ApplyStatus does.
// Acts as: system:serviceaccount:kube-system:validatingadmissionpolicy-status-controller.
// CEL is loaded with the first policy it checks, not before.

import { serviceAccountUser } from '../../../lib/loopback.js';
import { definitions } from '../../../scheme/definitions.js';
import type { PolicySpec } from '../../../lib/cel/validating-admission-policy.js';
import { reconcilerMachine, resourceKey, terminateReconciler, type ReconcilerLogic } from '../reconciler.js';
import type { ControllerDescriptor } from '../controller.js';
import { expectStatus } from '../http-errors.js';
import type { ServedKinds } from './served-kinds.js';

const GROUP = 'admissionregistration.k8s.io';
const POLICIES = 'validatingadmissionpolicies';
const CRDS = { plural: 'customresourcedefinitions', group: 'apiextensions.k8s.io' };
/** kube's ControllerName: the field manager of what it applies. */
const FIELD_MANAGER = 'validatingadmissionpolicy-status';
export const VAP_STATUS_SERVICE_ACCOUNT = 'validatingadmissionpolicy-status-controller';

interface State {
  kinds?: ServedKinds;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const logic: ReconcilerLogic<State> = {
  id: 'validatingadmissionpolicy-status-controller',
  watches: [{ plural: POLICIES, group: GROUP }, CRDS],
  workers: 1,
  createState: () => ({}),
  keysOf: (resource, object, deleted) => (resource === resourceKey(POLICIES, GROUP) && !deleted ? [object.metadata.name ?? ''] : []),
  async reconcile(name, view, input, state) {
    const policy = view.get(resourceKey(POLICIES, GROUP), '', name);
    if (!policy) return;
    const generation = policy.metadata.generation ?? 0;
    const observed = (policy.status as { observedGeneration?: number } | undefined)?.observedGeneration ?? 0;
    if (generation <= observed) return;
    const [{ checkPolicy }, { ServedKinds }] = await Promise.all([import('./type-checker.js'), import('./served-kinds.js')]);
    state.kinds ??= new ServedKinds(input.scheme, definitions, () => view.list(resourceKey(CRDS.plural, CRDS.group)));
    const warnings = await checkPolicy((policy.spec ?? {}) as PolicySpec, state.kinds, nextTurn);
    const body = {
      apiVersion: `${GROUP}/v1`,
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name },
      status: { observedGeneration: generation, typeChecking: warnings.length > 0 ? { expressionWarnings: warnings } : {} },
    };
    const reply = await input.client.request('patch', { apiGroup: GROUP, namespace: '', resource: POLICIES, name, subresource: 'status' }, {
      body,
      patchType: 'apply',
      query: { fieldManager: FIELD_MANAGER, force: 'true' },
    });
    // Gone meanwhile: nothing left to report on.
    expectStatus(`applying the status of validatingadmissionpolicy ${name}`, reply, 200, 404);
  },
};

export const validatingAdmissionPolicyStatusController: ControllerDescriptor = {
  name: 'validatingadmissionpolicy-status-controller',
  aliases: [],
  user: serviceAccountUser(VAP_STATUS_SERVICE_ACCOUNT),
  machine: reconcilerMachine(logic),
  terminate: terminateReconciler as (context: never) => void,
};

// token-cleaner-controller (kube-controller-manager's `tokencleaner`, off
// unless --controllers names it, as in kube): a bootstrap token Secret in
// kube-system is deleted once its expiration has passed.
//
// Watches: bootstrap token Secrets in kube-system. Key: `<namespace>/<name>`.
// Reconcile: an expired (or unparseable) expiration deletes the Secret with a
//   uid precondition; a later one looks again when it comes (kube's AddAfter).
// Acts as: system:serviceaccount:kube-system:token-cleaner.

import { serviceAccountUser } from '../../../lib/loopback.js';
import { reconcilerMachine, terminateReconciler, type ReconcilerLogic } from '../reconciler.js';
import type { ControllerDescriptor } from '../controller.js';
import { expectStatus } from '../http-errors.js';
import { BOOTSTRAP_TOKEN_FILTER, expiration, isBootstrapToken } from '../bootstrap-tokens.js';

const logic: ReconcilerLogic = {
  id: 'token-cleaner-controller',
  watches: [{ plural: 'secrets', group: '', keep: isBootstrapToken, filter: BOOTSTRAP_TOKEN_FILTER }],
  workers: 1,
  keysOf: (_resource, secret, deleted) => (deleted ? [] : [`${secret.metadata.namespace ?? ''}/${secret.metadata.name ?? ''}`]),
  async reconcile(key, view, input) {
    const [namespace = '', name = ''] = key.split('/');
    const secret = view.get('secrets', namespace, name);
    if (!secret) return;
    const expires = expiration(secret, input.clock.now());
    if (!expires.expired) return expires.leftMs;
    const body = { apiVersion: 'v1', kind: 'DeleteOptions', ...(secret.metadata.uid ? { preconditions: { uid: secret.metadata.uid } } : {}) };
    expectStatus(`deleting expired bootstrap token ${key}`, await input.client.request('delete', { apiGroup: '', namespace, resource: 'secrets', name }, { body }), 200, 404, 409);
  },
};

export const tokenCleanerController: ControllerDescriptor = {
  name: 'token-cleaner-controller',
  aliases: ['tokencleaner'],
  user: serviceAccountUser('token-cleaner'),
  machine: reconcilerMachine(logic),
  terminate: terminateReconciler as (context: never) => void,
  disabledByDefault: true,
};

// The authn actor (actors/authn): the first stage of every request the listener accepts.

import { authnMachine } from '../../authn/authn-machine.js';
import { authenticatorsOf } from '../authenticators.js';
import type { ChildSpec } from '../child-spec.js';
import { requestChainEntry } from './audit.js';

export const authn: ChildSpec = (wiring) => {
  const { options, files, store, child, runtime, clock, logger, shared } = wiring;
  const apf = child('apf');
  const audited = child('audit') !== undefined;
  return {
    id: 'authn',
    machine: authnMachine,
    input: {
      tokens: files.tokens, clock, x509: files.clientCa?.authenticator, next: requestChainEntry(wiring),
      // With no audit between them, exempt requests skip the hop through apf (kube's filter passes them at once).
      flowControl: apf && !audited ? { apf, authorize: child('authz')! } : undefined,
      ...authenticatorsOf(options, files, store, clock, () => `https://${options.raw.bindAddress}:${runtime.port}`, logger('authn'), shared.webhookClient),
      logger: logger('authn'),
    },
  };
};

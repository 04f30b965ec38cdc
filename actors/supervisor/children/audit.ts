// The audit actor (actors/audit), with an audit policy: kube's audit filter runs right after
// authentication, so authn hands requests to it, and it to priority and fairness (or authz).

import { auditMachine, terminateAudit } from '../../audit/audit-machine.js';
import type { ChildSpec, Wiring } from '../child-spec.js';
import type { ChildSlot, Terminate } from '../supervision.js';

/** What follows authentication and audit: priority and fairness when on, else authorization. */
export const afterAuthentication = ({ child }: Pick<Wiring, 'child'>): ChildSlot => (child('apf') ?? child('authz'))!;

/** Where authn hands an authenticated request, and where controllers' loopback requests enter. */
export const requestChainEntry = (wiring: Pick<Wiring, 'child'>): ChildSlot => wiring.child('audit') ?? afterAuthentication(wiring);

export const audit: ChildSpec = (wiring) => {
  const { options, clock, logger } = wiring;
  return options.audit
    ? { id: 'audit', machine: auditMachine, input: { ...options.audit, next: afterAuthentication(wiring), clock, logger: logger('audit') }, terminate: terminateAudit as Terminate }
    : undefined;
};

// The listener (actors/listener): binds --bind-address:--secure-port in Listening, once the server
// chain is built, and hands every request to authn. Its crash escalates at once.

import { DEBUG_LEVEL } from '../../../lib/log.js';
import { listenerMachine, terminateListener } from '../../listener/listener-machine.js';
import type { TransportChoice } from '../../listener/transport.js';
import type { ChildSpec } from '../child-spec.js';
import { ESCALATE, type Terminate } from '../supervision.js';

/** The most a watch or log stream may hold unsent before the listener ends it. */
const MAX_STREAM_BACKLOG_BYTES = 16 * 1024 * 1024;

export const listener: ChildSpec = ({ options, files, runtime, child, self, clock, log, logger }) => {
  const { raw } = options;
  return {
    id: 'listener',
    machine: listenerMachine,
    policy: ESCALATE,
    stopMessage: { type: 'listener.close' },
    terminate: terminateListener as Terminate,
    input: {
      options: {
        host: raw.bindAddress,
        port: raw.securePort,
        certFile: files.certFile,
        keyFile: files.keyFile,
        maxBodyBytes: raw.maxRequestBodyBytes,
        // With priority and fairness, the flags size its seats instead (kube installs one filter or the other).
        maxRequestsInFlight: raw.enablePriorityAndFairness ? 0 : raw.maxRequestsInflight,
        maxMutatingRequestsInFlight: raw.enablePriorityAndFairness ? 0 : raw.maxMutatingRequestsInflight,
        requestTimeoutMs: options.requestTimeoutMs,
        maxStreamBacklogBytes: MAX_STREAM_BACKLOG_BYTES,
        // The handshake asks for a certificate any of the client CAs signed: x509 users' and the front proxy's.
        clientCaPem: files.clientCa || files.requestHeader ? [files.clientCa?.pem, files.requestHeader?.caPem].filter(Boolean).join('\n') : undefined,
        keptHeaders: files.requestHeader?.keptHeaders(),
      },
      transport: raw.transport as TransportChoice,
      clock,
      logger: logger('listener'),
      next: child('authn')!,
      supervisor: self,
      metrics: runtime.metrics,
      ...(log.settings.minLevel <= DEBUG_LEVEL ? { requestLog: logger('httplog') } : {}),
    },
  };
};

// The admission actor: kube's admission chain for writes (mutating, then
// validating plugins). Today: NamespaceLifecycle.
//
// Owns: the phase of every namespace, kept current from the namespaces store
//   it subscribes to; the list of enabled plugins.
// Receives: `admit` from authz (a write, and the server that will serve it);
//   `store.snapshot` / `store.changed` from the namespaces store.
// Sends: an admitted request, as `request`, to the server named in `admit`;
//   rejections to the client.

import { setup } from 'xstate';
import type { AdmitRequest } from '../../protocol/messages/request.js';
import type { StoreChanged, StoreSnapshot, Subscriber } from '../../protocol/messages/store.js';
import type { ActorCounters, ActorStop } from '../../protocol/messages/lifecycle.js';
import type { KubeObject } from '../../protocol/kube/meta.js';
import { statusResponse } from '../../protocol/messages/http.js';
import type { Log } from '../../lib/log.js';
import { serveSafely } from '../../lib/serve-safely.js';
import { namespaceLifecycle, type NamespacePhase } from './namespace-lifecycle.js';

export const ADMISSION_PLUGINS = ['NamespaceLifecycle'] as const;
export type AdmissionPlugin = (typeof ADMISSION_PLUGINS)[number];

export interface AdmissionInput {
  plugins: readonly AdmissionPlugin[];
  namespaces: { send(message: { type: 'store.subscribe'; subscriber: Subscriber }): void };
  logger: Log;
}

interface AdmissionContext {
  plugins: readonly AdmissionPlugin[];
  namespaces: Map<string, NamespacePhase>;
  namespaceStore: AdmissionInput['namespaces'];
  counters: ActorCounters;
  logger: Log;
}

function phaseOf(o: KubeObject): NamespacePhase {
  return (o.status as { phase?: string } | undefined)?.phase === 'Terminating' || o.metadata.deletionTimestamp ? 'Terminating' : 'Active';
}

export const admissionMachine = setup({
  types: {
    context: {} as AdmissionContext,
    events: {} as AdmitRequest | StoreSnapshot | StoreChanged | ActorStop,
    input: {} as AdmissionInput,
  },
  actions: {
    subscribe: ({ context, self }) => {
      if (context.plugins.includes('NamespaceLifecycle')) context.namespaceStore.send({ type: 'store.subscribe', subscriber: self });
    },
    admit: ({ context, event }) => {
      const { request, next } = event as AdmitRequest;
      serveSafely(request, context.counters, context.logger, () => {
        if (context.plugins.includes('NamespaceLifecycle')) {
          const rejection = namespaceLifecycle(request, context.namespaces);
          if (rejection) return request.replyTo.send(statusResponse(request.id, rejection));
        }
        next.send({ type: 'request', request });
      });
    },
    applySnapshot: ({ context, event }) => {
      context.namespaces.clear();
      for (const o of (event as StoreSnapshot).objects) context.namespaces.set(o.metadata.name ?? '', phaseOf(o));
    },
    applyChanges: ({ context, event }) => {
      for (const { type, object } of (event as StoreChanged).changes) {
        if (type === 'DELETED') context.namespaces.delete(object.metadata.name ?? '');
        else context.namespaces.set(object.metadata.name ?? '', phaseOf(object));
      }
    },
  },
}).createMachine({
  id: 'admission',
  context: ({ input }) => ({
    plugins: input.plugins,
    namespaces: new Map(),
    namespaceStore: input.namespaces,
    counters: { handled: 0, errors: 0 },
    logger: input.logger,
  }),
  entry: 'subscribe',
  initial: 'Serving',
  states: {
    Serving: {
      on: {
        admit: { actions: 'admit' },
        'store.snapshot': { actions: 'applySnapshot' },
        'store.changed': { actions: 'applyChanges' },
        'actor.stop': 'Stopped',
      },
    },
    Stopped: { type: 'final' },
  },
});

// Messages of kube-aggregator's actors besides requests.
//
// apiservice.local.add / apiservice.local.remove — sent to autoregister by
//   whoever serves a group version in this process (the CRD server, for each
//   CRD's group version): keep, or stop keeping, a Local APIService for it.
//   Fire and forget; autoregister writes the object and keeps it.
// autoregister.await-synced — sent by the supervisor's post-start hook; answered
//   with autoregister.synced once every Local APIService it keeps exists
//   (kube's autoregister-completion).
// aggregator.discovered — the aggregator's own: what an extension server's
//   discovery answered (or that it did not), for the merged documents.

import type { APIVersionDiscovery } from '../kube/discovery.js';

export interface LocalApiServiceAdd {
  type: 'apiservice.local.add';
  group: string;
  version: string;
  /** kube's groupPriorityMinimum / versionPriority; defaults: 1000 and 100, as kube's CRD registration uses. */
  groupPriorityMinimum?: number;
  versionPriority?: number;
}

export interface LocalApiServiceRemove {
  type: 'apiservice.local.remove';
  group: string;
  version: string;
}

export interface AutoregisterSynced {
  type: 'autoregister.synced';
}

export interface AutoregisterAwaitSynced {
  type: 'autoregister.await-synced';
  replyTo: { send(message: AutoregisterSynced): void };
}

export type AutoregisterMessage = LocalApiServiceAdd | LocalApiServiceRemove | AutoregisterAwaitSynced;

/** One APIService's discovery as its extension server answered it; `version` undefined when it did not answer. */
export interface RemoteDiscovered {
  type: 'aggregator.discovered';
  /** The APIService's name and the spec generation the fetch was for: a stale answer is dropped. */
  name: string;
  generation: number;
  version: APIVersionDiscovery | undefined;
  /** The extension server's serverRelativeURL for the group version in its /openapi/v3, when it has one. */
  openapiUrl: string | undefined;
  /** The `definitions` of the extension server's /openapi/v2 (JSON), when it serves one. */
  openapiV2Definitions: Record<string, unknown> | undefined;
}

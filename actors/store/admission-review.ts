// The store's side of object admission: a write whose request carries
// `objectAdmission` pauses once its object is computed and asks the admission
// actor to review it (kube's order: mutating admission, then the strategy's
// defaulting and validation, then validating admission, then storage). The
// answer comes back as a message to this store (state.deliver); the write goes
// on from where it paused. A request without `objectAdmission` goes on at once,
// in the same turn: no hop, no message.

import type { KubeObject } from '../../protocol/kube/meta.js';
import type { ApiRequest, ResourceRequestInfo } from '../../protocol/messages/request.js';
import type { AdmissionAttributes, AdmissionOperation, AdmissionPhase } from '../../protocol/messages/admission.js';
import { statusResponse } from '../../protocol/messages/http.js';
import type { Status } from '../../protocol/kube/status.js';
import type { StoreState } from './store-state.js';

let reviews = 0;

const OPTIONS_KIND: Record<string, string> = { create: 'CreateOptions', update: 'UpdateOptions', patch: 'PatchOptions', delete: 'DeleteOptions', deletecollection: 'DeleteOptions' };

/** kube's CreateOptions, UpdateOptions, PatchOptions or DeleteOptions of the request, as webhooks receive them. */
function optionsOf(request: ApiRequest, verb: string, dryRun: boolean): Record<string, unknown> {
  const options: Record<string, unknown> = { kind: OPTIONS_KIND[verb] ?? 'CreateOptions', apiVersion: 'meta.k8s.io/v1' };
  if (dryRun) options.dryRun = ['All'];
  const { fieldManager, fieldValidation, force } = request.query;
  const deleting = verb === 'delete' || verb === 'deletecollection';
  if (fieldManager !== undefined && !deleting) options.fieldManager = fieldManager;
  if (fieldValidation !== undefined && !deleting) options.fieldValidation = fieldValidation;
  if (force !== undefined && verb === 'patch') options.force = force !== 'false';
  return options;
}

/** The attributes of a write this store is making, with the object's final name. */
export function writeAttributes(state: StoreState, request: ApiRequest, info: ResourceRequestInfo, operation: AdmissionOperation, name: string, dryRun: boolean): AdmissionAttributes {
  const kind = state.kind;
  return {
    operation,
    resource: { group: kind.group, version: kind.version, resource: kind.plural },
    // A Binding written through the bindings resource is its pod's binding subresource.
    subresource: info.resource === 'bindings' ? 'binding' : info.subresource,
    kind: { group: kind.group, version: kind.version, kind: kind.kind },
    namespace: info.namespace,
    name,
    userInfo: request.user ?? { username: '', groups: [] },
    dryRun,
    options: optionsOf(request, info.verb, dryRun),
  };
}

export interface Reviewed {
  object: KubeObject | undefined;
  warnings: string[];
  /** Changed from outside the server: decode, default and validate it whole again. */
  revalidate: boolean;
}

/**
 * Runs `then` once admission's `phase` has let the write through: at once when the request needs no
 * object admission, else when the admission actor answers (in this store's turn). A refusal answers the
 * client (or goes to `refused`, for one object of a deletecollection) and `then` never runs.
 */
export function admitObject(
  state: StoreState, request: ApiRequest, phase: AdmissionPhase, attributes: () => AdmissionAttributes,
  object: KubeObject | undefined, oldObject: () => KubeObject | undefined, then: (reviewed: Reviewed) => void,
  refused?: (status: Status) => void,
): void {
  const port = request.objectAdmission;
  if (!port) return then({ object, warnings: [], revalidate: false });
  const old = oldObject();
  port.send({
    type: 'admission.review',
    phase,
    id: ++reviews,
    attributes: attributes(),
    ...(object ? { object } : {}),
    ...(old ? { oldObject: old } : {}),
    deadline: request.deadline,
    replyTo: {
      send: (answer) => state.deliver(() => {
        if (!answer.allowed) {
          if (refused) return refused(answer.status);
          const headers = answer.warnings.length > 0 ? warningHeader(answer.warnings) : undefined;
          return request.replyTo.send(statusResponse(request.id, answer.status, headers));
        }
        then({ object: answer.object ?? object, warnings: answer.warnings, revalidate: answer.revalidate === true });
      }),
    },
  });
}

/** kube's Warning header: one `299 - "<text>"` value per warning. */
export function warningHeader(warnings: readonly string[]): Record<string, string> {
  return { warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ') };
}

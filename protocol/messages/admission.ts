// Admission of a write's object: kube's admission.Attributes, and the review
// a store asks of the admission actor once it has computed the object.
//
// Flow (kube's order, see k8s.io/apiserver endpoints/handlers):
//   authz --admit--> admission   (attribute-only checks, e.g. NamespaceLifecycle;
//                                 sets `request.objectAdmission` when some plugin,
//                                 webhook or policy wants the object)
//   admission --request--> store (decodes, applies the patch, prepares the object)
//   store --admission.review {phase: 'mutating'}--> admission --admission.reviewed--> store
//   store (defaults, strategy validation)
//   store --admission.review {phase: 'validating'}--> admission --admission.reviewed--> store
//   store commits (or, if the stored object changed meanwhile, runs the request again)
// A request without `objectAdmission` skips both reviews: the hot path stays one hop.

import type { KubeObject, UserInfo } from '../kube/meta.js';
import type { Status } from '../kube/status.js';

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface GroupVersionResource { group: string; version: string; resource: string }
export interface GroupVersionKind { group: string; version: string; kind: string }

/** kube's admission.Attributes, without the objects (they travel beside it). */
export interface AdmissionAttributes {
  operation: AdmissionOperation;
  resource: GroupVersionResource;
  subresource: string;
  kind: GroupVersionKind;
  namespace: string;
  name: string;
  userInfo: UserInfo;
  dryRun: boolean;
  /** CreateOptions, UpdateOptions, PatchOptions or DeleteOptions, as kube sends them to webhooks. */
  options?: Record<string, unknown>;
}

export type AdmissionPhase = 'mutating' | 'validating';

/** Sent by a store to the admission actor named in `request.objectAdmission`. */
export interface AdmissionReview {
  type: 'admission.review';
  phase: AdmissionPhase;
  /** The store's token for the paused write; echoed in the reply. */
  id: number;
  attributes: AdmissionAttributes;
  /** The object to be written (absent on DELETE). The mutating phase may replace it. */
  object?: KubeObject;
  oldObject?: KubeObject;
  /** The request's deadline (ms since the epoch, the listener's clock): admission answers by then, whatever its plugins do. */
  deadline?: number;
  /** The audited request's annotations (ApiRequest.auditAnnotations), set by the admission actor's port: the phase records its plugins' there, refused or not. */
  auditAnnotations?: Record<string, string>;
  replyTo: { send(message: AdmissionReviewed): void };
}

/** The admission actor's answer: the (possibly mutated) object, or the rejection. */
export type AdmissionReviewed =
  | {
    type: 'admission.reviewed'; id: number; phase: AdmissionPhase; allowed: true; object?: KubeObject; warnings: string[]; auditAnnotations: Record<string, string>;
    /**
     * The object was changed from outside the server (a webhook's patch, a policy's mutation): the store
     * decodes, defaults and validates it whole again, as kube decodes a webhook's answer. Built-in
     * plugins write well-typed values, and the strategy's validation then reuses the body's decode walk.
     */
    revalidate?: boolean;
  }
  | { type: 'admission.reviewed'; id: number; phase: AdmissionPhase; allowed: false; status: Status; warnings: string[] };

/** Set on an ApiRequest by the admission actor when the store must ask it again with the object. */
export interface ObjectAdmission {
  send(message: AdmissionReview): void;
}

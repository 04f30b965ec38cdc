// What one admission plugin is to the admission actor. Each plugin is one file
// in this folder (kube's plugin/pkg/admission/<name>), built by a factory from
// the plugin's configuration; the actor runs the enabled ones in kube's order,
// every mutating one, then every validating one.
//
// A plugin that needs cluster state (namespaces, quotas, limit ranges, service
// accounts, webhook configurations, policies) names the stores it watches; the
// actor subscribes and hands it each snapshot and change. A plugin never reads
// a store directly.

import type { KubeObject, UserInfo } from '../../protocol/kube/meta.js';
import type { Status } from '../../protocol/kube/status.js';
import type { ApiRequest } from '../../protocol/messages/request.js';
import type { AdmissionAttributes } from '../../protocol/messages/admission.js';
import type { AdmissionMetrics } from '../../lib/metrics.js';
import type { Clock } from '../../lib/clock.js';
import type { Log } from '../../lib/log.js';

/** A store a plugin keeps a view of, by group and plural ('' for core). */
export interface WatchedResource { group: string; plural: string }

/** What a plugin decides: let it through (with warnings or audit annotations) or refuse it. */
export type PluginVerdict =
  | { allowed: true; warnings?: string[]; auditAnnotations?: Record<string, string> }
  | { allowed: false; status: Status; warnings?: string[]; auditAnnotations?: Record<string, string> };

export const ALLOW: PluginVerdict = { allowed: true };

export interface AdmissionPlugin {
  /** kube's name, as --enable-admission-plugins spells it. */
  readonly name: string;
  readonly watches?: readonly WatchedResource[];
  /** A snapshot (whole list) or change (one object) of a watched store. */
  observe?(resource: WatchedResource, change: { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'SYNC'; object?: KubeObject; objects?: readonly KubeObject[] }): void;
  /** Attribute-only checks, before the store runs (kube: NamespaceLifecycle and the like). */
  admitRequest?(request: ApiRequest, attributes: AdmissionAttributes): PluginVerdict;
  /** Whether it must see this write's object; false keeps the write off the review hops. */
  wantsObject?(attributes: AdmissionAttributes): boolean;
  /**
   * Its mutations come from outside the server (webhooks, policies) and may not fit the schema: the
   * store decodes, defaults and validates the object whole again after a mutating phase it took part in.
   */
  readonly external?: boolean;
  /** Mutating phase: may change `object` in place. Runs a second time when a plugin asks for reinvocation. */
  mutate?(attributes: AdmissionAttributes, object: KubeObject | undefined, oldObject: KubeObject | undefined, reinvocation?: Reinvocation): PluginVerdict | Promise<PluginVerdict>;
  /** Validating phase: must not change the object. */
  validate?(attributes: AdmissionAttributes, object: KubeObject | undefined, oldObject: KubeObject | undefined): PluginVerdict | Promise<PluginVerdict>;
}

/**
 * kube's admission.ReinvocationContext, one per mutating phase: a plugin whose change the others
 * must see (a webhook's patch) asks for one more pass of every mutating plugin, in order.
 */
export interface Reinvocation {
  /** This is the second pass (set by the admission actor). */
  isReinvoke: boolean;
  /** Asks for the second pass (ignored during it). */
  requestReinvoke(): void;
  /** State a plugin keeps between the passes, by its name. */
  readonly values: Map<string, unknown>;
}

/** What a plugin's factory is given when the admission actor starts (and again when it restarts). */
export interface PluginContext {
  /**
   * The plugin's entry of --admission-control-config-file (AdmissionConfiguration): its inline
   * `configuration`, or the file its `path` names, parsed (YAML or JSON). Undefined when absent.
   */
  config: unknown;
  /** Asks the server's authorizer (a SubjectAccessReview through authz) whether `user` may do this. */
  authorize(user: UserInfo, attributes: AuthorizationAttributes): Promise<boolean>;
  /** kube's RESTMapper: the resource (plural) a kind is served as, if this server serves it. */
  resourceFor(group: string, version: string, kind: string): string | undefined;
  clock: Clock;
  /** apiserver_admission_*: webhook plugins count their calls here. */
  metrics?: AdmissionMetrics | undefined;
  logger: Log;
  /**
   * Starts watching a store the plugin learned it needs after it started (a policy's paramKind):
   * the plugin adds the resource to its `watches` first, and gets a SYNC, then changes.
   */
  watch(resource: WatchedResource): void;
}

/** What an authorization question names (kube's authorizer.AttributesRecord, resource requests). */
export interface AuthorizationAttributes {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  name?: string;
  namespace?: string;
}

/** One line of the registry (./plugins.ts): kube's name, whether kube enables it by default, and its factory. */
export interface PluginRegistration {
  name: string;
  defaultOn: boolean;
  create(context: PluginContext): AdmissionPlugin;
  /** Throws, in the words to print, when its configuration is wrong: the server stops before it starts. */
  checkConfig?(config: unknown): void;
}

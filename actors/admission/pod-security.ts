// kube's PodSecurity admission plugin (plugin/pkg/admission/security/podsecurity
// over k8s.io/pod-security-admission): the Pod Security Standards levels
// privileged, baseline and restricted, chosen per namespace by the labels
// `pod-security.kubernetes.io/enforce|audit|warn` and their `-version`s, with
// defaults and exemptions from its PodSecurityConfiguration.
//
// Validating only. It keeps a view of namespaces (their labels) and pods (to
// try a tightened enforce level against them), learnt through the admission
// actor's store subscriptions. The checks are in ./pod-security/, one file per
// group; the decisions in ./pod-security/evaluate.ts.
//
// Attribute-only step: a pod in a namespace whose every mode is privileged
// (the default) is let through with kube's `enforce-policy` audit annotation
// and does not ask for its object, so the common case costs one map look-up.

import type { KubeObject } from '../../protocol/kube/meta.js';
import type { AdmissionAttributes } from '../../protocol/messages/admission.js';
import { ALLOW, type AdmissionPlugin, type PluginRegistration, type PluginVerdict, type WatchedResource } from './plugin.js';
import { parseConfiguration, type PodSecurityConfiguration } from './pod-security/configuration.js';
import { applies, decide, type Decision, type PodSecurityContext } from './pod-security/evaluate.js';
import { fullyPrivileged, LABEL_PREFIX, levelVersionString, PRIVILEGED_LATEST, policyToEvaluate, type Policy } from './pod-security/levels.js';
import { Evaluator } from './pod-security/registry.js';

export const POD_SECURITY = 'PodSecurity';

const NAMESPACES: WatchedResource = { group: '', plural: 'namespaces' };
const PODS: WatchedResource = { group: '', plural: 'pods' };

/** Namespaces by name (their labels) and pods by namespace, as the stores last said. */
class ClusterView {
  readonly labels = new Map<string, Record<string, string>>();
  /** Namespaces whose labels parse and leave every mode privileged: worked out once per namespace change. */
  readonly privileged = new Set<string>();
  readonly pods = new Map<string, Map<string, KubeObject>>();

  constructor(private readonly defaults: Policy) {}

  namespace(object: KubeObject, deleted: boolean): void {
    const name = object.metadata.name ?? '';
    this.privileged.delete(name);
    if (deleted) return void this.labels.delete(name);
    const labels = object.metadata.labels ?? {};
    this.labels.set(name, labels);
    const { policy, errors } = policyToEvaluate(labels, this.defaults);
    if (errors.length === 0 && fullyPrivileged(policy)) this.privileged.add(name);
  }

  clearNamespaces(): void {
    this.labels.clear();
    this.privileged.clear();
  }

  pod(object: KubeObject, deleted: boolean): void {
    const namespace = object.metadata.namespace ?? '';
    let pods = this.pods.get(namespace);
    if (deleted) {
      pods?.delete(object.metadata.name ?? '');
      if (pods?.size === 0) this.pods.delete(namespace);
      return;
    }
    if (!pods) this.pods.set(namespace, (pods = new Map()));
    pods.set(object.metadata.name ?? '', object);
  }
}

const verdictOf = (decision: Decision): PluginVerdict =>
  decision.allowed || !decision.status
    ? { allowed: true, warnings: decision.warnings, auditAnnotations: decision.auditAnnotations }
    : { allowed: false, status: decision.status, warnings: decision.warnings };

/** A pod in a namespace PodSecurity leaves alone at every mode needs no look at its object. */
const PRIVILEGED_VERDICT: PluginVerdict = { allowed: true, auditAnnotations: { [`${LABEL_PREFIX}enforce-policy`]: levelVersionString(PRIVILEGED_LATEST) } };

/** The plugin, from its AdmissionConfiguration entry's configuration (a PodSecurityConfiguration), if any. */
export function podSecurityPlugin(rawConfiguration?: unknown): AdmissionPlugin {
  const configuration: PodSecurityConfiguration = parseConfiguration(rawConfiguration);
  const view = new ClusterView(configuration.defaults);
  const context: PodSecurityContext = {
    configuration,
    evaluator: new Evaluator(),
    namespaceLabels: (name) => view.labels.get(name),
    podsIn: (namespace) => [...(view.pods.get(namespace)?.values() ?? [])],
  };
  /** Pods that need their object: not exempt by namespace or user, and some mode not privileged. */
  const podIsPrivileged = (a: AdmissionAttributes): boolean => {
    if (a.resource.group !== '' || a.resource.resource !== 'pods') return false;
    if (configuration.exemptions.namespaces.has(a.namespace) || configuration.exemptions.usernames.has(a.userInfo.username)) return false;
    return view.privileged.has(a.namespace);
  };
  return {
    name: POD_SECURITY,
    watches: [NAMESPACES, PODS],
    observe(resource, change) {
      const learn = resource.plural === 'namespaces' ? view.namespace.bind(view) : view.pod.bind(view);
      if (change.type === 'SYNC') {
        if (resource.plural === 'namespaces') view.clearNamespaces();
        else view.pods.clear();
        for (const object of change.objects ?? []) learn(object, false);
      } else if (change.object) learn(change.object, change.type === 'DELETED');
    },
    admitRequest: (_request, attributes) => (applies(attributes) && podIsPrivileged(attributes) ? PRIVILEGED_VERDICT : ALLOW),
    wantsObject: (attributes) => applies(attributes) && !podIsPrivileged(attributes),
    validate: (attributes, object, oldObject) => (applies(attributes) ? verdictOf(decide(context, attributes, object, oldObject)) : ALLOW),
  };
}

/** kube enables PodSecurity by default; a configuration that does not parse stops the server at start. */
export const POD_SECURITY_PLUGIN: PluginRegistration = {
  name: POD_SECURITY,
  defaultOn: true,
  checkConfig: (config) => void parseConfiguration(config),
  create: ({ config }) => podSecurityPlugin(config),
};

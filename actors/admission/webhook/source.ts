// What the webhook admission plugins know of the cluster, kept current from
// the stores they watch (through the admission actor): the webhook
// configurations, compiled into kube's ordered hook list (configurations by
// name, webhooks in their order); the namespaces (for namespaceSelector);
// and Services, EndpointSlices and Endpoints (to reach a webhook by Service,
// as kube-apiserver does with no kube-proxy).

import type { KubeObject } from '../../../protocol/kube/meta.js';
import type { WatchedResource } from '../plugin.js';
import type { EndpointsView } from '../../../lib/service-endpoints.js';
import type { WebhookClientConfig } from '../../../lib/webhook-client.js';
import type { MatchCondition } from './match-conditions.js';
import type { MatchConditionsRuntime } from './cel.js';
import { defaultWebhook } from '../../../scheme/kinds/webhook-configuration.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);

export interface Rule {
  operations: string[];
  apiGroups: string[];
  apiVersions: string[];
  resources: string[];
  scope: string;
}

/** One webhook of a configuration, defaulted as kube's v1 defaults it. */
export interface Hook {
  /** kube's webhook UID: `<configuration>/<name>/<index>`. */
  uid: string;
  configuration: string;
  name: string;
  client: WebhookClientConfig;
  rules: Rule[];
  failurePolicy: 'Fail' | 'Ignore';
  matchPolicy: 'Equivalent' | 'Exact';
  namespaceSelector: unknown;
  objectSelector: unknown;
  sideEffects: string;
  timeoutMs: number;
  admissionReviewVersions: string[];
  reinvocationPolicy: 'IfNeeded' | 'Never';
  /** As written; compiled on first use (conditionsOf), once CEL is loaded. */
  matchConditions: unknown[];
  compiledConditions?: MatchCondition[];
}

function clientConfigOf(raw: unknown): WebhookClientConfig {
  const cc = isObj(raw) ? raw : {};
  const config: WebhookClientConfig = {};
  if (typeof cc.url === 'string') config.url = cc.url;
  if (isObj(cc.service)) {
    const s = cc.service;
    config.service = { namespace: String(s.namespace ?? ''), name: String(s.name ?? ''), port: typeof s.port === 'number' ? s.port : 443 };
    if (typeof s.path === 'string') config.service.path = s.path;
  }
  // The API carries caBundle as base64 of PEM.
  if (typeof cc.caBundle === 'string' && cc.caBundle !== '') config.caBundle = Buffer.from(cc.caBundle, 'base64').toString('utf8');
  return config;
}

export function compileHooks(configurations: Iterable<KubeObject>, mutating: boolean): Hook[] {
  const sorted = [...configurations].sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  const hooks: Hook[] = [];
  for (const configuration of sorted) {
    const name = configuration.metadata.name ?? '';
    const webhooks = Array.isArray(configuration.webhooks) ? configuration.webhooks.filter(isObj) : [];
    webhooks.forEach((raw, index) => {
      const w = structuredClone(raw);
      defaultWebhook(w, mutating);
      hooks.push({
        uid: `${name}/${String(w.name)}/${index}`,
        configuration: name,
        name: String(w.name ?? ''),
        client: clientConfigOf(w.clientConfig),
        rules: (Array.isArray(w.rules) ? w.rules.filter(isObj) : []).map((r) => ({
          operations: strings(r.operations), apiGroups: strings(r.apiGroups), apiVersions: strings(r.apiVersions), resources: strings(r.resources), scope: String(r.scope ?? '*'),
        })),
        failurePolicy: w.failurePolicy === 'Ignore' ? 'Ignore' : 'Fail',
        matchPolicy: w.matchPolicy === 'Exact' ? 'Exact' : 'Equivalent',
        namespaceSelector: w.namespaceSelector,
        objectSelector: w.objectSelector,
        sideEffects: String(w.sideEffects ?? ''),
        timeoutMs: (typeof w.timeoutSeconds === 'number' ? w.timeoutSeconds : 10) * 1000,
        admissionReviewVersions: strings(w.admissionReviewVersions),
        reinvocationPolicy: w.reinvocationPolicy === 'IfNeeded' ? 'IfNeeded' : 'Never',
        matchConditions: Array.isArray(w.matchConditions) ? w.matchConditions : [],
      });
    });
  }
  return hooks;
}

/** A hook's compiled matchConditions. */
export function conditionsOf(hook: Hook, cel: MatchConditionsRuntime): MatchCondition[] {
  hook.compiledConditions ??= cel.compileMatchConditions(hook.matchConditions);
  return hook.compiledConditions;
}

const ADMISSION_GROUP = 'admissionregistration.k8s.io';
const NAMESPACES: WatchedResource = { group: '', plural: 'namespaces' };
const SERVICES: WatchedResource = { group: '', plural: 'services' };
const ENDPOINTS: WatchedResource = { group: '', plural: 'endpoints' };
const ENDPOINT_SLICES: WatchedResource = { group: 'discovery.k8s.io', plural: 'endpointslices' };
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

type Change = { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'SYNC'; object?: KubeObject; objects?: readonly KubeObject[] };

const keyOf = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

/** A store's objects by namespace/name, kept from its snapshot and changes. */
class Mirror {
  readonly objects = new Map<string, KubeObject>();
  apply(change: Change): void {
    if (change.type === 'SYNC') {
      this.objects.clear();
      for (const o of change.objects ?? []) this.objects.set(keyOf(o), o);
    } else if (change.object) {
      if (change.type === 'DELETED') this.objects.delete(keyOf(change.object));
      else this.objects.set(keyOf(change.object), change.object);
    }
  }
  get(namespace: string, name: string): KubeObject | undefined {
    return this.objects.get(`${namespace}/${name}`);
  }
}

/** The view one webhook plugin keeps: its configurations' hooks, namespaces and service endpoints. */
export class WebhookSource implements EndpointsView {
  readonly watches: readonly WatchedResource[];
  readonly configurations: WatchedResource;
  private readonly stored = new Mirror();
  private readonly namespaces = new Mirror();
  private readonly services = new Mirror();
  private readonly endpointsMirror = new Mirror();
  private readonly slices = new Mirror();
  private compiled: Hook[] | undefined = [];

  constructor(private readonly mutating: boolean) {
    this.configurations = { group: ADMISSION_GROUP, plural: mutating ? 'mutatingwebhookconfigurations' : 'validatingwebhookconfigurations' };
    this.watches = [this.configurations, NAMESPACES, SERVICES, ENDPOINTS, ENDPOINT_SLICES];
  }

  observe(resource: WatchedResource, change: Change): void {
    if (resource.group === ADMISSION_GROUP) {
      this.stored.apply(change);
      this.compiled = undefined;
    } else if (resource.plural === 'namespaces') this.namespaces.apply(change);
    else if (resource.plural === 'services') this.services.apply(change);
    else if (resource.plural === 'endpoints') this.endpointsMirror.apply(change);
    else if (resource.plural === 'endpointslices') this.slices.apply(change);
  }

  /** Whether some webhook has matchConditions (CEL must be loaded before matching). */
  needsCel(): boolean {
    return this.hooks().some((h) => h.matchConditions.length > 0);
  }

  /** Every webhook, in kube's order. */
  hooks(): readonly Hook[] {
    this.compiled ??= compileHooks(this.stored.objects.values(), this.mutating);
    return this.compiled;
  }

  namespace(name: string): KubeObject | undefined {
    return this.namespaces.get('', name);
  }

  service(namespace: string, name: string): KubeObject | undefined {
    return this.services.get(namespace, name);
  }

  endpoints(namespace: string, name: string): KubeObject | undefined {
    return this.endpointsMirror.get(namespace, name);
  }

  endpointSlices(namespace: string, name: string): readonly KubeObject[] {
    const found: KubeObject[] = [];
    for (const slice of this.slices.objects.values()) {
      if (slice.metadata.namespace === namespace && slice.metadata.labels?.[SERVICE_NAME_LABEL] === name) found.push(slice);
    }
    return found;
  }
}

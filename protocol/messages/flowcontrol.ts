// What the apf actor (API Priority and Fairness) tells the actor before it in
// the handler chain, so that requests of an exempt priority level need not
// make the hop through it.
//
// apf.subscribe — sent by authn at start (when it hands requests to apf
//   directly, with no audit between them).
// apf.configuration — sent by apf to each subscriber, then again at every
//   change of the FlowSchemas or PriorityLevelConfigurations: the schemas in
//   matching order and the exempt levels. Plain data: the subscriber
//   classifies with it, sends an exempt request straight to authorization with
//   kube's headers, and every other request to apf, which owns the seats.

export interface Subject {
  kind: string;
  user?: { name: string };
  group?: { name: string };
  serviceAccount?: { namespace: string; name: string };
}

export interface ResourceRule {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  clusterScope?: boolean;
  namespaces?: string[];
}

export interface NonResourceRule {
  verbs: string[];
  nonResourceURLs: string[];
}

export interface PolicyRules {
  subjects: Subject[];
  resourceRules?: ResourceRule[];
  nonResourceRules?: NonResourceRule[];
}

export interface FlowSchemaSpec {
  priorityLevelConfiguration: { name: string };
  matchingPrecedence?: number;
  distinguisherMethod?: { type: 'ByUser' | 'ByNamespace' };
  rules?: PolicyRules[];
}

/** A FlowSchema as classification reads it: its spec as stored (flowcontrol.apiserver.k8s.io/v1). */
export interface FlowSchemaRef {
  name: string;
  uid: string;
  spec: FlowSchemaSpec;
}

export interface ApfConfiguration {
  type: 'apf.configuration';
  schemas: readonly FlowSchemaRef[];
  /** Exempt priority levels: name → uid. */
  exempt: Readonly<Record<string, string>>;
}

export interface ApfSubscribe {
  type: 'apf.subscribe';
  subscriber: { send(message: ApfConfiguration): void };
}

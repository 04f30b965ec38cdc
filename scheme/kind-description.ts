// A built-in kind, described once. Routing, discovery, OpenAPI, validation,
// defaulting, strategic-merge-patch metadata and Table columns all derive
// from this record: adding a kind means adding one file under scheme/kinds/.

import type { KubeObject, UserInfo } from '../protocol/kube/meta.js';
import type { StatusCause } from '../protocol/kube/status.js';
import type { Verb } from '../protocol/messages/request.js';
import type { SchemaValidation } from './validate.js';

export type ColumnType = 'string' | 'integer' | 'number' | 'boolean' | 'date';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  format?: string;
  /** 0 is shown by default; 1 only with `-o wide`. */
  priority?: number;
  description?: string;
  cell(object: KubeObject): unknown;
}

/** Which actor serves a kind's requests. Most kinds are stored; reviews are answered by the actor that owns the decision. */
export type NameFormat = 'dns1123-subdomain' | 'dns1123-label' | 'dns1035-label' | 'path-segment';

export type ServedBy = 'store' | 'authz' | 'authn' | 'supervisor';

/** A subresource as discovery lists it: `pods/status`, `deployments/scale` (answering autoscaling/v1 Scale). */
export interface SubresourceDescription {
  name: string;
  kind: string;
  /** When the subresource answers with a kind of another group or version. */
  group?: string;
  version?: string;
  verbs: readonly string[];
  /** A custom resource's /scale: where its replicas and selector are (a CRD's subresources.scale); spec.replicas and status.replicas when absent. */
  scalePaths?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
}

/** What a kind's allocate hook hands out from, and what the other stored objects already hold. */
export interface AllocationPool {
  /** --service-cluster-ip-range. */
  serviceClusterIpRange: string;
  /** --service-node-port-range. */
  serviceNodePortRange: string;
  /** Every stored object of the resource but the one being written (pending writes included). */
  others(): Iterable<KubeObject>;
  /**
   * Whether the shared allocation record (see AllocationRecordClaim) shows an offset taken: as last
   * read, when picking a value; as a claim of it found it, when the object asks for that value.
   */
  claimed?(record: string, offset: number, requested: boolean): boolean;
}

/**
 * What an object holds of a pool that every server on one storage shares: kube's RangeAllocation
 * record at `<etcd-prefix>/ranges/<record>`, a bitmap of the range's offsets that servers change by
 * compare-and-swap, so that two servers never hand out the same value.
 */
export interface AllocationRecordClaim {
  /** serviceips, servicenodeports. */
  record: string;
  /** The range the record covers, as RangeAllocation.range says it. */
  range: string;
  /** How many values the range holds. */
  size: number;
  /** The offsets the object holds. */
  offsets: number[];
}

export interface KindDescription {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  shortNames: readonly string[];
  categories: readonly string[];
  namespaced: boolean;
  verbs: readonly Verb[];
  /** Name of the schema in scheme/generated/definitions.json, e.g. `io.k8s.api.core.v1.ConfigMap`. */
  definition: string;
  servedBy: ServedBy;
  /** A kind with no objects of its own, answered by another resource's store (bindings: the pods store binds a pod). */
  answeredByStoreOf?: { group: string; plural: string };
  /** A kind whose status is written by its creator (a Node's kubelet): create keeps it. */
  keepsStatusOnCreate?: boolean;
  /** Subresources, sorted by name; none when absent. */
  subresources?: readonly SubresourceDescription[];
  /** Where kube-apiserver keeps this resource under --etcd-prefix, when not at its plural (services/specs, minions…). */
  storagePrefix?: string;
  /** Which of kube's name rules metadata.name must follow; dns1123-subdomain when absent. */
  nameFormat?: NameFormat;
  /** True when the kind tracks metadata.generation (bumped on every non-metadata change). */
  tracksGeneration: boolean;
  /** Table columns after NAME; absent means kube's default table (NAME, CREATED AT). */
  columns?: readonly ColumnSpec[];
  /** Defaults applied on create (and on update where kube's strategy does so). Mutates its argument. */
  defaults?(object: KubeObject): void;
  /** What kube's strategy sets on create after defaulting (a Pod's first status, a Job's generated selector). Mutates its argument; uid is set. */
  prepareForCreate?(object: KubeObject): void;
  /**
   * Seconds a delete waits before the object goes (a Pod bound to a node waits for its kubelet);
   * 0 or absent: it goes at once. `requested` is DeleteOptions.gracePeriodSeconds.
   */
  gracefulDeletion?(object: KubeObject, requested: number | undefined): number;
  /**
   * Values handed out from a pool shared by every object of the resource (a Service's cluster IP and
   * node ports), set on create and update before validation: causes (a 422) when a request cannot be
   * met, or `full` (kube's 500) when nothing is left to hand out.
   */
  allocate?(object: KubeObject, old: KubeObject | undefined, pool: AllocationPool): StatusCause[] | { full: string };
  /** What an object holds of the shared allocation records (every record, even with no offsets). */
  allocationRecords?(object: KubeObject | undefined, ranges: Pick<AllocationPool, 'serviceClusterIpRange' | 'serviceNodePortRange'>): AllocationRecordClaim[];
  /** What kube records of the requesting user on create (a CSR's spec.username, uid, groups, extra). Mutates its argument. */
  fromRequester?(object: KubeObject, user: UserInfo): void;
  /** What must be cleared before a deleted object goes; metadata.finalizers when absent. */
  pendingFinalizers?(object: KubeObject): string[];
  /**
   * kube's DefaultGarbageCollectionPolicy: what a DELETE that names no propagation does to dependents.
   * DeleteDependents (Background) when absent; OrphanDependents for kinds that keep v1's old default;
   * Unsupported for kinds that never take part (Events).
   */
  garbageCollectionPolicy?: 'DeleteDependents' | 'OrphanDependents' | 'Unsupported';
  /** Marks an object whose deletion waits on finalizers (Namespace: phase Terminating). Mutates its argument. */
  beginDeletion?(object: KubeObject): void;
  /** Kind-specific validation beyond what the schema says. */
  /** `subresource` is what the write came through ('' for the main resource; 'binding' for a Binding), as kube validates each with its own rules. */
  /** `warnings` collects what is sent back as Warning headers (a custom resource's ratcheted CEL rule failures). */
  validate?(object: KubeObject, old: KubeObject | undefined, subresource: string, warnings?: string[]): StatusCause[];
  /**
   * A custom resource: its body is decoded with its CRD's structural schema (pruned, defaulted; the
   * pruned fields listed for fieldValidation) instead of the generated definitions, and it takes no
   * strategic merge patch. Mutates its argument.
   */
  decode?(object: Record<string, unknown>): SchemaValidation;
  /** Fields a field selector may name besides metadata.name and metadata.namespace (a CRD's selectableFields), with how to read each. */
  selectableFields?: Readonly<Record<string, (object: KubeObject) => string | undefined>>;
}

export function pendingFinalizersOf(kind: KindDescription, object: KubeObject): string[] {
  return kind.pendingFinalizers ? kind.pendingFinalizers(object) : (object.metadata.finalizers ?? []);
}

export function apiVersionOf(kind: Pick<KindDescription, 'group' | 'version'>): string {
  return kind.group ? `${kind.group}/${kind.version}` : kind.version;
}

/** The key prefix of a kind's objects: kube-apiserver's layout, `<etcd-prefix>/<resource>/`, so its etcd data reads the same. */
export function storageKeyPrefix(kind: Pick<KindDescription, 'plural' | 'storagePrefix'>, etcdPrefix: string): string {
  return `${etcdPrefix.replace(/\/+$/, '')}/${kind.storagePrefix ?? kind.plural}/`;
}

// kube-apiserver's storage factory: which kinds get a store, and the revision log they share.

import type { Log } from '../../lib/log.js';
import type { Scheme } from '../../scheme/scheme.js';
import { allKinds, builtinKinds, isGeneralAvailability } from '../../scheme/kinds/index.js';
import { selectKinds } from '../../scheme/runtime-config.js';
import { featureGatesOf } from '../../scheme/feature-gates.js';
import { storageKeyPrefix, type KindDescription } from '../../scheme/kind-description.js';
import { openSqliteLog } from '../store/sqlite-log.js';
import { openEtcdLogWhenReachable } from '../store/etcd-log.js';
import type { RevisionLog } from '../store/revision-log.js';
import { storeKey } from './custom-resources.js';
import type { CompletedOptions, ServerRunOptions } from './options.js';
import type { RuntimeFiles } from './runtime-files.js';

/**
 * What the server keeps for itself, served or not: its system namespaces, the kubernetes Service and
 * Endpoints, and the RBAC objects its authorizer reads (--runtime-config may turn their APIs off).
 */
const KEPT_BY_THE_SERVER = new Set(['namespaces', 'services', 'endpoints', ...['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'].map((p) => `${p}.rbac.authorization.k8s.io`)]);

/**
 * The kinds a store actor serves, each over its own key prefix of the revision log. A resource served
 * in several versions (autoscaling/v1 and v2 horizontalpodautoscalers) has one store, at the version
 * discovery prefers, as kube keeps one storage version.
 */
export function storedKindsOf(scheme: Scheme): KindDescription[] {
  const seen = new Set<string>();
  const kept = builtinKinds.filter((k) => KEPT_BY_THE_SERVER.has(storeKey(k.plural, k.group)));
  return [...scheme.kinds, ...kept].filter((k) => {
    if (k.servedBy !== 'store' || k.answeredByStoreOf || seen.has(storeKey(k.plural, k.group))) return false;
    seen.add(storeKey(k.plural, k.group));
    return true;
  });
}

/** The kinds --runtime-config serves; an invalid value leaves the defaults here and fails in CompletingOptions. */
export function servedKinds(raw: ServerRunOptions): readonly KindDescription[] {
  const served = selectKinds(raw.runtimeConfig, allKinds, isGeneralAvailability, featureGatesOf(raw.featureGates));
  return 'kinds' in served ? served.kinds : builtinKinds;
}

/** Where kubeactor kept a kind's objects before it used kube-apiserver's key layout. */
const firstLayoutPrefix = (kind: KindDescription): string => `/registry/${kind.group ? `${kind.group}/` : ''}${kind.plural}/`;

/** The revision log of --storage-backend, reachable. */
export async function openLog(options: CompletedOptions, files: RuntimeFiles, scheme: Scheme, logger: Log): Promise<RevisionLog> {
  const { raw } = options;
  if (raw.storageBackend === 'etcd3') return openEtcdLogWhenReachable({ servers: raw.etcdServers, tls: options.etcdTls, logger: logger.getSubLogger({ name: 'etcd' }) });
  return openSqliteLog(files.databasePath, storedKindsOf(scheme).map((kind) => ({ from: firstLayoutPrefix(kind), to: storageKeyPrefix(kind, raw.etcdPrefix) })));
}

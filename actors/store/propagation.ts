// The API server's half of cascading deletion (kube's
// deletionFinalizersForGarbageCollection): a DELETE that asks for Orphan or
// Foreground propagation does not delete the object; it sets the `orphan` or
// `foregroundDeletion` finalizer, the delete then only marks the object, and
// the garbage collector finishes the job. Background (or no policy, for most
// kinds) deletes at once and leaves the dependents to the collector.

import type { KubeObject } from '../../protocol/kube/meta.js';
import type { KindDescription } from '../../scheme/kind-description.js';

export const ORPHAN_FINALIZER = 'orphan';
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

export type PropagationPolicy = 'Orphan' | 'Background' | 'Foreground';

export interface PropagationOptions {
  propagationPolicy?: string;
  /** Deprecated DeleteOptions field: true is Orphan, false is Background. */
  orphanDependents?: boolean;
}

/** What the request asked for, the body's field first, then the query's (as kube decodes DeleteOptions). */
export function propagationOf(body: PropagationOptions, query: Record<string, string>): PropagationOptions {
  const options: PropagationOptions = { ...body };
  if (options.propagationPolicy === undefined && query.propagationPolicy !== undefined) options.propagationPolicy = query.propagationPolicy;
  if (options.orphanDependents === undefined && query.orphanDependents !== undefined) options.orphanDependents = query.orphanDependents === 'true';
  return options;
}

/**
 * kube's shouldOrphanDependents and shouldDeleteDependents: the request decides, then a GC
 * finalizer the object already carries, then the kind's default.
 */
function policyFor(kind: KindDescription, object: KubeObject, options: PropagationOptions): PropagationPolicy | undefined {
  const fallback = kind.garbageCollectionPolicy ?? 'DeleteDependents';
  if (fallback === 'Unsupported') return undefined;
  if (options.orphanDependents !== undefined) return options.orphanDependents ? 'Orphan' : 'Background';
  if (options.propagationPolicy !== undefined) return options.propagationPolicy as PropagationPolicy;
  const finalizers = object.metadata.finalizers ?? [];
  if (finalizers.includes(ORPHAN_FINALIZER)) return 'Orphan';
  if (finalizers.includes(FOREGROUND_FINALIZER)) return 'Foreground';
  return fallback === 'OrphanDependents' ? 'Orphan' : 'Background';
}

/** The object's finalizers after this delete, or undefined when they stay as they are. */
export function deletionFinalizers(kind: KindDescription, object: KubeObject, options: PropagationOptions): string[] | undefined {
  const policy = policyFor(kind, object, options);
  const before = object.metadata.finalizers ?? [];
  const after = before.filter((f) => f !== ORPHAN_FINALIZER && f !== FOREGROUND_FINALIZER);
  if (policy === 'Orphan') after.push(ORPHAN_FINALIZER);
  if (policy === 'Foreground') after.push(FOREGROUND_FINALIZER);
  const same = after.length === before.length && after.every((f) => before.includes(f));
  return same ? undefined : after;
}

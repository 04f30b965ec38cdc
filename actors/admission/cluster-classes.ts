// The view a plugin keeps of a cluster-scoped class resource (StorageClasses,
// IngressClasses, RuntimeClasses, PriorityClasses): every class by name, fed
// from the store's snapshot and changes; and kube's choice of the default
// class among those annotated as such (the newest, then by name).

import type { KubeObject } from '../../protocol/kube/meta.js';
import type { AdmissionPlugin } from './plugin.js';

export class ClusterClasses {
  private readonly byName = new Map<string, KubeObject>();

  readonly observe: NonNullable<AdmissionPlugin['observe']> = (_resource, change) => {
    if (change.type === 'SYNC') {
      this.byName.clear();
      for (const o of change.objects ?? []) this.byName.set(o.metadata.name ?? '', o);
    } else if (change.object) {
      if (change.type === 'DELETED') this.byName.delete(change.object.metadata.name ?? '');
      else this.byName.set(change.object.metadata.name ?? '', change.object);
    }
  };

  get(name: string): KubeObject | undefined {
    return this.byName.get(name);
  }

  /** The class annotated `<annotation>: "true"`; several: the newest, then the name first in order (kube 1.28+). */
  defaultBy(annotation: string): KubeObject | undefined {
    let chosen: KubeObject | undefined;
    for (const c of this.byName.values()) {
      if (c.metadata.annotations?.[annotation] !== 'true') continue;
      if (!chosen) {
        chosen = c;
        continue;
      }
      const [a, b] = [c.metadata.creationTimestamp ?? '', chosen.metadata.creationTimestamp ?? ''];
      if (a > b || (a === b && (c.metadata.name ?? '') < (chosen.metadata.name ?? ''))) chosen = c;
    }
    return chosen;
  }
}

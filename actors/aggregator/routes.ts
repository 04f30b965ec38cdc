// The remote APIServices the aggregator proxies, by group version: written by
// the aggregator actor alone (from its APIService, Service and endpoint
// subscriptions), read synchronously by the server chain's router and by the
// proxy actor, which must decide where a request goes without a message hop.

import type { Resolution } from './apiservices.js';
import type { UpstreamTarget } from '../proxy/upstream.js';

export interface RemoteRoute extends UpstreamTarget {
  group: string;
  version: string;
  /** The APIService's Available condition is True. */
  available: boolean;
  /** Its Service's endpoints now, as --enable-aggregator-routing finds them. */
  resolution: Resolution;
}

const key = (group: string, version: string): string => `${group}/${version}`;

export class RemoteRoutes {
  private byGroupVersion = new Map<string, RemoteRoute>();

  lookup(group: string, version: string): RemoteRoute | undefined {
    if (this.byGroupVersion.size === 0) return undefined;
    return this.byGroupVersion.get(key(group, version));
  }

  /** The remote route a non-resource path belongs to: `/apis/<g>/<v>[/…]` or `/openapi/v3/apis/<g>/<v>`. */
  forPath(path: string): RemoteRoute | undefined {
    if (this.byGroupVersion.size === 0) return undefined;
    const parts = path.split('/');
    if (parts[1] === 'apis' && parts.length >= 4) return this.lookup(parts[2]!, parts[3]!);
    if (parts[1] === 'openapi' && parts[2] === 'v3' && parts[3] === 'apis' && parts.length >= 6) return this.lookup(parts[4]!, parts[5]!);
    return undefined;
  }

  all(): IterableIterator<RemoteRoute> {
    return this.byGroupVersion.values();
  }

  replace(routes: readonly RemoteRoute[]): void {
    this.byGroupVersion = new Map(routes.map((r) => [key(r.group, r.version), r]));
  }
}

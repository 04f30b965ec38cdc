// The `extension-apiserver-authentication` ConfigMap in kube-system, as
// kube-apiserver's cluster-authentication-info controller publishes it: what
// an extension API server needs to trust this server's front proxy (the
// request-header CA, the names its client certificate may carry, the header
// names) and its clients' certificates (the client CA).

import type { KubeObject } from '../../protocol/kube/meta.js';
import type { RequestHandler } from '../../protocol/messages/request.js';
import { jsonOf, loopback } from '../../lib/loopback.js';
import { FRONT_PROXY_CLIENT_NAME } from '../supervisor/pki.js';
import { REMOTE_EXTRA_PREFIX, REMOTE_GROUP, REMOTE_USER } from '../proxy/upstream.js';

export const AUTHENTICATION_INFO = { namespace: 'kube-system', name: 'extension-apiserver-authentication' } as const;

export interface AuthenticationInfo {
  /** --client-ca-file's PEM, when given. */
  clientCaPem: string | undefined;
  /** The request-header CA's PEM: the generated front-proxy CA, or the operator's. */
  requestHeaderCaPem: string | undefined;
}

export function authenticationInfoData(info: AuthenticationInfo): Record<string, string> {
  const data: Record<string, string> = {};
  if (info.clientCaPem) data['client-ca-file'] = info.clientCaPem;
  if (info.requestHeaderCaPem) {
    data['requestheader-client-ca-file'] = info.requestHeaderCaPem;
    data['requestheader-allowed-names'] = JSON.stringify([FRONT_PROXY_CLIENT_NAME]);
    data['requestheader-username-headers'] = JSON.stringify([REMOTE_USER]);
    data['requestheader-group-headers'] = JSON.stringify([REMOTE_GROUP]);
    data['requestheader-extra-headers-prefix'] = JSON.stringify([REMOTE_EXTRA_PREFIX]);
  }
  return data;
}

/** Creates the ConfigMap, or puts its data back as it should be. */
export async function publishAuthenticationInfo(configmaps: RequestHandler | undefined, info: AuthenticationInfo): Promise<void> {
  if (!configmaps) throw new Error('no store for configmaps');
  const data = authenticationInfoData(info);
  const where = { apiGroup: '', namespace: AUTHENTICATION_INFO.namespace, resource: 'configmaps' };
  const object: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { ...AUTHENTICATION_INFO }, data };
  const created = await loopback(configmaps, 'create', where, object);
  if (created.status === 201) return;
  if (created.status !== 409) throw new Error(`creating configmap ${AUTHENTICATION_INFO.name}: ${created.status}`);
  const current = await loopback(configmaps, 'get', { ...where, name: AUTHENTICATION_INFO.name });
  const existing = jsonOf(current);
  if (JSON.stringify(existing.data) === JSON.stringify(data)) return;
  const updated = await loopback(configmaps, 'update', { ...where, name: AUTHENTICATION_INFO.name }, { ...existing, data });
  if (updated.status !== 200) throw new Error(`updating configmap ${AUTHENTICATION_INFO.name}: ${updated.status}`);
}

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

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g;

/**
 * What several servers sharing a cluster publish together, as kube's cluster-authentication-info
 * controller combines them: each CA bundle holds every server's certificates once, each list every
 * server's names once. Ours are added to what is there; nothing of another server's is taken away.
 */
export function combinedAuthenticationInfo(existing: Record<string, string> | undefined, ours: Record<string, string>): Record<string, string> {
  const data: Record<string, string> = { ...existing };
  for (const [key, value] of Object.entries(ours)) {
    const before = data[key];
    if (before === undefined) {
      data[key] = value;
    } else if (value.startsWith('-----BEGIN')) {
      const blocks = [...(before.match(PEM_BLOCK) ?? [])].map((b) => (b.endsWith('\n') ? b : `${b}\n`));
      for (const block of value.match(PEM_BLOCK) ?? []) if (!blocks.includes(block.endsWith('\n') ? block : `${block}\n`)) blocks.push(block.endsWith('\n') ? block : `${block}\n`);
      data[key] = blocks.join('');
    } else {
      let names: unknown;
      try {
        names = JSON.parse(before);
      } catch {
        names = [];
      }
      const merged = Array.isArray(names) ? names.map(String) : [];
      for (const name of JSON.parse(value) as string[]) if (!merged.includes(name)) merged.push(name);
      data[key] = JSON.stringify(merged);
    }
  }
  return data;
}

/** How often publishing reads again when another server changed the ConfigMap first. */
const PUBLISH_ATTEMPTS = 10;

/** Creates the ConfigMap, or adds this server's part to it. */
export async function publishAuthenticationInfo(configmaps: RequestHandler | undefined, info: AuthenticationInfo): Promise<void> {
  if (!configmaps) throw new Error('no store for configmaps');
  const ours = authenticationInfoData(info);
  const where = { apiGroup: '', namespace: AUTHENTICATION_INFO.namespace, resource: 'configmaps' };
  for (let attempt = 1; attempt <= PUBLISH_ATTEMPTS; attempt++) {
    const current = await loopback(configmaps, 'get', { ...where, name: AUTHENTICATION_INFO.name });
    if (current.status === 404) {
      const object: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { ...AUTHENTICATION_INFO }, data: ours };
      const created = await loopback(configmaps, 'create', where, object);
      if (created.status === 201) return;
      if (created.status !== 409) throw new Error(`creating configmap ${AUTHENTICATION_INFO.name}: ${created.status}`);
      continue;
    }
    const existing = jsonOf(current);
    const data = combinedAuthenticationInfo(existing.data as Record<string, string> | undefined, ours);
    if (JSON.stringify(existing.data) === JSON.stringify(data)) return;
    const updated = await loopback(configmaps, 'update', { ...where, name: AUTHENTICATION_INFO.name }, { ...existing, data });
    if (updated.status === 200) return;
    if (updated.status !== 409) throw new Error(`updating configmap ${AUTHENTICATION_INFO.name}: ${updated.status}`);
  }
  throw new Error(`publishing configmap ${AUTHENTICATION_INFO.name}: still conflicting after ${PUBLISH_ATTEMPTS} attempts`);
}

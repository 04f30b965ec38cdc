// Legacy service account tokens (Secrets of type kubernetes.io/service-account-token),
// as kube's authenticator checks them: a JWT signed with this server's service
// account key (--service-account-key-file's role; `sa.key` in --data-dir), held
// by a Secret that still exists, naming a ServiceAccount that still exists with
// the same uid. The token controller (actors/controllers/serviceaccount-token)
// writes them; authn keeps the index below current from the secrets and
// serviceaccounts stores, so a lookup is a map read on the request path.

import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject, UserInfo } from '../../protocol/kube/meta.js';

export const SERVICE_ACCOUNT_TOKEN_TYPE = 'kubernetes.io/service-account-token';
export const SERVICE_ACCOUNT_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
export const SERVICE_ACCOUNT_UID_ANNOTATION = 'kubernetes.io/service-account.uid';
const ISSUER = 'kubernetes/serviceaccount';
const CLAIM = 'kubernetes.io/serviceaccount';

export interface ServiceAccountKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** kube's key id: the SHA-256 of the public key's DER, base64url. */
  kid: string;
}

/** The signing key in `dataDir/sa.key` (ECDSA P-256), made on first start. */
export function ensureServiceAccountKey(dataDir: string): ServiceAccountKey {
  const path = join(dataDir, 'sa.key');
  if (!existsSync(path)) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  const privateKey = createPrivateKey(readFileSync(path));
  const publicKey = createPublicKey(privateKey);
  const kid = createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
  return { privateKey, publicKey, kid };
}

const b64url = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A legacy token for `account`, held by Secret `secretName`: kube's claims, ES256. */
export function issueLegacyToken(key: ServiceAccountKey, namespace: string, secretName: string, account: { name: string; uid: string }): string {
  const header = b64url({ alg: 'ES256', kid: key.kid });
  const claims = b64url({
    iss: ISSUER,
    [`${CLAIM}/namespace`]: namespace,
    [`${CLAIM}/secret.name`]: secretName,
    [`${CLAIM}/service-account.name`]: account.name,
    [`${CLAIM}/service-account.uid`]: account.uid,
    sub: `system:serviceaccount:${namespace}:${account.name}`,
  });
  const signature = sign('sha256', Buffer.from(`${header}.${claims}`), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${header}.${claims}.${signature.toString('base64url')}`;
}

interface Claims {
  iss?: string;
  [claim: string]: unknown;
}

/** The claims of a token this key signed, or undefined. */
function verified(key: ServiceAccountKey, token: string): Claims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [header, claims, signature] = parts as [string, string, string];
  try {
    if (!verify('sha256', Buffer.from(`${header}.${claims}`), { key: key.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'))) return undefined;
    const parsed = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as Claims;
    return parsed.iss === ISSUER ? parsed : undefined;
  } catch {
    return undefined;
  }
}

interface Held {
  namespace: string;
  secret: string;
}

const accountKey = (namespace: string, name: string): string => `${namespace}/${name}`;

/** authn's view of the legacy tokens: which Secret holds each token, and which accounts exist. */
export class ServiceAccountTokens {
  private readonly bySecret = new Map<string, string>();
  private readonly holders = new Map<string, Held>();
  private readonly accounts = new Map<string, string>();

  constructor(private readonly key: ServiceAccountKey) {}

  /** A Secret was added, changed (`object`) or deleted (undefined). */
  secret(namespace: string, name: string, object: KubeObject | undefined): void {
    const id = accountKey(namespace, name);
    const before = this.bySecret.get(id);
    if (before !== undefined) {
      this.holders.delete(before);
      this.bySecret.delete(id);
    }
    const data = object?.data as Record<string, string> | undefined;
    if (!object || object.type !== SERVICE_ACCOUNT_TOKEN_TYPE || object.metadata.deletionTimestamp || typeof data?.token !== 'string') return;
    const token = Buffer.from(data.token, 'base64').toString('utf8');
    this.bySecret.set(id, token);
    this.holders.set(token, { namespace, secret: name });
  }

  /** A ServiceAccount was added, changed or deleted. */
  account(namespace: string, name: string, object: KubeObject | undefined): void {
    const id = accountKey(namespace, name);
    if (object && !object.metadata.deletionTimestamp) this.accounts.set(id, object.metadata.uid ?? '');
    else this.accounts.delete(id);
  }

  /** kube's legacy validator: signed by us, still held by its Secret, its account still there with that uid. */
  authenticate(token: string): UserInfo | undefined {
    const held = this.holders.get(token);
    if (!held) return undefined;
    const claims = verified(this.key, token);
    if (!claims) return undefined;
    const namespace = claims[`${CLAIM}/namespace`];
    const name = claims[`${CLAIM}/service-account.name`];
    const uid = claims[`${CLAIM}/service-account.uid`];
    if (namespace !== held.namespace || claims[`${CLAIM}/secret.name`] !== held.secret || typeof name !== 'string') return undefined;
    if (this.accounts.get(accountKey(namespace, name)) !== uid) return undefined;
    return { username: `system:serviceaccount:${namespace}:${name}`, uid: uid as string, groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`] };
  }
}

// The service account issuer's keys and documents, as kube-apiserver has them:
//
// - the signing key (--service-account-signing-key-file, else `sa.key` in
//   --data-dir, an ECDSA P-256 key made on first start), which signs legacy
//   Secret-held tokens and TokenRequest tokens alike;
// - the verifying keys (--service-account-key-file, repeatable; the signing
//   key's public half is always one of them);
// - the issuers (--service-account-issuer, repeatable: the first signs, all are
//   accepted) and the API's audiences (--api-audiences, default the issuers);
// - the OIDC discovery documents kube serves for the issuer:
//   /.well-known/openid-configuration and /openid/v1/jwks.
//
// A key file that cannot be read or parsed is one line (KeyFileError) and the
// server does not start. No key material ever appears in a message.

import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type SigningAlgorithm = 'ES256' | 'ES384' | 'ES512' | 'RS256';

export interface ServiceAccountKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** kube's key id: the SHA-256 of the public key's DER, base64url. */
  kid: string;
  alg: SigningAlgorithm;
}

export interface VerifyingKey {
  publicKey: KeyObject;
  kid: string;
  alg: SigningAlgorithm;
}

/** What kube-apiserver's --service-account-issuer defaults to in kubeactor (kube requires the flag). */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

export class KeyFileError extends Error {}

/** kube's keyIDFromPublicKey. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
}

function algorithmOf(key: KeyObject, where: string): SigningAlgorithm {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ES256';
    if (curve === 'secp384r1') return 'ES384';
    if (curve === 'secp521r1') return 'ES512';
  }
  throw new KeyFileError(`${where}: unsupported key type ${key.asymmetricKeyType ?? 'unknown'}: use an RSA or ECDSA (P-256, P-384, P-521) key`);
}

function readKeyFile(flag: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new KeyFileError(`${flag}: reading ${path}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;

/** The public keys of a PEM file: public keys, private keys (their public half) and certificates, in order. */
export function publicKeysOfPem(pem: string, where: string): KeyObject[] {
  const keys: KeyObject[] = [];
  for (const match of pem.matchAll(PEM_BLOCK)) {
    const [block, type] = match as unknown as [string, string];
    try {
      if (type === 'CERTIFICATE') keys.push(new X509Certificate(block).publicKey);
      else if (type.includes('PRIVATE KEY')) keys.push(createPublicKey(createPrivateKey(block)));
      else if (type.includes('PUBLIC KEY')) keys.push(createPublicKey(block));
    } catch {
      // Never the key's text: only which block of which file.
      throw new KeyFileError(`${where}: block ${keys.length + 1} (${type}) is not a valid key`);
    }
  }
  if (keys.length === 0) throw new KeyFileError(`${where}: no PEM public key, private key or certificate found`);
  return keys;
}

function signingKeyOf(pem: string, where: string): ServiceAccountKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new KeyFileError(`${where}: not a PEM private key`);
  }
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, kid: keyIdOf(publicKey), alg: algorithmOf(privateKey, where) };
}

/** The signing key: --service-account-signing-key-file, else `dataDir/sa.key`, made on first start. */
export function ensureServiceAccountKey(dataDir: string, signingKeyFile?: string): ServiceAccountKey {
  if (signingKeyFile) return signingKeyOf(readKeyFile('--service-account-signing-key-file', signingKeyFile), `--service-account-signing-key-file ${signingKeyFile}`);
  const path = join(dataDir, 'sa.key');
  if (!existsSync(path)) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  return signingKeyOf(readKeyFile('sa.key', path), path);
}

/** The keys tokens are verified with: the signing key's, then each --service-account-key-file's. */
export function verifyingKeys(signing: ServiceAccountKey, keyFiles: readonly string[]): VerifyingKey[] {
  const keys: VerifyingKey[] = [{ publicKey: signing.publicKey, kid: signing.kid, alg: signing.alg }];
  for (const path of keyFiles) {
    const where = `--service-account-key-file ${path}`;
    for (const publicKey of publicKeysOfPem(readKeyFile('--service-account-key-file', path), where)) {
      const kid = keyIdOf(publicKey);
      if (!keys.some((k) => k.kid === kid)) keys.push({ publicKey, kid, alg: algorithmOf(publicKey, where) });
    }
  }
  return keys;
}

export interface ServiceAccountIssuer {
  /** The first issues; every one is accepted. */
  issuers: readonly string[];
  /** --api-audiences: what a token must be meant for to be accepted by this server. */
  apiAudiences: readonly string[];
  signing: ServiceAccountKey;
  keys: readonly VerifyingKey[];
  /** --service-account-max-token-expiration, in seconds (0: no limit). */
  maxExpirationSeconds: number;
  /** --service-account-jwks-uri, or the server's own address once it listens. */
  jwksUri: () => string;
}

/** kube serves discovery only for an https issuer URL (it must be one an OIDC client can fetch from). */
export function servesDiscovery(issuer: ServiceAccountIssuer): boolean {
  try {
    return new URL(issuer.issuers[0]!).protocol === 'https:';
  } catch {
    return false;
  }
}

/** /.well-known/openid-configuration */
export function openIdConfiguration(issuer: ServiceAccountIssuer): object {
  return {
    issuer: issuer.issuers[0],
    jwks_uri: issuer.jwksUri(),
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [...new Set(issuer.keys.map((k) => k.alg))].sort(),
  };
}

/** /openid/v1/jwks: every verifying key, public halves only. */
export function jwks(issuer: ServiceAccountIssuer): object {
  return {
    keys: issuer.keys.map((k) => ({ use: 'sig', ...k.publicKey.export({ format: 'jwk' }), kid: k.kid, alg: k.alg })),
  };
}

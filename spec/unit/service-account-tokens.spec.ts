// Service account tokens as kube's validators check them: legacy Secret-held
// tokens and TokenRequest's bound JWTs (audiences, expiry, bound objects),
// and the issuer's keys and discovery documents.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { issueBoundToken, issueLegacyToken, ServiceAccountTokens, type KubernetesClaims } from '../../actors/authn/service-account-tokens.js';
import { ensureServiceAccountKey, jwks, KeyFileError, openIdConfiguration, verifyingKeys, type ServiceAccountIssuer } from '../../actors/authn/service-account-keys.js';
import { SimulatedClock } from '../../harness/simulated-clock.js';
import type { KubeObject } from '../../protocol/kube/meta.js';

const dir = mkdtempSync(join(tmpdir(), 'sa-key-'));
const key = ensureServiceAccountKey(dir);
const ISSUER = 'https://kubernetes.default.svc.cluster.local';

function issuerOf(signing = key, keys = verifyingKeys(signing, [])): ServiceAccountIssuer {
  return { issuers: [ISSUER], apiAudiences: [ISSUER], signing, keys, maxExpirationSeconds: 0, jwksUri: () => 'https://127.0.0.1:6443/openid/v1/jwks' };
}

const object = (name: string, uid: string, extra: Partial<KubeObject> = {}): KubeObject => ({ metadata: { name, namespace: 'ns', uid }, ...extra });

describe('legacy service account tokens', () => {
  const secret = (token: string): KubeObject => object('bot-token', 's1', { type: 'kubernetes.io/service-account-token', data: { token: Buffer.from(token).toString('base64') } });

  it('authenticate only while signed here, held by their Secret, and their account is there with the same uid', async () => {
    const tokens = new ServiceAccountTokens(issuerOf(), new SimulatedClock());
    const token = issueLegacyToken(key, 'ns', 'bot-token', { name: 'bot', uid: 'u1' });
    assert.equal(await tokens.authenticateToken(token), undefined, 'no Secret holds it yet');
    tokens.observe('secrets', 'ns', 'bot-token', secret(token));
    assert.equal(await tokens.authenticateToken(token), undefined, 'no account yet');
    tokens.observe('serviceaccounts', 'ns', 'bot', object('bot', 'u1'));
    assert.deepEqual((await tokens.authenticateToken(token))?.user, { username: 'system:serviceaccount:ns:bot', uid: 'u1', groups: ['system:serviceaccounts', 'system:serviceaccounts:ns'] });
    tokens.observe('serviceaccounts', 'ns', 'bot', object('bot', 'u2'));
    assert.equal(await tokens.authenticateToken(token), undefined, 'a new account of that name is not the same one');
    tokens.observe('serviceaccounts', 'ns', 'bot', object('bot', 'u1'));
    tokens.observe('secrets', 'ns', 'bot-token', secret('another token'));
    assert.equal(await tokens.authenticateToken(token), undefined, 'its Secret holds another token now');
    tokens.observe('secrets', 'ns', 'bot-token', undefined);
    assert.equal(await tokens.authenticateToken(token), undefined, 'its Secret is gone');
  });

  it('refuses a token signed with another key, even in a token Secret', async () => {
    const otherDir = mkdtempSync(join(tmpdir(), 'sa-key-'));
    const forged = issueLegacyToken(ensureServiceAccountKey(otherDir), 'ns', 'bot-token', { name: 'bot', uid: 'u1' });
    const tokens = new ServiceAccountTokens(issuerOf(), new SimulatedClock());
    tokens.observe('secrets', 'ns', 'bot-token', secret(forged));
    tokens.observe('serviceaccounts', 'ns', 'bot', object('bot', 'u1'));
    assert.equal(await tokens.authenticateToken(forged), undefined);
    rmSync(otherDir, { recursive: true, force: true });
  });
});

describe('bound service account tokens (TokenRequest)', () => {
  const claims = (more: Partial<KubernetesClaims> = {}): KubernetesClaims => ({ namespace: 'ns', serviceaccount: { name: 'bot', uid: 'u1' }, ...more });

  it("carry kube's claims, signed with the issuer's key and kid", async () => {
    const clock = new SimulatedClock();
    const { token, expiresAt } = await issueBoundToken(issuerOf(), clock.now(), { audiences: ['api', 'vault'], expirationSeconds: 600, kubernetes: claims({ pod: { name: 'p', uid: 'p1' } }) });
    const payload = decodeJwt(token);
    assert.equal(decodeProtectedHeader(token).kid, key.kid);
    assert.equal(decodeProtectedHeader(token).alg, 'ES256');
    assert.equal(payload.iss, ISSUER);
    assert.equal(payload.sub, 'system:serviceaccount:ns:bot');
    assert.deepEqual(payload.aud, ['api', 'vault']);
    assert.equal(payload.exp, payload.iat! + 600);
    assert.equal(payload.nbf, payload.iat);
    assert.equal(expiresAt, payload.exp! * 1000);
    assert.match(String(payload.jti), /^[0-9a-f-]{36}$/);
    assert.deepEqual(payload['kubernetes.io'], claims({ pod: { name: 'p', uid: 'p1' } }));
  });

  it('authenticate for their audiences until they expire, with the pod and credential in the extra fields', async () => {
    const clock = new SimulatedClock();
    const tokens = new ServiceAccountTokens(issuerOf(), clock);
    tokens.observe('serviceaccounts', 'ns', 'bot', object('bot', 'u1'));
    tokens.observe('pods', 'ns', 'p', object('p', 'p1'));
    const { token } = await issueBoundToken(issuerOf(), clock.now(), { audiences: [ISSUER], expirationSeconds: 600, kubernetes: claims({ pod: { name: 'p', uid: 'p1' } }) });
    const known = await tokens.authenticateToken(token);
    assert.equal(known?.user.username, 'system:serviceaccount:ns:bot');
    assert.deepEqual(known?.user.extra?.['authentication.kubernetes.io/pod-name'], ['p']);
    assert.deepEqual(known?.user.extra?.['authentication.kubernetes.io/pod-uid'], ['p1']);
    assert.match(known!.user.extra!['authentication.kubernetes.io/credential-id']![0]!, /^JTI=/);
    assert.deepEqual(known?.audiences, [ISSUER]);
    assert.equal(await tokens.authenticateToken(token, ['vault']), undefined, 'not meant for another audience');
    clock.advance(600_000);
    assert.equal(await tokens.authenticateToken(token), undefined, 'expired');
  });

  it('refuse a token meant for another audience only', async () => {
    const clock = new SimulatedClock();
    const tokens = new ServiceAccountTokens(issuerOf(), clock);
    tokens.observe('serviceaccounts', 'ns', 'bot', object('bot', 'u1'));
    const { token } = await issueBoundToken(issuerOf(), clock.now(), { audiences: ['vault'], expirationSeconds: 600, kubernetes: claims() });
    assert.equal(await tokens.authenticateToken(token), undefined);
    assert.equal((await tokens.authenticateToken(token, ['vault']))?.user.username, 'system:serviceaccount:ns:bot');
  });

  it('stop working when the object they are bound to is deleted, or replaced by one of the same name', async () => {
    const clock = new SimulatedClock();
    const tokens = new ServiceAccountTokens(issuerOf(), clock);
    tokens.observe('serviceaccounts', 'ns', 'bot', object('bot', 'u1'));
    tokens.observe('secrets', 'ns', 's', object('s', 's1'));
    tokens.observe('nodes', '', 'n', { metadata: { name: 'n', uid: 'n1' } });
    const bound = async (more: Partial<KubernetesClaims>): Promise<string> => (await issueBoundToken(issuerOf(), clock.now(), { audiences: [ISSUER], expirationSeconds: 3600, kubernetes: claims(more) })).token;
    const toSecret = await bound({ secret: { name: 's', uid: 's1' } });
    const toNode = await bound({ node: { name: 'n', uid: 'n1' } });
    assert.ok(await tokens.authenticateToken(toSecret));
    assert.ok(await tokens.authenticateToken(toNode));
    tokens.observe('secrets', 'ns', 's', object('s', 's2'));
    assert.equal(await tokens.authenticateToken(toSecret), undefined, 'a new secret of that name');
    tokens.observe('nodes', '', 'n', undefined);
    assert.equal(await tokens.authenticateToken(toNode), undefined, 'the node is gone');
    tokens.observe('serviceaccounts', 'ns', 'bot', undefined);
    assert.equal(await tokens.authenticateToken(await bound({})), undefined, 'the account is gone');
  });

  it('are verified with any --service-account-key-file key, and refused when signed by an unknown one', async () => {
    const clock = new SimulatedClock();
    const old = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const oldPem = join(dir, 'old.pub');
    writeFileSync(oldPem, old.publicKey.export({ type: 'spki', format: 'pem' }));
    const keys = verifyingKeys(key, [oldPem]);
    assert.deepEqual(keys.map((k) => k.alg), ['ES256', 'RS256']);
    const oldPrivate = join(dir, 'old.key');
    writeFileSync(oldPrivate, old.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const oldSigning = ensureServiceAccountKey(dir, oldPrivate);
    const tokens = new ServiceAccountTokens(issuerOf(key, keys), clock);
    tokens.observe('serviceaccounts', 'ns', 'bot', object('bot', 'u1'));
    const { token } = await issueBoundToken(issuerOf(oldSigning), clock.now(), { audiences: [ISSUER], expirationSeconds: 600, kubernetes: claims() });
    assert.ok(await tokens.authenticateToken(token), 'signed by a key the server verifies with');
    const stranger = new ServiceAccountTokens(issuerOf(), clock);
    stranger.observe('serviceaccounts', 'ns', 'bot', object('bot', 'u1'));
    assert.equal(await stranger.authenticateToken(token), undefined);
    const [header, payload] = token.split('.');
    assert.equal(await tokens.authenticateToken(`${header}.${payload}.AAAA`), undefined, 'a forged signature');
  });
});

describe('the issuer', () => {
  it('serves its discovery document and public keys, never a private part', () => {
    const issuer = issuerOf();
    assert.deepEqual(openIdConfiguration(issuer), {
      issuer: ISSUER,
      jwks_uri: 'https://127.0.0.1:6443/openid/v1/jwks',
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['ES256'],
    });
    const set = jwks(issuer) as { keys: Record<string, string>[] };
    assert.equal(set.keys.length, 1);
    assert.deepEqual(Object.keys(set.keys[0]!).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    assert.equal(set.keys[0]!.kid, key.kid);
  });

  it('refuses a malformed key file in one line that shows none of its content', () => {
    const bad = join(dir, 'bad.key');
    writeFileSync(bad, '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LXN0dWZm\n-----END PRIVATE KEY-----\n');
    assert.throws(() => ensureServiceAccountKey(dir, bad), (e: Error) => e instanceof KeyFileError && !e.message.includes('c2VjcmV0') && !e.message.includes('\n'));
    assert.throws(() => verifyingKeys(key, [bad]), (e: Error) => e instanceof KeyFileError && /block 1/.test(e.message));
    assert.throws(() => verifyingKeys(key, [join(dir, 'absent.pub')]), /--service-account-key-file: reading .*absent.pub: ENOENT/);
  });
});

process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

// OIDC, as kube-apiserver takes it: an issuer the spec runs on loopback
// (HTTPS with its own CA, a discovery document and a JWKS) signs ID tokens,
// and the real kubectl logs in with them. --authentication-config's JWT
// authenticator maps claims with CEL and checks claim and user validation
// rules; the --oidc-* flags give kube's defaults (the issuer as the username's
// prefix). A token of the wrong audience, expired, forged, or failing a rule
// gets 401; a bad config file is one line at start.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import { kubectl, KUBECTL_VERSIONS } from '../support/kubectl.js';
import { startTestServer, tempDir, type TestServer } from '../support/server.js';
import { call, credentialsOf, type Credentials } from '../support/http.js';
import { makeTestCa, startTestWebhook, type TestCa, type TestWebhook } from '../support/webhook-server.js';
import { startServer, StartupError } from '../../harness/start-server.js';
import { tokenKubeconfig, UNAUTHORIZED } from '../support/tokens.js';

interface Issuer {
  url: string;
  ca: TestCa;
  server: TestWebhook;
  sign(claims: JWTPayload, options?: { key?: KeyObject; expiresIn?: number }): Promise<string>;
}

/** An OIDC issuer on 127.0.0.1: discovery at /.well-known/openid-configuration, keys at /keys, RS256. */
async function startIssuer(): Promise<Issuer> {
  const ca = await makeTestCa('oidc-test-ca');
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const server = await startTestWebhook(ca);
  const url = server.url('').replace(/\/$/, '');
  server.handle((_body, request) => {
    if (request.url === '/.well-known/openid-configuration') return { issuer: url, jwks_uri: `${url}/keys`, id_token_signing_alg_values_supported: ['RS256'] };
    if (request.url === '/keys') return { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'one', alg: 'RS256', use: 'sig' }] };
    return {};
  });
  return {
    url, ca, server,
    sign: (claims, options = {}) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'one' }).setIssuer(url).setIssuedAt(now).setExpirationTime(now + (options.expiresIn ?? 600)).sign(options.key ?? privateKey);
    },
  };
}

const whoamiAs = (creds: Credentials, token: string) =>
  call(creds, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { token, body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }) });

const indent = (text: string, spaces: number): string => text.trim().split('\n').map((l) => `${' '.repeat(spaces)}${l}`).join('\n');

describe('OIDC through --authentication-config (a JWT authenticator with CEL claim mappings)', () => {
  const dir = tempDir('oidc');
  let issuer: Issuer;
  let server: TestServer;
  let creds: Credentials;
  const jane = { sub: 'u-123', aud: 'kubeactor', email: 'jane@example.com', hd: 'example.com', groups: ['devs', 'qa'], tenant: 'blue' };

  before(async () => {
    issuer = await startIssuer();
    const config = join(dir, 'authn.yaml');
    writeFileSync(config, [
      'apiVersion: apiserver.config.k8s.io/v1beta1',
      'kind: AuthenticationConfiguration',
      'jwt:',
      '- issuer:',
      `    url: ${issuer.url}`,
      '    audiences: [kubeactor]',
      '    certificateAuthority: |',
      indent(issuer.ca.certPem, 6),
      '  claimValidationRules:',
      '  - expression: \'claims.hd == "example.com"\'',
      '    message: the hosted domain must be example.com',
      '  claimMappings:',
      '    username:',
      '      expression: \'"oidc:" + claims.email\'',
      '    groups:',
      '      claim: groups',
      '      prefix: "oidc:"',
      '    uid:',
      '      claim: sub',
      '    extra:',
      '    - key: example.com/tenant',
      '      valueExpression: claims.tenant',
      '  userValidationRules:',
      '  - expression: "!user.username.startsWith(\'oidc:system\')"',
      '    message: no system names',
      '',
    ].join('\n'));
    server = await startTestServer({ authenticationConfig: config });
    creds = credentialsOf(server.kubeconfigPath);
  });
  after(async () => {
    await server.dispose();
    await issuer.server.close();
  });

  for (const version of KUBECTL_VERSIONS) {
    it(`kubectl ${version} logs in with an ID token, mapped by the claim mappings`, async () => {
      const run = kubectl(version, tokenKubeconfig(dir, `jane-${version}`, server, await issuer.sign(jane)));
      const review = JSON.parse(await run.ok(['create', '--validate=false', '-o', 'json', '-f', '-'], { input: 'apiVersion: authentication.k8s.io/v1\nkind: SelfSubjectReview\n' }));
      assert.deepEqual(review.status.userInfo, {
        username: 'oidc:jane@example.com', uid: 'u-123', groups: ['oidc:devs', 'oidc:qa', 'system:authenticated'], extra: { 'example.com/tenant': ['blue'] },
      });
      const denied = await run.run(['get', 'pods']);
      assert.match(denied.stderr, /pods is forbidden: User "oidc:jane@example.com" cannot list resource "pods" in API group "" in the namespace "default"/);
    });
  }

  it('refuses with 401 a token for another audience, expired, signed by another key, or failing a validation rule', async () => {
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const bad = [
      await issuer.sign({ ...jane, aud: 'someone-else' }),
      await issuer.sign(jane, { expiresIn: -120 }),
      await issuer.sign(jane, { key: stranger }),
      await issuer.sign({ ...jane, hd: 'evil.com' }),
      await issuer.sign({ ...jane, email: 'system:masters' }),
      await issuer.sign({ ...jane, email: undefined }),
    ];
    for (const token of bad) {
      const reply = await whoamiAs(creds, token);
      assert.equal(reply.status, 401);
      assert.deepEqual(reply.json(), UNAUTHORIZED);
    }
    assert.equal((await whoamiAs(creds, await issuer.sign(jane))).status, 201, 'while a good one passes');
  });

  it("answers a TokenReview's spec.audiences as kube does: an ID token (or a static token) is good only for the API's audiences among them", async () => {
    const review = async (token: string, audiences?: string[]) => {
      const reply = await call(creds, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', { body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, ...(audiences ? { audiences } : {}) } }) });
      assert.equal(reply.status, 201);
      return reply.json().status as { authenticated?: boolean; audiences?: string[]; user?: { username?: string } };
    };
    const api = 'https://kubernetes.default.svc.cluster.local';
    const token = await issuer.sign(jane);
    assert.deepEqual((await review(token)).audiences, [api]);
    const both = await review(token, ['vault', api]);
    assert.equal(both.authenticated, true);
    assert.equal(both.user?.username, 'oidc:jane@example.com');
    assert.deepEqual(both.audiences, [api]);
    // kube intersects with the API's audiences, not the OIDC client's: `kubeactor` alone is no audience of the API.
    assert.notEqual((await review(token, ['kubeactor'])).authenticated, true);
    assert.notEqual((await review(token, ['vault'])).authenticated, true);
    assert.notEqual((await review(creds.token, ['vault'])).authenticated, true);
    assert.deepEqual((await review(creds.token, [api, 'vault'])).audiences, [api]);
  });
});

describe('OIDC through the --oidc-* flags', () => {
  let issuer: Issuer;
  let server: TestServer;
  let creds: Credentials;
  const dir = tempDir('oidc-flags');

  before(async () => {
    issuer = await startIssuer();
    const caFile = join(dir, 'ca.crt');
    writeFileSync(caFile, issuer.ca.certPem);
    server = await startTestServer({ oidcIssuerUrl: issuer.url, oidcClientId: 'kubectl', oidcCaFile: caFile, oidcGroupsClaim: 'groups', oidcRequiredClaim: ['team=platform'] });
    creds = credentialsOf(server.kubeconfigPath);
  });
  after(async () => {
    await server.dispose();
    await issuer.server.close();
  });

  it("takes sub prefixed with the issuer by default, groups unprefixed, and requires --oidc-required-claim", async () => {
    const reply = await whoamiAs(creds, await issuer.sign({ sub: 'jane', aud: 'kubectl', groups: 'admins', team: 'platform' }));
    assert.equal(reply.status, 201);
    assert.deepEqual(reply.json().status.userInfo, { username: `${issuer.url}#jane`, groups: ['admins', 'system:authenticated'] });
    assert.equal((await whoamiAs(creds, await issuer.sign({ sub: 'jane', aud: 'kubectl', team: 'web' }))).status, 401);
  });
});

describe('a bad OIDC configuration', () => {
  const dir = tempDir('oidc-bad');
  const refused = async (options: Record<string, unknown>): Promise<string[]> => {
    const error = await startServer({ securePort: 0, quiet: true, dataDir: tempDir('oidc-bad-data'), ...options }).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof StartupError);
    return error.outcome.optionErrors;
  };

  it('is one line at start: a CEL expression that does not compile, a missing prefix, or both flags and a file', async () => {
    const file = (name: string, body: string): string => {
      const path = join(dir, name);
      writeFileSync(path, `apiVersion: apiserver.config.k8s.io/v1beta1\nkind: AuthenticationConfiguration\njwt:\n- issuer:\n    url: https://issuer.example\n    audiences: [a]\n  claimMappings:\n${body}`);
      return path;
    };
    const cel = await refused({ authenticationConfig: file('cel.yaml', "    username:\n      expression: 'claims.email +'\n") });
    assert.equal(cel.length, 1);
    assert.match(cel[0]!, /^jwt\[0\]\.claimMappings\.username\.expression: Invalid value: .*compilation failed/);
    assert.deepEqual(await refused({ authenticationConfig: file('prefix.yaml', '    username:\n      claim: email\n') }), [
      'jwt[0].claimMappings.username.prefix: Required value: prefix is required when claim is set. It can be set to an empty string to disable prefixing',
    ]);
    assert.deepEqual(await refused({ authenticationConfig: file('both.yaml', '    username:\n      claim: sub\n      prefix: ""\n'), oidcIssuerUrl: 'https://x', oidcClientId: 'y' }), [
      'authentication-config file and oidc-* flags are mutually exclusive',
    ]);
  });
});

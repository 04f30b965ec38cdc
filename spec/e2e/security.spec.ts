// Credentials and bad input, as issue #15 asks: a malformed certificate,
// key or config file given by flag is one line at start and exit 1; no
// token reaches the log or an audit event below RequestResponse; a token
// never appears in an error.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN } from '../support/process.js';
import { startTestServer, tempDir } from '../support/server.js';
import { call, credentialsOf } from '../support/http.js';

function runCli(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, '--secure-port=0', ...args], { timeout: 30_000 }, (error, _stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr });
    });
  });
}

describe('flags naming files the server cannot use', () => {
  const dir = tempDir('bad-files');
  const garbage = join(dir, 'garbage.pem');
  writeFileSync(garbage, '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n');
  const cases: [string, RegExp][] = [
    [`--client-ca-file=${garbage}`, /--client-ca-file: .*: no PEM certificate found/],
    [`--requestheader-client-ca-file=${garbage}`, /--requestheader-client-ca-file: .*: no PEM certificate found/],
    [`--service-account-key-file=${garbage}`, /--service-account-key-file .*: block 1 \(PRIVATE KEY\) is not a valid key/],
    [`--service-account-signing-key-file=${garbage}`, /--service-account-signing-key-file .*: not a PEM private key/],
    [`--authentication-config=${garbage}`, /--authentication-config .*/],
    [`--authorization-config=${garbage}`, /--authorization-config .*/],
    [`--authentication-token-webhook-config-file=${garbage}`, /--authentication-token-webhook-config-file: /],
    ['--oidc-issuer-url=https://issuer.example', /oidc-issuer-url and oidc-client-id must be specified together/],
  ];
  for (const [flag, message] of cases) {
    it(`${flag.split('=')[0]}: one line, exit 1, none of the file's content`, async () => {
      const result = await runCli([`--data-dir=${join(dir, 'data')}`, flag]);
      assert.equal(result.code, 1, result.stderr);
      const errors = result.stderr.split('\n').filter((l) => l.startsWith('Error:'));
      assert.equal(errors.length, 1, result.stderr);
      assert.match(errors[0]!, message);
      assert.doesNotMatch(result.stderr, /bm90IGEga2V5/);
    });
  }
});

describe('tokens stay out of logs and audit events', () => {
  it('a TokenReview at the Request audit level records no token, and a bad token is in no reply', async () => {
    const dir = tempDir('audit-tokens');
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Request\n');
    const log = join(dir, 'audit.log');
    const server = await startTestServer({ auditPolicyFile: policy, auditLogPath: log });
    try {
      const creds = credentialsOf(server.kubeconfigPath);
      const secret = 'a-very-secret-token-value';
      const review = await call(creds, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', { body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: secret } }) });
      assert.equal(review.status, 201);
      const refused = await call(creds, 'GET', '/api/v1/namespaces', { token: secret });
      assert.equal(refused.status, 401);
      assert.doesNotMatch(refused.body, new RegExp(secret));
      const audit = readFileSync(log, 'utf8');
      assert.match(audit, /tokenreviews/);
      assert.doesNotMatch(audit, new RegExp(secret));
      assert.doesNotMatch(audit, new RegExp(creds.token ?? 'no-admin-token'));
    } finally {
      await server.dispose();
    }
  });
});

// The kubeconfig reader behind `kubeactor actors`: client-go's current
// context, inline data or files, tokens or client certificates.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { defaultKubeconfigPath, KubeconfigError, readKubeconfig } from '../../lib/kubeconfig.js';
import { renderTree, renderTransition } from '../../bin/actors.js';
import type { ActorRecord } from '../../protocol/messages/lifecycle.js';
import { tempDir } from '../support/temp.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

function writeConfig(dir: string): string {
  mkdirSync(join(dir, 'certs'));
  writeFileSync(join(dir, 'certs', 'client.crt'), 'CERT');
  writeFileSync(join(dir, 'certs', 'client.key'), 'KEY');
  writeFileSync(join(dir, 'token'), 'from-file\n');
  const path = join(dir, 'config');
  writeFileSync(path, stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'second',
    contexts: [
      { name: 'first', context: { cluster: 'a', user: 'token-user' } },
      { name: 'second', context: { cluster: 'b', user: 'cert-user' } },
      { name: 'third', context: { cluster: 'a', user: 'file-token-user' } },
    ],
    clusters: [
      { name: 'a', cluster: { server: 'https://a:6443', 'certificate-authority-data': b64('CA-A') } },
      { name: 'b', cluster: { server: 'https://b:6443', 'insecure-skip-tls-verify': true } },
    ],
    users: [
      { name: 'token-user', user: { token: 'inline' } },
      { name: 'cert-user', user: { 'client-certificate': 'certs/client.crt', 'client-key-data': b64('KEY-DATA') } },
      { name: 'file-token-user', user: { tokenFile: 'token' } },
    ],
  }));
  return path;
}

describe('kubeconfig', () => {
  it('follows current-context to its cluster and user, reading relative files beside the kubeconfig', () => {
    const dir = tempDir('kubeconfig');
    const access = readKubeconfig(writeConfig(dir));
    assert.deepEqual(access, { server: 'https://b:6443', ca: undefined, insecureSkipTlsVerify: true, token: undefined, cert: 'CERT', key: 'KEY-DATA' });
    rmSync(dir, { recursive: true, force: true });
  });

  it('uses a named context instead when one is given, with inline or file tokens', () => {
    const dir = tempDir('kubeconfig');
    const path = writeConfig(dir);
    assert.deepEqual(readKubeconfig(path, 'first'), { server: 'https://a:6443', ca: 'CA-A', insecureSkipTlsVerify: false, token: 'inline', cert: undefined, key: undefined });
    assert.equal(readKubeconfig(path, 'third').token, 'from-file');
    assert.throws(() => readKubeconfig(path, 'missing'), KubeconfigError);
    rmSync(dir, { recursive: true, force: true });
  });

  it('looks in $KUBECONFIG first, then ~/.kube/config', () => {
    assert.equal(defaultKubeconfigPath({ KUBECONFIG: '/x/one:/x/two' }), '/x/one');
    assert.match(defaultKubeconfigPath({}), /\/\.kube\/config$/);
  });
});

describe('the terminal rendering of the actor tree', () => {
  const record = (id: string, parent: string | null, children: string[] = []): ActorRecord => ({
    id, parent, children, state: 'Serving', status: 'active', tags: [], counters: { handled: 1, errors: 0 }, restarts: 0, transitions: [],
  });

  it('draws children under their parent, the last one closed off', () => {
    const lines = renderTree([record('supervisor', null, ['a', 'b']), record('a', 'supervisor'), record('b', 'supervisor')]);
    assert.deepEqual(lines, [
      'supervisor  Serving  active  handled=1 errors=0 restarts=0',
      '├─ a  Serving  active  handled=1 errors=0 restarts=0',
      '└─ b  Serving  active  handled=1 errors=0 restarts=0',
    ]);
  });

  it('prints a transition on one line, with a crash\'s cause', () => {
    assert.equal(
      renderTransition({ actor: 'store/x', from: 'Serving', to: 'Serving', status: 'error', cause: 'crash: killed', at: '2026-01-01T00:00:00.000Z' }),
      '2026-01-01T00:00:00.000Z  store/x: Serving -> Serving (error)  crash: killed',
    );
  });
});

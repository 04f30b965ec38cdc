// `kubeactor` as a process: flags, the one line it prints, signals, and
// state that survives a restart.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubectl } from '../support/kubectl.js';
import { tempDir } from '../support/server.js';
import { BIN, startProcess } from '../support/process.js';

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('the kubeactor command', () => {
  it('lists kube-apiserver flag names in --help', async () => {
    const result = await runCli(['--help']);
    assert.equal(result.code, 0);
    for (const flag of ['--secure-port', '--bind-address', '--token-auth-file', '--authorization-mode', '--shutdown-delay-duration', '--etcd-servers']) {
      assert.match(result.stdout, new RegExp(flag));
    }
  });

  it('exits 2 with one clear line for an unknown flag', async () => {
    const result = await runCli(['--bogus-flag=1']);
    assert.equal(result.code, 2);
    assert.equal(result.stderr.trim().split('\n').length, 1);
    assert.equal(result.stderr, 'Error: unknown flag: --bogus-flag\n');
  });

  it('exits 2 with one clear line for an invalid value', async () => {
    const port = await runCli(['--secure-port=abc']);
    assert.equal(port.code, 2);
    assert.match(port.stderr, /^Error: invalid argument "abc" for "--secure-port" flag/);
    const mode = await runCli(['--authorization-mode=Magic', `--data-dir=${tempDir('bad')}`]);
    assert.equal(mode.code, 2);
    assert.equal(mode.stderr.trim().split('\n').filter((l) => l.startsWith('Error:')).length, 1);
    assert.match(mode.stderr, /--authorization-mode "Magic" is not a valid mode/);
  });

  it('refuses --authorization-config beside --authorization-mode or an --authorization-webhook-* flag, in kube\'s one line', async () => {
    const dir = tempDir('authz-config-and-mode');
    const config = join(dir, 'authz.yaml');
    writeFileSync(config, 'apiVersion: apiserver.config.k8s.io/v1\nkind: AuthorizationConfiguration\nauthorizers:\n- type: RBAC\n  name: rbac\n');
    for (const legacy of ['--authorization-mode=Node,RBAC', '--authorization-webhook-version=v1']) {
      const result = await runCli([`--authorization-config=${config}`, legacy, `--data-dir=${dir}`]);
      assert.notEqual(result.code, 0);
      const lines = result.stderr.trim().split('\n').filter((l) => l.startsWith('Error:'));
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0]!, /--authorization-config can not be specified when --authorization-mode or --authorization-webhook-\* flags are defined$/);
    }
  });

  it('prints the export line, stops on SIGTERM with status 0, and keeps every object across a restart', async () => {
    const dataDir = tempDir('restart');
    try {
      const first = await startProcess(dataDir);
      // Written with the oldest kubectl, read back after the restart with the newest.
      const k = kubectl('1.27', first.kubeconfig);
      await k.ok(['create', 'configmap', 'kept', '-n', 'default', '--from-literal=a=b']);
      const before = JSON.parse(await k.ok(['get', 'cm', 'kept', '-n', 'default', '-o', 'json'])) as { metadata: { uid: string; resourceVersion: string } };
      first.child.kill('SIGTERM');
      assert.equal(await first.exited, 0);

      const second = await startProcess(dataDir);
      const k2 = kubectl('1.33', second.kubeconfig);
      const after = JSON.parse(await k2.ok(['get', 'cm', 'kept', '-n', 'default', '-o', 'json'])) as { metadata: { uid: string; resourceVersion: string } };
      assert.equal(after.metadata.uid, before.metadata.uid);
      assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion);
      const created = JSON.parse(await k2.ok(['create', 'configmap', 'later', '-n', 'default', '-o', 'json'])) as { metadata: { resourceVersion: string } };
      assert.ok(Number(created.metadata.resourceVersion) > Number(before.metadata.resourceVersion));
      second.child.kill('SIGTERM');
      assert.equal(await second.exited, 0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

// The official Python client (Debian's python3-kubernetes), a second real
// client beside kubectl and client-node: its watch helper sends watch=True,
// which kube's rule for boolean parameters makes a watch.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { suiteServer } from '../support/server.js';

const STORY = fileURLToPath(new URL('../../../spec/fixtures/python/client_story.py', import.meta.url));

function runPython(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('/usr/bin/python3', [STORY, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('the official Python client', () => {
  const suite = suiteServer();

  it('creates, lists with a selector, patches, watches with its watch helper and deletes', async () => {
    const result = await runPython([suite.server.kubeconfigPath, 'python-story']);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const steps = Object.fromEntries(result.stdout.trim().split('\n').map((line) => {
      const { step, ...facts } = JSON.parse(line) as { step: string } & Record<string, unknown>;
      return [step, facts];
    }));
    assert.equal(steps.create?.name, 'settings');
    assert.equal(steps.create?.uid, true);
    assert.deepEqual(steps.list, { names: ['settings'] });
    assert.deepEqual(steps.patch, { mode: 'two' });
    assert.deepEqual(steps.watch, { events: [['ADDED', 'settings', 'two'], ['MODIFIED', 'settings', 'three']] });
    assert.deepEqual(steps.delete, { status: 'Success' });
    assert.deepEqual(steps['read-after-delete'], { status: 404, reason: 'NotFound' });
  });
});

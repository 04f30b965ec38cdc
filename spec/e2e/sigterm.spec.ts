// A real kubeactor process, a real SIGTERM, real kubectl: with
// --shutdown-delay-duration=2s, what kube-apiserver's users rely on holds.
// An open `kubectl get -w` keeps receiving events through the delay and ends
// cleanly when the server stops listening; requests accepted before
// NotAcceptingNewRequest complete; the process exits 0.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { kubectl } from '../support/kubectl.js';
import { tempDir } from '../support/temp.js';
import { startProcess } from '../support/process.js';
import { credentialsOf, ServerClient } from '../../harness/client.js';

function linesOf(stream: NodeJS.ReadableStream): { text: () => string; seen: (pattern: RegExp) => Promise<void> } {
  let text = '';
  const waiting: { pattern: RegExp; resolve: () => void }[] = [];
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    for (const w of [...waiting]) if (w.pattern.test(text)) waiting.splice(waiting.indexOf(w), 1), w.resolve();
  });
  return { text: () => text, seen: (pattern) => (pattern.test(text) ? Promise.resolve() : new Promise((resolve) => waiting.push({ pattern, resolve }))) };
}

describe('SIGTERM with --shutdown-delay-duration=2s', () => {
  it('keeps `kubectl get cm -w` and in-flight requests working until the server stops listening, then exits 0', async () => {
    const dataDir = tempDir('sigterm');
    try {
      const server = await startProcess(dataDir, ['--shutdown-delay-duration=2s'], 'info');
      const k = kubectl('1.33', server.kubeconfig);
      await k.ok(['create', 'configmap', 'before', '-n', 'default']);
      const watch = k.start(['get', 'configmaps', '-n', 'default', '-w', '--output-watch-events']);
      const watched = linesOf(watch.stdout!);
      const watchExit = new Promise<number | null>((resolve) => watch.on('exit', resolve));
      await watched.seen(/ADDED\s+before/);

      server.child.kill('SIGTERM');
      await server.logged(/ShutdownInitiated/);
      // Accepted during the delay, finished after the server stopped accepting new requests.
      const held = new ServerClient(credentialsOf(server.kubeconfig)).startHeld('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'in-flight' } });
      await k.ok(['create', 'configmap', 'during-delay', '-n', 'default']);
      await watched.seen(/ADDED\s+during-delay/);
      const readyz = await k.run(['get', '--raw', '/readyz']);
      assert.notEqual(readyz.code, 0, '/readyz fails from ShutdownInitiated on');
      assert.equal((await k.run(['get', '--raw', '/livez'])).stdout, 'ok');

      await server.logged(/NotAcceptingNewRequest/);
      const reply = await held.release();
      assert.equal(reply.status, 201, reply.body);
      await watched.seen(/ADDED\s+in-flight/);

      assert.equal(await server.exited, 0);
      assert.equal(await watchExit, 0, 'kubectl get -w ends cleanly when the watch is closed');
      const phases = ['ShutdownInitiated', 'AfterShutdownDelayDuration', 'NotAcceptingNewRequest', 'InFlightRequestsDrained', 'HTTPServerStoppedListening', 'Stopped'];
      const logged = phases.map((phase) => server.output().search(new RegExp(`\\b${phase} \\(\\+`)));
      assert.ok(logged.every((at, i) => at > 0 && (i === 0 || at > logged[i - 1]!)), `phases logged in order: ${logged.join(', ')}`);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

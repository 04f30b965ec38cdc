// The actor tree from outside: `kubeactor actors` in a terminal, and
// /debug/actors/ui in headless Chromium (Debian's, driven by playwright-core)
// through `kubectl proxy`, watching a shutdown's states appear live.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { BIN, startProcess, type Started } from '../support/process.js';
import { kubectlPath } from '../support/kubectl.js';
import { finishDrain, simulated } from '../support/simulated.js';
import { settle } from '../../harness/start-server.js';
import { tempDir } from '../support/temp.js';

const run = promisify(execFile);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** `kubectl proxy` on a free port; resolves with its address once it serves. */
function kubectlProxy(kubeconfig: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(kubectlPath('1.33'), ['proxy', '--port=0', `--kubeconfig=${kubeconfig}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const match = /Starting to serve on ([\d.]+:\d+)/.exec(out);
      if (match) resolve({ url: `http://${match[1]}`, child });
    });
    child.on('exit', (code) => reject(new Error(`kubectl proxy exited ${code}: ${out}`)));
  });
}

describe('kubeactor actors (the terminal view)', () => {
  let server: Started;
  const dataDir = tempDir('actors-cli');
  before(async () => {
    server = await startProcess(dataDir);
  });
  after(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the tree from the kubeconfig\'s server, the supervisor at its root', async () => {
    const { stdout } = await run(process.execPath, [BIN, 'actors', `--kubeconfig=${server.kubeconfig}`]);
    const lines = stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^supervisor {2}Ready {2}active {2}handled=\d+/);
    assert.ok(lines.some((l) => /^├─ store\/configmaps {2}Serving {2}active/.test(l)));
    assert.ok(lines.some((l) => /^├─ listener {2}Listening/.test(l)));
    // The built-in controllers start last, once the server is ready.
    assert.match(lines.at(-1)!, /^└─ controller\/\S+ {2}Running/);
  });

  it('reads $KUBECONFIG when no --kubeconfig is given, and says clearly when it cannot reach a server', async () => {
    const { stdout } = await run(process.execPath, [BIN, 'actors'], { env: { ...process.env, KUBECONFIG: server.kubeconfig } });
    assert.match(stdout, /^supervisor/);
    const failed = await run(process.execPath, [BIN, 'actors', '--kubeconfig=/nonexistent/config']).catch((e: { code: number; stderr: string }) => e);
    assert.equal((failed as { code: number }).code, 1);
    assert.equal((failed as { stderr: string }).stderr.trim().split('\n').length, 1);
    assert.match((failed as { stderr: string }).stderr, /^Error: cannot read kubeconfig \/nonexistent\/config/);
  });
});

describe('kubeactor actors -w (the terminal view, following)', () => {
  it('prints the tree, then each transition of a shutdown, and exits when the server ends the stream', async () => {
    const dataDir = tempDir('actors-watch');
    const server = await startProcess(dataDir);
    try {
      const follower = spawn(process.execPath, [BIN, 'actors', '-w', `--kubeconfig=${server.kubeconfig}`], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      follower.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      const exited = new Promise<number | null>((resolve) => follower.on('exit', resolve));
      await settle(() => /^├─ listener {2}Listening/m.test(out) && /^└─ controller\//m.test(out), 'the tree');
      server.child.kill('SIGTERM');
      assert.equal(await exited, 0);
      const transitions = out.split('\n').filter((l) => / supervisor: /.test(l)).map((l) => l.replace(/^\S+ {2}/, ''));
      assert.deepEqual(transitions.slice(0, 2), ['supervisor: Ready -> ShutdownInitiated', 'supervisor: ShutdownInitiated -> AfterShutdownDelayDuration']);
      assert.ok(out.includes('listener: Listening -> NotAcceptingNewRequest'));
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('/debug/actors/ui (the browser view)', () => {
  let browser: Browser;
  before(async () => {
    assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: .ci/run installs Debian's chromium package`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  after(async () => {
    await browser.close();
  });

  it('draws the live tree through kubectl proxy and shows a shutdown\'s states as they happen', async () => {
    const { server, clock, dataDir } = await simulated({ shutdownDelayDuration: '3s', shutdownWatchTerminationGracePeriod: '30s' });
    const proxy = await kubectlProxy(server.kubeconfigPath);
    try {
      const page = await browser.newPage();
      await page.goto(`${proxy.url}/debug/actors/ui`);
      await page.locator('#connection[data-state="live"]').waitFor();
      await page.locator('.actor[data-actor="store/configmaps"]').waitFor();
      assert.equal(await page.locator('.actor[data-actor="supervisor"] .state').textContent(), 'Ready');
      assert.ok(await page.locator('#timeline li[data-actor="supervisor"][data-to="Ready"]').count() >= 1, 'the journal seeds the timeline');

      server.signal('SIGTERM');
      await page.locator('#timeline li[data-actor="supervisor"][data-to="ShutdownInitiated"]').waitFor();
      assert.equal(await page.locator('.actor[data-actor="supervisor"] .state').textContent(), 'ShutdownInitiated');

      clock.advance(3_000);
      await server.reached('InFlightRequestsDrained');
      for (const to of ['AfterShutdownDelayDuration', 'NotAcceptingNewRequest', 'InFlightRequestsDrained']) {
        await page.locator(`#timeline li[data-actor="supervisor"][data-to="${to}"]`).waitFor();
      }
      await page.locator('#timeline li[data-actor="listener"][data-to="NotAcceptingNewRequest"]').waitFor();
      const newestFirst = await page.locator('#timeline li[data-actor="supervisor"]').evaluateAll((items) => items.map((i) => i.getAttribute("data-to")));
      assert.deepEqual(newestFirst.slice(0, 4), ['InFlightRequestsDrained', 'NotAcceptingNewRequest', 'AfterShutdownDelayDuration', 'ShutdownInitiated']);

      clock.advance(30_000);
      assert.equal((await server.done).state, 'Stopped');
      await page.locator('#connection[data-state="closed"]').waitFor();
    } finally {
      proxy.child.kill();
      if (server.actor.getSnapshot().status === 'active') {
        server.signal('SIGTERM');
        await finishDrain(server, clock);
      }
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

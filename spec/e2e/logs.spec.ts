// What kubeactor writes to a log file: `npm start > server.log` is read by
// machines, so without a terminal every line is JSON (kube's
// --logging-format=json shape) and no line carries a terminal escape code.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tempDir } from '../support/server.js';
import { BIN, startProcess, type Started } from '../support/process.js';
import { kubectl } from '../support/kubectl.js';

const ESCAPE = /\x1b\[/;

/** The server's lines once it is ready and has stopped: everything but the one export line. */
async function linesOf(args: string[]): Promise<string[]> {
  const dataDir = tempDir('logs');
  let server: Started | undefined;
  try {
    // No NO_COLOR: colour must be off because standard output is not a terminal, not because it was asked.
    server = await startProcess(dataDir, args, 'info', { NO_COLOR: undefined, FORCE_COLOR: undefined });
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    return server.output().split('\n').filter((line) => line !== '' && !line.startsWith('export KUBECONFIG='));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function runCli(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000 }, (error, _stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr });
    });
  });
}

describe('logs', () => {
  it('are JSON lines with ts, level, logger and msg when standard output is not a terminal', async () => {
    const lines = await linesOf([]);
    assert.ok(lines.length > 5, `too few lines: ${lines.join('\n')}`);
    for (const line of lines) {
      assert.doesNotMatch(line, ESCAPE);
      const entry = JSON.parse(line) as Record<string, unknown>;
      assert.equal(typeof entry.ts, 'number', line);
      assert.ok(['info', 'warn', 'error', 'debug', 'trace'].includes(entry.level as string), line);
      assert.equal(typeof entry.logger, 'string', line);
      assert.equal(typeof entry.msg, 'string', line);
    }
    const messages = lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
    assert.ok(messages.some((m) => /^Ready \(\+\d+ ms\)$/.test(m)), messages.join('\n'));
    assert.ok(messages.some((m) => m.startsWith('[graceful-termination]')), messages.join('\n'));
  });

  it('are plain text without escape codes with --logging-format=text and no terminal', async () => {
    const lines = await linesOf(['--logging-format=text', '--v=2']);
    assert.ok(lines.some((line) => / INFO \[kubeactor[^\]]*\] Ready \(\+\d+ ms\)$/.test(line)), lines.join('\n'));
    for (const line of lines) assert.doesNotMatch(line, ESCAPE);
  });

  it("logs every request with kube's httplog fields from -v=3 on, and none below", async () => {
    const requestLines = (lines: string[]): Record<string, unknown>[] =>
      lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === 'HTTP');
    const dataDir = tempDir('httplog');
    try {
      for (const [v, expected] of [['3', true], ['2', false]] as const) {
        const server = await startProcess(dataDir, [`--v=${v}`, '--logging-format=json'], 'info');
        const k = kubectl('1.33', server.kubeconfig);
        await k.ok(['get', 'configmaps', '-n', 'default']);
        server.child.kill('SIGTERM');
        assert.equal(await server.exited, 0);
        const logged = requestLines(server.output().split('\n').filter((line) => line.startsWith('{')));
        if (!expected) {
          assert.deepEqual(logged, []);
          continue;
        }
        const list = logged.find((entry) => entry.URI === '/api/v1/namespaces/default/configmaps?limit=500');
        assert.ok(list, JSON.stringify(logged));
        assert.equal(list.verb, 'GET');
        assert.equal(list.resp, 200);
        assert.match(String(list.userAgent), /^kubectl/);
        assert.match(String(list.latency), /^\d+(\.\d+)?ms$/);
        assert.equal(typeof list['audit-ID'], 'string');
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses an unknown format or verbosity with one line and status 2', async () => {
    const format = await runCli(['--logging-format=xml']);
    assert.equal(format.code, 2);
    assert.equal(format.stderr, 'Error: invalid argument "xml" for "--logging-format" flag: format must be one of: json, text\n');
    const verbosity = await runCli(['--v=loud']);
    assert.equal(verbosity.code, 2);
    assert.equal(verbosity.stderr.trim().split('\n').length, 1);
    assert.match(verbosity.stderr, /^Error: invalid argument "loud" for "-v, --v" flag/);
  });
});

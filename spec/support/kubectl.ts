// Runs the real kubectl binaries (kubectl.1.27 … kubectl.1.33 sit beside the
// machine's kubectl) against a server, each with its own HOME and cache.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';

// The oldest and newest kubectl we support; KUBECTL_VERSIONS=1.30 narrows a local run.
export const KUBECTL_VERSIONS: readonly string[] = process.env.KUBECTL_VERSIONS?.split(',') ?? ['1.27', '1.33'];

export function kubectlPath(version: string): string {
  const real = realpathSync(execFileSync('sh', ['-c', 'command -v kubectl']).toString().trim());
  const path = join(dirname(real), `kubectl.${version}`);
  if (!existsSync(path)) throw new Error(`kubectl ${version} not found at ${path}`);
  return path;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Kubectl {
  version: string;
  /** Runs kubectl and resolves with its output, whatever the exit code. */
  run(args: string[], options?: { input?: string; env?: Record<string, string> }): Promise<KubectlResult>;
  /** Runs kubectl and rejects unless it exits 0. */
  ok(args: string[], options?: { input?: string; env?: Record<string, string> }): Promise<string>;
  /** Starts a long-running kubectl (e.g. `get -w`). */
  start(args: string[]): ChildProcess;
}

export function kubectl(version: string, kubeconfig: string): Kubectl {
  const binary = kubectlPath(version);
  const home = mkdtempSync(join(tmpdir(), `kubectl-${version}-`));
  const baseEnv = { PATH: process.env.PATH ?? '', HOME: home, KUBECONFIG: kubeconfig, KUBECACHEDIR: join(home, 'cache') };
  const run: Kubectl['run'] = (args, options = {}) =>
    new Promise((resolve) => {
      const child = execFile(binary, args, { env: { ...baseEnv, ...options.env }, timeout: 60_000, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
        const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      });
      if (options.input !== undefined) child.stdin?.end(options.input);
      else child.stdin?.end();
    });
  return {
    version,
    run,
    async ok(args, options) {
      const result = await run(args, options);
      if (result.code !== 0) throw new Error(`kubectl.${version} ${args.join(' ')} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
      return result.stdout;
    },
    start(args) {
      return spawn(binary, args, { env: baseEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    },
  };
}

// kubeactor as a real process: `node dist/kubeactor.mjs` (the bundle that the
// package's bin runs; `npm test` builds it), started on a
// random port, resolved once it prints its export line.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../kubeactor.mjs', import.meta.url));

export interface Started {
  child: ChildProcess;
  kubeconfig: string;
  exited: Promise<number | null>;
  /** Resolves when the process has logged a line matching `pattern` (now or later). */
  logged(pattern: RegExp): Promise<void>;
  /** Everything it has printed so far. */
  output(): string;
}

/** `env` replaces the defaults (warn level, NO_COLOR); a key set to undefined removes it. */
export function startProcess(dataDir: string, args: string[] = [], logLevel = 'warn', env: Record<string, string | undefined> = {}): Promise<Started> {
  const environment: Record<string, string | undefined> = { ...process.env, KUBEACTOR_LOG_LEVEL: logLevel, NO_COLOR: '1', ...env };
  for (const [key, value] of Object.entries(environment)) if (value === undefined) delete environment[key];
  const child = spawn(process.execPath, [BIN, '--secure-port=0', `--data-dir=${dataDir}`, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: environment,
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let log = '';
  const waiting: { pattern: RegExp; resolve: () => void }[] = [];
  const onLog = (chunk: Buffer): void => {
    log += chunk.toString();
    for (const w of [...waiting]) {
      if (w.pattern.test(log)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stderr!.on('data', onLog);
  const logged = (pattern: RegExp): Promise<void> =>
    pattern.test(log) ? Promise.resolve() : new Promise((resolve) => waiting.push({ pattern, resolve }));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      onLog(c);
      out += c.toString();
      const match = /^export KUBECONFIG=(.+)$/m.exec(out);
      if (match) resolve({ child, kubeconfig: match[1]!, exited, logged, output: () => log });
    });
    void exited.then((code) => reject(new Error(`kubeactor exited ${code} before it was ready: ${log}`)));
  });
}

/** Runs the binary with `args` to its exit (a flag error): its exit code and the lines it printed as `Error:`. */
export function exitOf(args: string[]): Promise<{ code: number; errors: string[] }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000 }, (error, _stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, errors: stderr.trim().split('\n').filter((l) => l.startsWith('Error:')) });
    });
  });
}

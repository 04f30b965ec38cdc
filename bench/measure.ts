// Small measuring tools shared by the benchmark scenarios.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A numeric command-line option (`--runs 3`), or `fallback` when it is absent. */
export function numberArgument(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

/** CPU time (user + system) a process has used, in µs, from /proc (10 ms ticks). */
export function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface WrkResult {
  rps: number;
  /** Requests completed in the run. */
  requests: number;
  p50ms: number;
  p99ms: number;
}

function toMs(value: string, unit: string): number {
  const n = Number(value);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : n;
}

type WrkOptions = { seconds: number; connections: number; headers?: string[]; script?: string; cpu?: number; env?: Record<string, string> };

const REPORT_SCRIPT = fileURLToPath(new URL('../../bench/report.lua', import.meta.url));

/**
 * Runs wrk pinned to `cpu` and parses requests/s and the latency percentiles. A run that saw answers
 * other than 2xx fails; the error says what the server answered, from a one-second second look
 * with the same script and environment (bench/report.lua).
 */
export async function wrk(url: string, options: WrkOptions): Promise<WrkResult> {
  try {
    return await wrkOnce(url, options);
  } catch (e) {
    if (!(e instanceof Non2xxError)) throw e;
    const answers = await wrkAnswers(url, options);
    throw new Error(`${e.message}${answers ? `; a second look got:\n${answers}` : ''}`);
  }
}

class Non2xxError extends Error {}

/** The first few non-2xx answers of a one-second run of the same scenario. */
function wrkAnswers(url: string, options: WrkOptions): Promise<string> {
  const env = { ...options.env, ...(options.script ? { SCENARIO_SCRIPT: options.script } : {}) };
  return new Promise((resolve) => {
    const args = ['-t1', `-c${Math.min(options.connections, 4)}`, '-d1s'];
    for (const h of options.headers ?? []) args.push('-H', h);
    args.push('-s', REPORT_SCRIPT, url);
    execFile('wrk', args, { timeout: 30_000, env: { ...process.env, RUN_ID: `${Date.now()}report`, ...env } }, (_error, _stdout, stderr) => resolve(String(stderr).trim()));
  });
}

function wrkOnce(url: string, options: WrkOptions): Promise<WrkResult> {
  const args = ['-t1', `-c${options.connections}`, `-d${options.seconds}s`, '--latency'];
  for (const h of options.headers ?? []) args.push('-H', h);
  if (options.script) args.push('-s', options.script);
  args.push(url);
  const command = options.cpu !== undefined ? 'taskset' : 'wrk';
  const argv = options.cpu !== undefined ? ['-c', String(options.cpu), 'wrk', ...args] : args;
  // Each run gets its own RUN_ID, so scripts that create objects never reuse a name.
  const env = { ...process.env, RUN_ID: `${Date.now()}${Math.floor(Math.random() * 1e6)}`, ...options.env };
  return new Promise((resolve, reject) => {
    execFile(command, argv, { timeout: (options.seconds + 30) * 1000, env }, (error, stdout) => {
      if (error && /ENOENT|failed to execute wrk/.test(`${error.message} ${stdout}`)) return reject(new Error('wrk is not installed: apt-get install wrk'));
      if (error) return reject(error);
      const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
      const p50 = /50%\s+([\d.]+)(us|ms|s)/.exec(stdout);
      const p99 = /99%\s+([\d.]+)(us|ms|s)/.exec(stdout);
      const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(stdout);
      const requests = /(\d+) requests in/.exec(stdout);
      if (!rps || !p50 || !p99 || !requests) return reject(new Error(`could not parse wrk output:\n${stdout}`));
      if (non2xx) return reject(new Non2xxError(`wrk saw ${non2xx[1]} non-2xx responses of ${requests[1]} from ${url}${options.script ? ` (${basename(options.script)})` : ''}`));
      resolve({ rps: Number(rps[1]), requests: Number(requests[1]), p50ms: toMs(p50[1]!, p50[2]!), p99ms: toMs(p99[1]!, p99[2]!) });
    });
  });
}

/** Spawns a node script pinned to `cpu` and resolves once a stdout line matches. */
export function spawnUntil(args: string[], pattern: RegExp, cpu?: number, env: Record<string, string> = {}): Promise<{ child: ChildProcess; match: RegExpExecArray; ms: number }> {
  const started = performance.now();
  const child = cpu !== undefined
    ? spawn('taskset', ['-c', String(cpu), process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
    : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const match = pattern.exec(out);
      if (match) resolve({ child, match, ms: performance.now() - started });
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${err}`)));
  });
}

export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.removeAllListeners('exit');
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

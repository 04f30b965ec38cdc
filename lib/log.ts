// Structured logs, one sub-logger per actor. Lifecycle lines carry a grep-able
// tag such as `[graceful-termination]`, as kube-apiserver's do.

import { Logger, type ILogObj } from 'tslog';

export type Log = Logger<ILogObj>;

const LEVELS: Record<string, number> = { silly: 0, trace: 1, debug: 2, info: 3, warn: 4, error: 5, fatal: 6, silent: 7 };

export function createRootLog(level = process.env.KUBEACTOR_LOG_LEVEL ?? 'info'): Log {
  return new Logger<ILogObj>({
    name: 'kubeactor',
    type: process.env.KUBEACTOR_LOG_FORMAT === 'json' ? 'json' : 'pretty',
    minLevel: LEVELS[level] ?? 3,
    hideLogPositionForProduction: true,
    prettyLogTemplate: '{{hh}}:{{MM}}:{{ss}}.{{ms}} {{logLevelName}} [{{name}}] ',
  });
}

export function silentLog(): Log {
  return new Logger<ILogObj>({ minLevel: 7 });
}

// Structured logs, one sub-logger per actor. Lifecycle lines carry a grep-able
// tag such as `[graceful-termination]`, as kube-apiserver's do.
//
// Two formats, as kube's `--logging-format`:
// - json: one object a line, `{"ts":<seconds>,"v":<verbosity>,"level":…,"logger":…,"msg":…, …fields}`,
//   the shape of component-base's JSON logs. The default when standard output is not a terminal,
//   so `npm start > server.log` gives a file a machine can read.
// - text: tslog's pretty lines; coloured only on a terminal (and never with NO_COLOR).
//
// Verbosity is kube's `-v`/`--v` number: 0–2 info, 3–5 debug (every request is logged with
// kube's httplog fields from 3 on), 6 and up trace. Level names (info, debug, …) are accepted too.

import { Logger, type ILogObj, type ILogObjMeta } from 'tslog';

export type Log = Logger<ILogObj>;

export type LogFormat = 'json' | 'text';

export const LOG_FORMATS: readonly LogFormat[] = ['json', 'text'];

const LEVELS: Record<string, number> = { silly: 0, trace: 1, debug: 2, info: 3, warn: 4, error: 5, fatal: 6, silent: 7 };

/** tslog's id of the debug level: at or below it, every request is logged. */
export const DEBUG_LEVEL = 2;

/** The klog verbosity at which kube logs every request (httplog). */
export const REQUEST_LOG_VERBOSITY = 3;

/** tslog's minimum level for a `--v` value: a klog number or a level name; undefined when it is neither. */
export function levelOf(verbosity: string): number | undefined {
  if (/^\d+$/.test(verbosity)) {
    const v = Number(verbosity);
    return v >= 6 ? LEVELS.trace : v >= REQUEST_LOG_VERBOSITY ? LEVELS.debug : LEVELS.info;
  }
  return LEVELS[verbosity];
}

export interface LogSettings {
  /** `--v`: a klog verbosity number or a level name; info when absent. */
  verbosity?: string;
  /** `--logging-format`; json when standard output is not a terminal, text when it is. */
  format?: LogFormat;
  /** Whether standard output is a terminal (colours, and the default format). */
  tty?: boolean;
}

export function createRootLog(settings: LogSettings = {}): Log {
  const tty = settings.tty ?? process.stdout.isTTY === true;
  const format = settings.format ?? (process.env.KUBEACTOR_LOG_FORMAT as LogFormat | undefined) ?? (tty ? 'text' : 'json');
  const verbosity = settings.verbosity ?? process.env.KUBEACTOR_LOG_LEVEL ?? 'info';
  return new Logger<ILogObj>({
    name: 'kubeactor',
    type: format === 'json' ? 'json' : 'pretty',
    minLevel: levelOf(verbosity) ?? LEVELS.info!,
    hideLogPositionForProduction: true,
    stylePrettyLogs: tty && process.env.NO_COLOR === undefined,
    prettyLogTemplate: '{{hh}}:{{MM}}:{{ss}}.{{ms}} {{logLevelName}} [{{name}}] ',
    overwrite: { transportJSON: (json) => process.stdout.write(`${jsonLine(json as ILogObj & ILogObjMeta)}\n`) },
  });
}

/** One log call as a component-base JSON line: the first string argument is msg, object arguments become fields. */
export function jsonLine(logObj: ILogObj & ILogObjMeta): string {
  const meta = logObj._meta as ILogObjMeta['_meta'] | undefined;
  const line: Record<string, unknown> = {
    ts: (meta?.date ?? new Date()).getTime() / 1000,
    level: (meta?.logLevelName ?? 'info').toLowerCase(),
    logger: meta?.name ?? 'kubeactor',
  };
  const words: string[] = [];
  for (const [key, value] of Object.entries(logObj)) {
    if (key === '_meta') continue;
    if (typeof value === 'string' && words.length === 0) words.push(value);
    else if (value instanceof Error || isError(value)) line.err = errorText(value);
    else if (value !== null && typeof value === 'object' && !Array.isArray(value)) Object.assign(line, value);
    else words.push(typeof value === 'string' ? value : JSON.stringify(value));
  }
  line.msg = words.join(' ');
  return JSON.stringify(line);
}

/** tslog turns an Error argument into `{nativeError, name, message, stack}`. */
function isError(value: unknown): value is { nativeError: Error } {
  return value !== null && typeof value === 'object' && 'nativeError' in value;
}

function errorText(value: unknown): string {
  const error = isError(value) ? value.nativeError : (value as Error);
  return error.message;
}

export function silentLog(): Log {
  return new Logger<ILogObj>({ minLevel: 7 });
}

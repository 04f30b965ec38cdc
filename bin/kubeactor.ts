#!/usr/bin/env node
// kubeactor's command line: kube-apiserver's flags on cac. The only module
// that reads process.argv and handles signals.

import { cac } from 'cac';
import { FLAGS, FlagError, optionsFromFlags } from './flags.js';
import { startServer, StartupError } from '../harness/start-server.js';
import { createRootLog, levelOf, LOG_FORMATS, type LogFormat } from '../lib/log.js';
import { defaultKubeconfigPath } from '../lib/kubeconfig.js';
import { isAdmissionOptionError } from '../actors/admission/plugins.js';
import { isRuntimeFileError } from '../actors/supervisor/runtime-files.js';

const EXIT_USAGE = 2;

function fail(message: string, code: number): never {
  process.stderr.write(`Error: ${message}\n`);
  process.exit(code);
}

/** `-v`/`--v` and `--logging-format`, as kube-apiserver's component-base flags. */
function logSettings(parsed: Record<string, unknown>): { verbosity?: string; format?: LogFormat } {
  const settings: { verbosity?: string; format?: LogFormat } = {};
  if (parsed.v !== undefined) {
    const verbosity = String(Array.isArray(parsed.v) ? parsed.v[parsed.v.length - 1] : parsed.v);
    if (parsed.v === true || levelOf(verbosity) === undefined) fail(`invalid argument "${parsed.v === true ? '' : verbosity}" for "-v, --v" flag: must be a number (kube's verbosity) or a level name`, EXIT_USAGE);
    settings.verbosity = verbosity;
  }
  if (parsed.loggingFormat !== undefined) {
    const format = String(parsed.loggingFormat);
    if (!(LOG_FORMATS as readonly string[]).includes(format)) fail(`invalid argument "${format}" for "--logging-format" flag: format must be one of: ${LOG_FORMATS.join(', ')}`, EXIT_USAGE);
    settings.format = format as LogFormat;
  }
  return settings;
}

async function serve(parsed: Record<string, unknown>): Promise<void> {
  let options;
  try {
    options = optionsFromFlags(parsed);
  } catch (e) {
    if (e instanceof FlagError) fail(e.message, EXIT_USAGE);
    throw e;
  }
  const logger = createRootLog(logSettings(parsed));
  let server;
  try {
    // KUBEACTOR_METRICS=off: no /metrics and nothing counted, for the bench's side-by-side cost of metrics.
    server = await startServer({ ...options, logger, metrics: process.env.KUBEACTOR_METRICS !== 'off' });
  } catch (e) {
    if (e instanceof StartupError) {
      // kube-apiserver exits 1 on its admission options' errors and on a flag's file it cannot use; kubeactor's other option errors are usage (2).
      if (e.outcome.optionErrors.length > 0) fail(e.outcome.optionErrors.join('; '), e.outcome.optionErrors.every((m) => isAdmissionOptionError(m) || isRuntimeFileError(m)) ? 1 : EXIT_USAGE);
      fail(e.message, 1);
    }
    throw e;
  }
  // The supervisor models both signals: the first starts graceful termination,
  // the second skips straight to stopping (exit 1). A third means it is stuck: leave now.
  let signals = 0;
  const onSignal = (name: NodeJS.Signals): void => {
    signals++;
    if (signals > 2) {
      logger.warn(`[graceful-termination] ${name} again: exiting immediately`);
      process.exit(1);
    }
    logger.info(`[graceful-termination] received ${name}`);
    server.signal(name);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // Only now say so: whoever waits for this line may signal at once, and must find the handlers in place.
  process.stdout.write(`export KUBECONFIG=${server.kubeconfigPath}\n`);
  const outcome = await server.done;
  process.exit(outcome.state === 'Stopped' && !outcome.error ? 0 : 1);
}

// `kubeactor actors` is a client command with its own flags (kubectl's names for them).
if (process.argv[2] === 'actors') {
  const actors = cac('kubeactor actors');
  actors.option('--kubeconfig <path>', 'Path to the kubeconfig file to use', { default: defaultKubeconfigPath() });
  actors.option('--context <name>', 'The name of the kubeconfig context to use');
  actors.option('-w, --watch', 'After printing the tree, print each transition as it happens');
  actors.help();
  try {
    const { options: parsed } = actors.parse(process.argv.slice(1), { run: false });
    for (const name of Object.keys(parsed)) {
      if (!['--', 'kubeconfig', 'context', 'watch', 'w', 'help', 'h'].includes(name)) fail(`unknown flag: --${name}`, EXIT_USAGE);
    }
    if (!parsed.help) {
      // A client command: loaded only when asked for, so the server's start does not pay for it.
      const { actorsCommand } = await import('./actors.js');
      await actorsCommand({ kubeconfig: String(parsed.kubeconfig), context: parsed.context as string | undefined, watch: parsed.watch === true, out: process.stdout });
    }
    process.exit(0);
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e), 1);
  }
}

const cli = cac('kubeactor');
const command = cli.command('[...args]', 'Run the API server (the default command)');
// A list may be empty (`--controllers=` runs none), as with pflag's string slices.
for (const flag of FLAGS) command.option(`--${flag.flag} ${flag.kind === 'list' ? '[value]' : '<value>'}`, flag.help);
command.option('-v, --v <level>', "Log verbosity, as kube's -v: 0-2 info, 3-5 debug (every request logged), 6+ trace; or a level name");
command.option('--logging-format <format>', 'Sets the log format: json (the default when standard output is not a terminal) or text');
command.action((args: string[], parsed: Record<string, unknown>) => {
  if (args.length > 0) fail(`unknown command "${args[0]}" for "kubeactor"`, EXIT_USAGE);
  return serve(parsed);
});
cli.help();
cli.version('0.1.0', '--version');

// cobra's wording for kube-apiserver's flags, checked before cac (which would print the camelCase name).
const KNOWN = new Set([...FLAGS.map((f) => f.flag), 'v', 'logging-format', 'help', 'h', 'version']);
for (const arg of process.argv.slice(2)) {
  if (arg === '--') break;
  const name = /^--?([^=]+)/.exec(arg)?.[1];
  if (name && !KNOWN.has(name)) fail(`unknown flag: ${arg.split('=')[0]}`, EXIT_USAGE);
}

try {
  cli.parse(process.argv, { run: false });
  if (!cli.options.help && !cli.options.version) await cli.runMatchedCommand();
} catch (e) {
  fail(e instanceof Error ? e.message : String(e), EXIT_USAGE);
}

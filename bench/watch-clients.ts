// A child process of bench/watch-fanout.ts holding some of a fan-out's
// watches: told to open them, it says when they are open, then reports each
// event once every one of its watches has it, with the time each got it.

import { openWatches, type ClientCommand, type ClientMessage } from './watch-fanout.js';

const say = (message: ClientMessage): void => void process.send!(message);
let watches: { close(): void } | undefined;

process.on('message', (command: ClientCommand) => {
  if (command.type === 'close') {
    watches?.close();
    process.disconnect();
    return;
  }
  const times = new Map<string, number[]>();
  openWatches(command.target, command.count, (name, at) => {
    let seen = times.get(name);
    if (!seen) times.set(name, (seen = []));
    seen.push(at);
    if (seen.length === command.count) {
      times.delete(name);
      say({ type: 'arrived', name, at: seen });
    }
  }, command.batch).then(
    (opened) => {
      watches = opened;
      say({ type: 'opened' });
    },
    (e: unknown) => {
      say({ type: 'failed', message: e instanceof Error ? e.message : String(e) });
      process.disconnect();
    },
  );
});

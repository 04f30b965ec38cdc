// `kubeactor actors`: the live actor tree of a running server, in a terminal.
// It reads /debug/actors with the kubeconfig's credentials, like any client;
// --watch follows /debug/actors?watch=true and prints each transition.

import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { ActorRecord, ActorTransition, ActorWatchEvent } from '../protocol/messages/lifecycle.js';
import { readKubeconfig, type ClusterAccess } from '../lib/kubeconfig.js';
import { JsonLines } from '../lib/json-lines.js';

export interface ActorsCommandOptions {
  kubeconfig: string;
  context?: string;
  watch: boolean;
  out: NodeJS.WritableStream;
}

const show = (value: unknown): string => (value === null || value === undefined ? '-' : typeof value === 'string' ? value : JSON.stringify(value));

/** The tree as lines: the root, then its children with box-drawing branches. */
export function renderTree(actors: readonly ActorRecord[]): string[] {
  const byId = new Map(actors.map((a) => [a.id, a]));
  const label = (a: ActorRecord): string =>
    `${a.id}  ${show(a.state)}  ${a.status}  handled=${a.counters.handled} errors=${a.counters.errors} restarts=${a.restarts}${a.tags.length ? `  [${a.tags.join(',')}]` : ''}`;
  const lines: string[] = [];
  const walk = (a: ActorRecord, prefix: string, last: boolean, root: boolean): void => {
    lines.push(root ? label(a) : `${prefix}${last ? '└─ ' : '├─ '}${label(a)}`);
    const kids = a.children.map((id) => byId.get(id)).filter((k): k is ActorRecord => k !== undefined);
    kids.forEach((kid, i) => walk(kid, root ? '' : `${prefix}${last ? '   ' : '│  '}`, i === kids.length - 1, false));
  };
  for (const root of actors.filter((a) => a.parent === null)) walk(root, '', true, true);
  return lines;
}

export function renderTransition(t: ActorTransition): string {
  const status = t.status === 'active' ? '' : ` (${t.status})`;
  const cause = t.cause.startsWith('crash') ? `  ${t.cause}` : '';
  return `${t.at}  ${t.actor}: ${show(t.from)} -> ${show(t.to)}${status}${cause}`;
}

function get(access: ClusterAccess, path: string): Promise<IncomingMessage> {
  const url = new URL(path, access.server);
  const options: RequestOptions = {
    method: 'GET',
    ca: access.ca,
    cert: access.cert,
    key: access.key,
    rejectUnauthorized: !access.insecureSkipTlsVerify,
    headers: { accept: 'application/json', ...(access.token ? { authorization: `Bearer ${access.token}` } : {}) },
  };
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, options, resolve);
    req.on('error', reject);
    req.end();
  });
}

async function bodyOf(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function failIfNotOk(res: IncomingMessage): Promise<void> {
  if (res.statusCode === 200) return;
  const body = await bodyOf(res);
  let message = body.trim();
  try {
    message = (JSON.parse(body) as { message?: string }).message ?? message;
  } catch {
    // not a Status: show the body as it came
  }
  throw new Error(`the server answered ${res.statusCode}: ${message}`);
}

export async function actorsCommand(options: ActorsCommandOptions): Promise<void> {
  const access = readKubeconfig(options.kubeconfig, options.context);
  const write = (line: string): void => void options.out.write(`${line}\n`);
  if (!options.watch) {
    const res = await get(access, '/debug/actors');
    await failIfNotOk(res);
    const tree = JSON.parse(await bodyOf(res)) as { actors: ActorRecord[] };
    for (const line of renderTree(tree.actors)) write(line);
    return;
  }
  const res = await get(access, '/debug/actors?watch=true');
  await failIfNotOk(res);
  const added: ActorRecord[] = [];
  let printedTree = false;
  const printTree = (): void => {
    if (printedTree) return;
    for (const l of renderTree(added)) write(l);
    printedTree = true;
  };
  const lines = new JsonLines<ActorWatchEvent>();
  res.setEncoding('utf8');
  for await (const text of res) {
    for (const event of lines.push(text as string)) {
      if (event.type === 'ADDED') {
        added.push(event.object);
        continue;
      }
      printTree();
      write(renderTransition(event.object));
    }
    // The initial ADDED events arrive together: show the tree before the first transition does.
    if (added.length > 0 && lines.drained) printTree();
  }
}

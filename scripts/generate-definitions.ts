// Generates scheme/generated/definitions.json: the facts of upstream's
// Kubernetes 1.30 OpenAPI v2 spec (types, formats, enums, required fields,
// refs and every x-kubernetes-* extension), without its prose.
//
// The spec comes from Debian's source package python-kubernetes 30.1.0
// (kubernetes/swagger.json.unprocessed), fetched with a private apt sources
// list so the machine's own apt configuration is untouched:
//
//   node dist/scripts/generate-definitions.js                 # downloads it
//   node dist/scripts/generate-definitions.js <swagger.json>  # uses a copy

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const KEPT = new Set(['type', 'format', 'enum', '$ref', 'properties', 'additionalProperties', 'items', 'required']);
const OUTPUT = fileURLToPath(new URL('../../scheme/generated/definitions.json', import.meta.url));

function fetchSwagger(): string {
  const work = mkdtempSync(join(tmpdir(), 'python-kubernetes-'));
  const lists = join(work, 'lists');
  mkdirSync(join(lists, 'partial'), { recursive: true });
  const sources = join(work, 'sources.list');
  const mirror = /^URIs:\s*(\S+)/m.exec(readFileSync('/etc/apt/sources.list.d/debian.sources', 'utf8'))?.[1] ?? 'http://deb.debian.org/debian';
  writeFileSync(sources, `deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror} trixie main\n`);
  const apt = ['-o', `Dir::Etc::SourceList=${sources}`, '-o', 'Dir::Etc::SourceParts=/dev/null', '-o', `Dir::State::Lists=${lists}`];
  execFileSync('apt-get', [...apt, 'update', '-qq'], { stdio: 'inherit' });
  // Only the .orig tarball is needed; apt may fail on the Debian parts, so check for it instead of the exit code.
  try {
    execFileSync('apt-get', [...apt, 'source', '--download-only', 'python-kubernetes=30.1.0-2'], { cwd: work, stdio: 'inherit' });
  } catch {
    /* checked below */
  }
  const tarball = readdirSync(work).find((f) => f.endsWith('.orig.tar.gz'));
  if (!tarball) throw new Error('python-kubernetes .orig.tar.gz was not downloaded');
  execFileSync('tar', ['xzf', tarball, '--wildcards', '*/kubernetes/swagger.json.unprocessed'], { cwd: work });
  const dir = readdirSync(work).find((f) => f.startsWith('python-'));
  return join(work, dir!, 'kubernetes', 'swagger.json.unprocessed');
}

type Node = Record<string, unknown>;

function facts(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(facts);
  if (node === null || typeof node !== 'object') return node;
  const out: Node = {};
  for (const key of Object.keys(node).sort()) {
    const value = (node as Node)[key];
    if (key === 'properties') {
      const props: Node = {};
      for (const name of Object.keys(value as Node).sort()) props[name] = facts((value as Node)[name]);
      out.properties = props;
    } else if (KEPT.has(key) || key.startsWith('x-kubernetes-')) {
      out[key] = key === 'additionalProperties' || key === 'items' ? facts(value) : value;
    }
  }
  return out;
}

const path = process.argv[2] ?? fetchSwagger();
const swagger = JSON.parse(readFileSync(path, 'utf8')) as { definitions: Record<string, unknown> };
const names = Object.keys(swagger.definitions).sort();
const lines = names.map((name) => `${JSON.stringify(name)}:${JSON.stringify(facts(swagger.definitions[name]))}`);
mkdirSync(join(OUTPUT, '..'), { recursive: true });
writeFileSync(OUTPUT, `{\n${lines.join(',\n')}\n}\n`);
process.stdout.write(`wrote ${names.length} definitions to ${OUTPUT}\n`);

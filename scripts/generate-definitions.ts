// Generates scheme/generated/definitions.json: the facts of upstream's
// Kubernetes 1.30 OpenAPI v2 spec (types, formats, enums, refs, required
// fields and every x-kubernetes-* extension), without its prose.
//
// The spec comes from Debian's source package python-kubernetes 30.1.0-2
// (trixie), file kubernetes/swagger.json.unprocessed. apt fetches it through
// a private sources list, lists directory and cache, so the machine's own apt
// configuration and state are left as they were.
//
//   npx tsc -p . && node dist/scripts/generate-definitions.js                 # downloads the spec
//   npx tsc -p . && node dist/scripts/generate-definitions.js <swagger.json>  # uses an extracted copy
//
// The output depends only on the spec's bytes, which are pinned by SHA-256.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE = 'python-kubernetes=30.1.0-2';
const SPEC_IN_TARBALL = 'kubernetes/swagger.json.unprocessed';
const SPEC_SHA256 = '86dce48e9e83e503bef07a693656dd0e6a4420c00ce2ab7bb65609571bb38b86';
const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
const OUTPUT = fileURLToPath(new URL('../../scheme/generated/definitions.json', import.meta.url));

/** Schema keywords that carry facts; everything else (description, example, …) is upstream's prose or noise. */
const KEPT = new Set(['type', 'format', 'enum', '$ref', 'properties', 'additionalProperties', 'items', 'required']);

type Json = Record<string, unknown>;

/** The main Debian archive this machine already uses, from one-line or deb822 sources. */
function debianMirror(): string {
  const files = ['/etc/apt/sources.list'];
  const parts = '/etc/apt/sources.list.d';
  if (existsSync(parts)) for (const f of readdirSync(parts).sort()) files.push(join(parts, f));
  const uris: string[] = [];
  for (const file of files) {
    if (!existsSync(file) || !statSync(file).isFile()) continue;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^\s*deb(?:-src)?\s+(?:\[[^\]]*\]\s+)?(\S+)/gm)) uris.push(m[1]!);
    for (const m of text.matchAll(/^URIs:\s*(.+)$/gm)) uris.push(...m[1]!.trim().split(/\s+/));
  }
  // debian-security, debian-ports and third-party repositories do not carry trixie's main sources.
  const mirror = uris.find((u) => /^https?:\/\/[^/]+(\/.*)?\/debian\/?$/.test(u));
  if (!mirror) throw new Error(`no Debian mirror found in ${files.join(', ')}; pass an extracted swagger.json instead`);
  return mirror.replace(/\/$/, '');
}

function downloadSpec(): Buffer {
  const work = mkdtempSync(join(tmpdir(), 'python-kubernetes-'));
  try {
    return readFileSync(fetchInto(work));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Downloads the source tarball into `work` and extracts the spec; returns its path. */
function fetchInto(work: string): string {
  const lists = join(work, 'lists');
  const cache = join(work, 'cache');
  mkdirSync(join(lists, 'partial'), { recursive: true });
  mkdirSync(join(cache, 'archives', 'partial'), { recursive: true });
  const sources = join(work, 'sources.list');
  const signedBy = existsSync(KEYRING) ? `[signed-by=${KEYRING}] ` : '';
  writeFileSync(sources, `deb-src ${signedBy}${debianMirror()} trixie main\n`);
  const apt = [
    '-o', `Dir::Etc::SourceList=${sources}`,
    '-o', 'Dir::Etc::SourceParts=/dev/null',
    '-o', `Dir::State::Lists=${lists}`,
    '-o', `Dir::Cache=${cache}`,
    // The private directories belong to whoever runs this; apt's _apt download user could not write them.
    '-o', 'APT::Sandbox::User=root',
  ];
  execFileSync('apt-get', [...apt, 'update', '-qq'], { stdio: 'inherit' });
  try {
    execFileSync('apt-get', [...apt, 'source', '--download-only', PACKAGE], { cwd: work, stdio: 'inherit' });
  } catch {
    // Only the upstream tarball is needed. Some mirrors and proxies serve it but not the .dsc or the
    // Debian diff, and apt then exits non-zero; apt has still checked the tarball's hash against the
    // signed Sources index before keeping it, and the spec inside is pinned below.
  }
  const tarball = readdirSync(work).find((f) => f.endsWith('.orig.tar.gz'));
  if (!tarball) throw new Error(`apt-get source did not download ${PACKAGE}'s .orig.tar.gz into ${work}`);
  const member = execFileSync('tar', ['tzf', tarball], { cwd: work, encoding: 'utf8', maxBuffer: 64 << 20 })
    .split('\n')
    .find((line) => line.endsWith(`/${SPEC_IN_TARBALL}`));
  if (!member) throw new Error(`${tarball} holds no ${SPEC_IN_TARBALL}`);
  execFileSync('tar', ['xzf', tarball, member], { cwd: work });
  return join(work, member);
}

/** Keeps a schema node's facts, recursively, with keys sorted so the output is stable. */
function facts(node: Json, dropped: Map<string, number>): Json {
  const out: Json = {};
  for (const key of Object.keys(node).sort()) {
    const value = node[key];
    if (key === 'properties') {
      const props: Json = {};
      for (const name of Object.keys(value as Json).sort()) props[name] = facts((value as Json)[name] as Json, dropped);
      out.properties = props;
    } else if ((key === 'items' || key === 'additionalProperties') && typeof value === 'object' && value !== null) {
      out[key] = facts(value as Json, dropped);
    } else if (KEPT.has(key) || key.startsWith('x-kubernetes-')) {
      out[key] = value;
    } else {
      dropped.set(key, (dropped.get(key) ?? 0) + 1);
    }
  }
  return out;
}

function main(): void {
  const given = process.argv[2];
  const bytes = given ? readFileSync(given) : downloadSpec();
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== SPEC_SHA256) {
    if (!given) throw new Error(`the downloaded spec has SHA-256 ${sha}, expected ${SPEC_SHA256}`);
    process.stderr.write(`warning: ${given} is not the pinned python-kubernetes 30.1.0 spec (SHA-256 ${sha})\n`);
  }
  const swagger = JSON.parse(bytes.toString('utf8')) as { definitions: Record<string, Json> };
  const dropped = new Map<string, number>();
  const names = Object.keys(swagger.definitions).sort();
  const lines = names.map((name) => `${JSON.stringify(name)}:${JSON.stringify(facts(swagger.definitions[name]!, dropped))}`);
  mkdirSync(join(OUTPUT, '..'), { recursive: true });
  writeFileSync(OUTPUT, `{\n${lines.join(',\n')}\n}\n`);
  const summary = [...dropped].map(([k, n]) => `${k}×${n}`).join(', ');
  process.stdout.write(`wrote ${names.length} definitions to ${OUTPUT} (dropped: ${summary || 'nothing'})\n`);
}

main();

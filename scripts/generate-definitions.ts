// Generates the committed facts of upstream's Kubernetes 1.33 OpenAPI v2 spec:
//   scheme/generated/definitions.json  types, formats, enums, refs, required
//                                      fields and every x-kubernetes-* extension
//   scheme/generated/resources.ts      every group/version/resource the spec's
//                                      paths serve: kind, scope, verbs, and
//                                      subresources with their kind and verbs
// without upstream's prose.
//
// The spec is the one the official Python client publishes for 1.33: tag
// v33.1.0 of kubernetes-client/python, file kubernetes/swagger.json.unprocessed,
// read with `git show` from a git directory of that repository:
//
//   npx tsc -p . && node dist/scripts/generate-definitions.js <kubernetes-client/python git dir>
//
// The output depends only on the spec's bytes, which are pinned by SHA-256.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TAG = 'v33.1.0';
const SPEC_IN_REPO = 'kubernetes/swagger.json.unprocessed';
const SPEC_SHA256 = '07855fb227fcede0acdfff1d7e52fdc4bfd98e99bf2c042c745f68719ade2876';
const GENERATED = fileURLToPath(new URL('../../scheme/generated/', import.meta.url));

/** Schema keywords that carry facts; everything else (description, example, …) is upstream's prose or noise. */
const KEPT = new Set(['type', 'format', 'enum', '$ref', 'properties', 'additionalProperties', 'items', 'required']);

type Json = Record<string, unknown>;
interface Gvk { group: string; version: string; kind: string }
interface Operation { 'x-kubernetes-action'?: string; 'x-kubernetes-group-version-kind'?: Gvk }

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

// ---- resources, from the paths ----

/** kube's installer: the discovery verb of each action (a connect's verb is its HTTP method's). */
const ACTION_VERB: Record<string, string> = {
  get: 'get', list: 'list', put: 'update', patch: 'patch', post: 'create', delete: 'delete',
  deletecollection: 'deletecollection', watch: 'watch', watchlist: 'watch',
};
const CONNECT_VERB: Record<string, string> = { get: 'get', post: 'create', put: 'update', patch: 'patch', delete: 'delete' };

interface Resource {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  verbs: Set<string>;
  subresources: Map<string, { kind: Gvk; verbs: Set<string> }>;
}

/** `/api/v1/...` or `/apis/<g>/<v>/...` into group, version, resource, subresource and whether it names a namespace. */
function parsePath(path: string): { group: string; version: string; plural: string; subresource: string; namespaced: boolean } | undefined {
  const parts = path.split('/').filter((p) => p !== '');
  let rest: string[];
  let group = '';
  if (parts[0] === 'api') rest = parts.slice(1);
  else if (parts[0] === 'apis') {
    group = parts[1] ?? '';
    rest = parts.slice(2);
  } else return undefined;
  const version = rest.shift();
  if (!version || rest[0] === 'watch') return undefined;
  let namespaced = false;
  if (rest[0] === 'namespaces' && rest[1] === '{namespace}' && rest.length > 2) {
    namespaced = true;
    rest = rest.slice(2);
  }
  const plural = rest[0];
  if (!plural) return undefined;
  return { group, version, plural, subresource: rest[2] ?? '', namespaced };
}

function resourcesOf(paths: Record<string, Record<string, unknown>>): Resource[] {
  const byKey = new Map<string, Resource>();
  for (const [path, operations] of Object.entries(paths)) {
    const parsed = parsePath(path);
    if (!parsed) continue;
    for (const [method, value] of Object.entries(operations)) {
      const op = value as Operation;
      const action = op?.['x-kubernetes-action'];
      const gvk = op?.['x-kubernetes-group-version-kind'];
      if (!action || !gvk) continue;
      const key = `${parsed.group}/${parsed.version}/${parsed.plural}`;
      let resource = byKey.get(key);
      if (!resource) {
        resource = { group: parsed.group, version: parsed.version, plural: parsed.plural, kind: '', namespaced: false, verbs: new Set(), subresources: new Map() };
        byKey.set(key, resource);
      }
      const verb = action === 'connect' ? CONNECT_VERB[method] : ACTION_VERB[action];
      if (parsed.subresource) {
        const sub = resource.subresources.get(parsed.subresource) ?? { kind: gvk, verbs: new Set<string>() };
        if (verb) sub.verbs.add(verb);
        resource.subresources.set(parsed.subresource, sub);
        continue;
      }
      // The list across all namespaces (/api/v1/pods) says nothing of scope.
      if (parsed.namespaced) resource.namespaced = true;
      resource.kind ||= gvk.kind;
      if (verb) resource.verbs.add(verb);
    }
  }
  // A path's watch verb comes from its /watch/ twin too.
  for (const [path, operations] of Object.entries(paths)) {
    const parts = path.split('/').filter((p) => p !== '');
    const at = parts.indexOf('watch');
    if (at < 0) continue;
    const parsed = parsePath(`/${[...parts.slice(0, at), ...parts.slice(at + 1)].join('/')}`);
    const hasWatch = Object.values(operations).some((op) => /^watch/.test(String((op as Operation)?.['x-kubernetes-action'] ?? '')));
    if (parsed && !parsed.subresource && hasWatch) byKey.get(`${parsed.group}/${parsed.version}/${parsed.plural}`)?.verbs.add('watch');
  }
  return [...byKey.values()].filter((r) => r.kind !== '').sort((a, b) => `${a.group}/${a.version}/${a.plural}`.localeCompare(`${b.group}/${b.version}/${b.plural}`));
}

/** The definition that carries a kind's GVK. */
function definitionOf(definitions: Record<string, Json>, gvk: Gvk): string {
  for (const [name, node] of Object.entries(definitions)) {
    const gvks = node['x-kubernetes-group-version-kind'] as Gvk[] | undefined;
    if (gvks?.some((g) => g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind)) return name;
  }
  throw new Error(`no definition carries ${gvk.group}/${gvk.version}, Kind=${gvk.kind}`);
}

function resourcesModule(resources: Resource[], definitions: Record<string, Json>): string {
  const q = (s: string): string => `'${s}'`;
  const lines = resources.map((r) => {
    const subs = [...r.subresources].sort(([a], [b]) => a.localeCompare(b)).map(([name, s]) => {
      const kind = s.kind.group === r.group && s.kind.version === r.version ? `kind: ${q(s.kind.kind)}` : `kind: ${q(s.kind.kind)}, group: ${q(s.kind.group)}, version: ${q(s.kind.version)}`;
      return `{ name: ${q(name)}, ${kind}, verbs: [${[...s.verbs].sort().map(q).join(', ')}] }`;
    });
    const definition = definitionOf(definitions, { group: r.group, version: r.version, kind: r.kind });
    return `  { group: ${q(r.group)}, version: ${q(r.version)}, plural: ${q(r.plural)}, kind: ${q(r.kind)}, namespaced: ${r.namespaced}, verbs: [${[...r.verbs].sort().map(q).join(', ')}], definition: ${q(definition)}, subresources: [${subs.join(', ')}] },`;
  });
  return [
    '// Generated by scripts/generate-definitions.ts from the Kubernetes 1.33 OpenAPI v2 spec; do not edit.',
    '// Every group/version/resource the spec serves (alpha and beta included), sorted by group, version and resource.',
    '',
    "import type { GeneratedResource } from '../generated-resource.js';",
    '',
    'export const generatedResources: readonly GeneratedResource[] = [',
    ...lines,
    '];',
    '',
  ].join('\n');
}

function main(): void {
  const gitDir = process.argv[2];
  if (!gitDir) throw new Error('usage: generate-definitions <kubernetes-client/python git dir>');
  const bytes = execFileSync('git', ['--git-dir', gitDir, 'show', `${TAG}:${SPEC_IN_REPO}`], { maxBuffer: 64 << 20 });
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== SPEC_SHA256) throw new Error(`${TAG}:${SPEC_IN_REPO} has SHA-256 ${sha}, expected ${SPEC_SHA256}`);
  const swagger = JSON.parse(bytes.toString('utf8')) as { definitions: Record<string, Json>; paths: Record<string, Record<string, unknown>> };
  const dropped = new Map<string, number>();
  const names = Object.keys(swagger.definitions).sort();
  const lines = names.map((name) => `${JSON.stringify(name)}:${JSON.stringify(facts(swagger.definitions[name]!, dropped))}`);
  mkdirSync(GENERATED, { recursive: true });
  writeFileSync(join(GENERATED, 'definitions.json'), `{\n${lines.join(',\n')}\n}\n`);
  const resources = resourcesOf(swagger.paths);
  writeFileSync(join(GENERATED, 'resources.ts'), resourcesModule(resources, swagger.definitions));
  const summary = [...dropped].map(([k, n]) => `${k}×${n}`).join(', ');
  process.stdout.write(`wrote ${names.length} definitions (dropped: ${summary || 'nothing'}) and ${resources.length} resources to ${GENERATED}\n`);
}

main();

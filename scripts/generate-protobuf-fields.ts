// Generates protocol/codec/protobuf-fields.json: for every message in
// upstream's generated.proto files, its fields by number (JSON name, type,
// repeated, map). Upstream files are read from git checkouts of
// kubernetes/api and kubernetes/apimachinery; they are not committed.
//
//   node dist/scripts/generate-protobuf-fields.js <kubernetes-api-git-dir> <apimachinery-git-dir>

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const API_GROUPS = ['core/v1', 'rbac/v1', 'apps/v1', 'batch/v1', 'networking/v1', 'policy/v1', 'scheduling/v1', 'coordination/v1', 'discovery/v1', 'events/v1', 'autoscaling/v1', 'autoscaling/v2', 'storage/v1', 'certificates/v1', 'authentication/v1', 'authorization/v1'];
const MACHINERY = ['pkg/apis/meta/v1', 'pkg/runtime', 'pkg/util/intstr', 'pkg/api/resource'];
const OUTPUT = fileURLToPath(new URL('../../protocol/codec/protobuf-fields.json', import.meta.url));

export interface FieldFact {
  name: string;
  type: string;
  repeated?: true;
  map?: { key: string; value: string };
}

const SCALARS = new Set(['string', 'bytes', 'bool', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'double', 'float', 'fixed32', 'fixed64']);

function qualify(type: string, pkg: string): string {
  if (SCALARS.has(type)) return type;
  if (type.startsWith('.')) return type.slice(1);
  return type.includes('.') ? type : `${pkg}.${type}`;
}

function parse(text: string, out: Record<string, Record<number, FieldFact>>): void {
  const pkg = /^package\s+([\w.]+);/m.exec(text)?.[1];
  if (!pkg) throw new Error('no package line');
  const stack: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    const open = /^message\s+(\w+)\s*\{/.exec(line);
    if (open) {
      stack.push(stack.length ? `${stack[stack.length - 1]}.${open[1]}` : `${pkg}.${open[1]}`);
      out[stack[stack.length - 1]!] = {};
      if (line.endsWith('}')) stack.pop();
      continue;
    }
    if (line === '}' && stack.length) {
      stack.pop();
      continue;
    }
    const message = stack[stack.length - 1];
    if (!message) continue;
    const map = /^map<\s*(\w+)\s*,\s*([.\w]+)\s*>\s+(\w+)\s*=\s*(\d+)/.exec(line);
    if (map) {
      out[message]![Number(map[4])] = { name: map[3]!, type: 'map', map: { key: map[1]!, value: qualify(map[2]!, pkg) } };
      continue;
    }
    const field = /^(optional|repeated|required)?\s*([.\w]+)\s+(\w+)\s*=\s*(\d+)/.exec(line);
    if (field) {
      const fact: FieldFact = { name: field[3]!, type: qualify(field[2]!, pkg) };
      if (field[1] === 'repeated') fact.repeated = true;
      out[message]![Number(field[4])] = fact;
    }
  }
}

const [apiGit, machineryGit] = process.argv.slice(2);
if (!apiGit || !machineryGit) {
  process.stderr.write('usage: generate-protobuf-fields <kubernetes/api git dir> <kubernetes/apimachinery git dir>\n');
  process.exit(2);
}
const show = (git: string, path: string): string => execFileSync('git', [`--git-dir=${git}`, 'show', `HEAD:${path}`], { maxBuffer: 64 * 1024 * 1024 }).toString();
const messages: Record<string, Record<number, FieldFact>> = {};
for (const group of API_GROUPS) parse(show(apiGit, `${group}/generated.proto`), messages);
for (const dir of MACHINERY) parse(show(machineryGit, `${dir}/generated.proto`), messages);
const names = Object.keys(messages).sort();
writeFileSync(OUTPUT, `{\n${names.map((n) => `${JSON.stringify(n)}:${JSON.stringify(messages[n])}`).join(',\n')}\n}\n`);
process.stdout.write(`wrote ${names.length} messages to ${OUTPUT}\n`);

// Writes protocol/codec/protobuf-fields.ts, the facts the protobuf decoder
// needs about kube's messages: per field number, the JSON name, the wire
// type, and how Go's JSON encoding treats the field when it is zero or unset.
//
// Field numbers and wire types come from upstream's generated.proto files.
// The JSON side comes from the Go structs next to them (types.go and friends),
// because generated.proto cannot say what Go's JSON encoder does: Go's
// protobuf marshaller writes every non-pointer field, even "" and 0, and only
// the struct tags tell which of those a JSON client would have left out
// (omitempty), which are written as null when unset, and which are embedded
// with `json:",inline"` (Volume's VolumeSource, Probe's ProbeHandler, ...).
//
// Nothing is downloaded: the upstream trees are read from git directories
// (or plain checkouts) given on the command line, and are not committed.
//
//   node dist/scripts/generate-protobuf-fields.js [--ref=<tree-ish>] [--out=<file>] \
//     <kubernetes/api git dir or checkout> <kubernetes/apimachinery git dir or checkout>

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const API_PACKAGES = [
  'core/v1', 'rbac/v1', 'apps/v1', 'batch/v1', 'networking/v1', 'policy/v1', 'scheduling/v1', 'coordination/v1',
  'discovery/v1', 'events/v1', 'autoscaling/v1', 'autoscaling/v2', 'storage/v1', 'certificates/v1',
  // The rest of kube-apiserver 1.33's GA groups.
  'admissionregistration/v1', 'flowcontrol/v1', 'node/v1',
  // kubectl create token / auth can-i / auth whoami send these through typed clients too.
  'authentication/v1', 'authorization/v1',
  // Aggregated discovery: client-go 1.30+ asks for /api and /apis as protobuf first.
  'apidiscovery/v2', 'apidiscovery/v2beta1',
];
const MACHINERY_PACKAGES = ['pkg/apis/meta/v1', 'pkg/runtime', 'pkg/runtime/schema', 'pkg/util/intstr', 'pkg/api/resource'];

const SCALARS = new Set(['string', 'bytes', 'bool', 'int32', 'int64', 'uint32', 'uint64', 'double', 'float']);

interface FieldFact {
  name: string;
  type: string;
  message?: string;
  repeated?: true;
  map?: { key: string; value: string };
  inline?: true;
  omitEmpty?: true;
  whenAbsent?: 'null' | 'zero';
}

// ---- reading the upstream trees -------------------------------------------

interface Tree {
  describe(): string;
  list(dir: string): string[];
  read(path: string): string;
}

function gitTree(gitDir: string, ref: string): Tree {
  const git = (...args: string[]): string => execFileSync('git', [`--git-dir=${gitDir}`, ...args], { maxBuffer: 256 * 1024 * 1024 }).toString();
  const commit = git('rev-parse', '--verify', `${ref}^{commit}`).trim();
  return {
    describe: () => `${ref} (${commit})`,
    list: (dir) => git('ls-tree', '--name-only', commit, `${dir}/`).split('\n').filter(Boolean).map((p) => p.slice(dir.length + 1)),
    read: (path) => git('show', `${commit}:${path}`),
  };
}

function directoryTree(root: string): Tree {
  return {
    describe: () => `the working tree at ${root}`,
    list: (dir) => readdirSync(join(root, dir)),
    read: (path) => readFileSync(join(root, path), 'utf8'),
  };
}

function openTree(path: string, ref: string | undefined): Tree {
  const isGitDir = existsSync(join(path, 'HEAD')) && existsSync(join(path, 'objects'));
  if (isGitDir) return gitTree(path, ref ?? 'HEAD');
  if (ref) return gitTree(join(path, '.git'), ref);
  return directoryTree(path);
}

// ---- generated.proto --------------------------------------------------------

interface ProtoField {
  name: string;
  number: number;
  repeated: boolean;
  type: string;
  map?: { key: string; value: string };
}

interface ProtoMessage {
  fullName: string;
  shortName: string;
  fields: ProtoField[];
}

/** Resolves a type reference the way protoc would for kube's files: leading dot = absolute, else relative to the package. */
function qualify(type: string, pkg: string): string {
  if (SCALARS.has(type)) return type;
  if (type.startsWith('.')) return type.slice(1);
  return `${pkg}.${type}`;
}

function parseProto(text: string, where: string): { messages: ProtoMessage[]; imports: string[] } {
  const stripped = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
  const pkg = /^\s*package\s+([\w.]+)\s*;/m.exec(stripped)?.[1];
  if (!pkg) throw new Error(`${where}: no package statement`);
  const messages: ProtoMessage[] = [];
  const stack: ProtoMessage[] = [];
  for (const raw of stripped.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const open = /^message\s+(\w+)\s*\{\s*(\})?$/.exec(line);
    if (open) {
      const parent = stack[stack.length - 1];
      const message = { fullName: `${parent ? parent.fullName : pkg}.${open[1]}`, shortName: open[1]!, fields: [] };
      messages.push(message);
      if (!open[2]) stack.push(message);
      continue;
    }
    const current = stack[stack.length - 1];
    if (!current) {
      if (/^(syntax|package|import|option)\b/.test(line)) continue;
      throw new Error(`${where}: cannot read "${line}" outside a message`);
    }
    if (line === '}') {
      stack.pop();
      continue;
    }
    const map = /^map\s*<\s*(\w+)\s*,\s*([.\w]+)\s*>\s+(\w+)\s*=\s*(\d+)\s*;$/.exec(line);
    if (map) {
      current.fields.push({ name: map[3]!, number: Number(map[4]), repeated: false, type: 'map', map: { key: map[1]!, value: qualify(map[2]!, pkg) } });
      continue;
    }
    const field = /^(optional|repeated|required)\s+([.\w]+)\s+(\w+)\s*=\s*(\d+)\s*;$/.exec(line);
    if (field) {
      current.fields.push({ name: field[3]!, number: Number(field[4]), repeated: field[1] === 'repeated', type: qualify(field[2]!, pkg) });
      continue;
    }
    if (/^(option|reserved)\b/.test(line)) continue;
    // enums, oneofs, nested options: none in kube's files; refuse rather than guess.
    throw new Error(`${where}: cannot read "${line}" in message ${current.fullName}`);
  }
  if (stack.length) throw new Error(`${where}: message ${stack[0]!.fullName} is not closed`);
  const imports = [...stripped.matchAll(/^\s*import\s+"([^"]+)"\s*;/gm)].map((m) => m[1]!);
  return { messages, imports };
}

// ---- Go structs ----------------------------------------------------------------

interface GoField {
  goType: string;
  jsonName: string | undefined;
  hidden: boolean;
  inline: boolean;
  omitEmpty: boolean;
  omitZero: boolean;
}

interface GoFacts {
  structs: Map<string, Map<number, GoField>>;
  /** Named slice types (`type Verbs []string`): go-to-protobuf wraps them in a message with `repeated items = 1`. */
  sliceTypes: Set<string>;
}

function parseGo(text: string, into: GoFacts): void {
  for (const m of text.matchAll(/^type\s+(\w+)\s+\[\]/gm)) into.sliceTypes.add(m[1]!);
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = /^type\s+(\w+)\s+struct\s*\{\s*$/.exec(lines[i]!);
    if (!start) continue;
    const fields = new Map<number, GoField>();
    into.structs.set(start[1]!, fields);
    let depth = 1;
    for (i++; i < lines.length && depth > 0; i++) {
      const line = lines[i]!.replace(/^\s+/, '');
      if (line.startsWith('//')) continue;
      const atTop = depth === 1;
      depth += (line.match(/\{/g)?.length ?? 0) - (line.match(/\}/g)?.length ?? 0);
      if (!atTop) continue;
      const field = /^(?:(\w+)\s+)?(\S+)\s+`([^`]*)`/.exec(line);
      if (!field) continue;
      const tag = field[3]!;
      const proto = /(?:^|\s)protobuf:"([^"]*)"/.exec(tag)?.[1];
      const number = Number(proto?.split(',')[1]);
      if (!proto || proto === '-' || !Number.isInteger(number)) continue;
      const json = /(?:^|\s)json:"([^"]*)"/.exec(tag)?.[1];
      const [jsonName, ...options] = (json ?? '').split(',');
      fields.set(number, {
        goType: field[2]!,
        jsonName: jsonName || undefined,
        hidden: jsonName === '-' && options.length === 0,
        // Go flattens embedded structs without a JSON name, tagged inline or not.
        inline: options.includes('inline') || (!field[1] && !jsonName),
        omitEmpty: options.includes('omitempty'),
        omitZero: options.includes('omitzero'),
      });
    }
    i--;
  }
}

function readGo(tree: Tree, dir: string, into: GoFacts): void {
  const skip = /(_test\.go|generated\.pb\.go|^zz_generated.*|_swagger_doc_generated\.go)$/;
  for (const file of tree.list(dir)) {
    if (file.endsWith('.go') && !skip.test(file)) parseGo(tree.read(`${dir}/${file}`), into);
  }
}

// ---- facts ---------------------------------------------------------------------

function factFor(field: ProtoField, go: GoField | undefined, wrappers: Set<string>): FieldFact | undefined {
  if (go?.hidden) return undefined;
  const fact: FieldFact = { name: go && !go.inline && go.jsonName ? go.jsonName : field.name, type: field.type };
  if (field.map) {
    fact.map = field.map;
  } else if (!SCALARS.has(field.type)) {
    fact.type = 'message';
    fact.message = field.type;
  }
  if (field.repeated) fact.repeated = true;
  if (!go) return fact;
  if (go.inline) fact.inline = true;
  const nilable = /^(\*|\[\]|map\[)/.test(go.goType) || field.repeated || Boolean(field.map) || wrappers.has(field.type);
  const isStruct = fact.type === 'message' && !nilable;
  if (go.omitZero || (go.omitEmpty && !isStruct)) {
    // omitempty drops zero scalars and empty []byte, but writes a pointer to a zero value.
    const pointer = go.goType.startsWith('*');
    if (!pointer && (!nilable || field.type === 'bytes' || go.omitZero)) fact.omitEmpty = true;
  } else {
    // No omitempty (or a struct, which omitempty never drops): JSON always has the field.
    fact.whenAbsent = nilable ? 'null' : 'zero';
  }
  return fact;
}

function generate(apiTree: Tree, machineryTree: Tree, ref: string | undefined): { text: string; notes: string[] } {
  const facts: Record<string, Record<number, FieldFact>> = {};
  const wrappers = new Set<string>();
  const notes: string[] = [];
  // The listed packages, and every package their generated.proto imports (newer
  // releases reach into alpha groups, e.g. batch/v1 into scheduling/v1alpha3).
  const queue = [...API_PACKAGES.map((dir) => ({ tree: apiTree, dir })), ...MACHINERY_PACKAGES.map((dir) => ({ tree: machineryTree, dir }))];
  const visited = new Set<string>();
  const parsed: { dir: string; go: GoFacts; messages: ProtoMessage[] }[] = [];
  for (let next = queue.shift(); next; next = queue.shift()) {
    const { tree, dir } = next;
    const key = `${tree === apiTree ? 'api' : 'apimachinery'}/${dir}`;
    if (visited.has(key)) continue;
    visited.add(key);
    const go: GoFacts = { structs: new Map(), sliceTypes: new Set() };
    readGo(tree, dir, go);
    const { messages, imports } = parseProto(tree.read(`${dir}/generated.proto`), `${dir}/generated.proto`);
    parsed.push({ dir, go, messages });
    for (const path of imports) {
      const imported = /^k8s\.io\/(api|apimachinery)\/(.+)\/generated\.proto$/.exec(path);
      if (!imported) throw new Error(`${dir}/generated.proto imports ${path}, which is in neither tree`);
      queue.push({ tree: imported[1] === 'api' ? apiTree : machineryTree, dir: imported[2]! });
    }
  }
  for (const { go, messages } of parsed) {
    for (const message of messages) {
      const only = message.fields[0];
      if (go.sliceTypes.has(message.shortName) && message.fields.length === 1 && only?.name === 'items' && only.repeated) wrappers.add(message.fullName);
    }
  }
  for (const { dir, go, messages } of parsed) {
    for (const message of messages) {
      const struct = go.structs.get(message.shortName);
      if (!struct && !wrappers.has(message.fullName)) notes.push(`${dir}: ${message.shortName} has no Go struct with protobuf tags; its JSON is the decoder's business`);
      const fields: Record<number, FieldFact> = {};
      for (const field of message.fields) {
        const goField = struct?.get(field.number);
        const fact = factFor(field, goField, wrappers);
        if (!fact) continue;
        if (goField && !goField.inline && goField.jsonName && goField.jsonName !== field.name) notes.push(`${message.fullName}.${field.name}: JSON name is ${goField.jsonName}`);
        fields[field.number] = fact;
      }
      facts[message.fullName] = fields;
    }
  }
  for (const [name, fields] of Object.entries(facts)) {
    for (const fact of Object.values(fields)) {
      for (const ref of [fact.message, fact.map?.value]) {
        if (ref && !SCALARS.has(ref) && !facts[ref]) throw new Error(`${name}.${fact.name} refers to ${ref}, which no generated.proto read here defines`);
      }
      if (fact.map && !SCALARS.has(fact.map.key)) throw new Error(`${name}.${fact.name} has a map key of type ${fact.map.key}`);
    }
  }
  const names = Object.keys(facts).sort();
  const body = names.map((name) => `  ${JSON.stringify(name)}: ${JSON.stringify(facts[name])},`).join('\n');
  const text = `// Generated by scripts/generate-protobuf-fields.ts; do not edit. To regenerate:
//   node dist/scripts/generate-protobuf-fields.js${ref ? ` --ref=${ref}` : ''} <kubernetes/api git dir> <kubernetes/apimachinery git dir>
// kubernetes/api: ${apiTree.describe()}
// kubernetes/apimachinery: ${machineryTree.describe()}

export type ProtobufScalar = 'string' | 'bytes' | 'bool' | 'int32' | 'int64' | 'uint32' | 'uint64' | 'double' | 'float';

export interface ProtobufFieldFact {
  /** The field's name in kube's JSON encoding. */
  readonly name: string;
  readonly type: ProtobufScalar | 'message' | 'map';
  /** The full name of the field's message type, when type is 'message'. */
  readonly message?: string;
  readonly repeated?: true;
  /** Key and value types, when type is 'map'; a value that is not a scalar is a full message name. */
  readonly map?: { readonly key: ProtobufScalar; readonly value: string };
  /** Go embeds the struct with json:",inline": its fields belong to the enclosing JSON object. */
  readonly inline?: true;
  /** Go's omitempty on a value that is not a pointer: JSON leaves the zero value out. */
  readonly omitEmpty?: true;
  /** Go's JSON writes the field even when unset: as null (pointers, slices, maps) or as its zero value. */
  readonly whenAbsent?: 'null' | 'zero';
}

/** Messages standing for Go named slices (type Verbs []string): their JSON is the bare list of items. */
export const PROTOBUF_LIST_MESSAGES: ReadonlySet<string> = new Set(${JSON.stringify([...wrappers].sort())});

export const PROTOBUF_FIELDS: Readonly<Record<string, Readonly<Record<number, ProtobufFieldFact>>>> = {
${body}
};
`;
  return { text, notes };
}

// ---- command line ------------------------------------------------------------

function main(argv: string[]): void {
  const options = new Map<string, string>();
  const paths: string[] = [];
  for (const arg of argv) {
    const option = /^--(ref|out)=(.+)$/.exec(arg);
    if (option) options.set(option[1]!, option[2]!);
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else paths.push(arg);
  }
  const [api, machinery] = paths;
  if (!api || !machinery || paths.length > 2) {
    process.stderr.write('usage: generate-protobuf-fields [--ref=<tree-ish>] [--out=<file>] <kubernetes/api git dir or checkout> <kubernetes/apimachinery git dir or checkout>\n');
    process.exit(2);
  }
  const ref = options.get('ref');
  const out = options.get('out') ?? fileURLToPath(new URL('../../protocol/codec/protobuf-fields.ts', import.meta.url));
  const { text, notes } = generate(openTree(api, ref), openTree(machinery, ref), ref);
  writeFileSync(out, text);
  if (process.env.VERBOSE) for (const note of notes) process.stdout.write(`note: ${note}\n`);
  process.stdout.write(`wrote ${out} (${text.split('\n').length} lines)\n`);
}

main(process.argv.slice(2));

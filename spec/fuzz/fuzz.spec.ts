// A seeded fuzz of malformed and mistyped requests against every served kind.
// The kinds and their fields come from the scheme and the generated schema
// facts, so a kind added later is covered without touching this file.
//
// Each case is one request: an object with a field of the wrong JSON type,
// null where a map or object belongs, a bad encoding, an oversize part, a bad
// patch, or bad query values. Every answer must come within a bound, be below
// 500, and, if an error, be a metav1.Status with its HTTP code; afterwards no
// actor has crashed, restarted or failed a message, and the server is healthy.
//
//   KUBEACTOR_FUZZ_SEED=<n>      replays a run (the seed is printed)
//   KUBEACTOR_FUZZ_SECONDS=<s>   how long to generate cases (default 45)

import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { suiteServer } from '../support/server.js';
import { builtinKinds } from '../../scheme/kinds/index.js';
import { definitions } from '../../scheme/definitions.js';
import { apiVersionOf, type KindDescription } from '../../scheme/kind-description.js';
import { REF_PREFIX, type SchemaNode } from '../../scheme/schema.js';
import type { Credentials } from '../support/http.js';
import { yaml } from '../../lib/lazy-yaml.js';

const SEED = Number(process.env.KUBEACTOR_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const SECONDS = Number(process.env.KUBEACTOR_FUZZ_SECONDS ?? 45);
const REQUEST_BOUND_MS = 15_000;
const NAMESPACE = 'fuzz';

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = prng(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
/** A fresh copy of one of VALUES, so that no case shares (and mutates) another's. */
const anyValue = (): unknown => structuredClone(pick(VALUES));
const chance = (p: number): boolean => random() < p;

// ---- the kinds and their fields, from the scheme ----

interface Field {
  path: (string | number)[];
  node: SchemaNode;
}

function resolve(node: SchemaNode): SchemaNode {
  let current = node;
  for (let hops = 0; current.$ref && hops < 16; hops++) current = definitions[current.$ref.slice(REF_PREFIX.length)] ?? {};
  return current;
}

/** Every field path of a definition down to `depth`, arrays entered at index 0 and maps at key "k". */
function fieldsOf(definition: string, depth = 5): Field[] {
  const out: Field[] = [];
  const walk = (raw: SchemaNode, path: (string | number)[], seen: readonly string[]): void => {
    if (path.length >= depth || out.length > 400) return;
    const ref = raw.$ref;
    if (ref && seen.includes(ref)) return;
    const node = resolve(raw);
    const nextSeen = ref ? [...seen, ref] : seen;
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      out.push({ path: [...path, key], node: child });
      walk(child, [...path, key], nextSeen);
    }
    if (node.items) {
      out.push({ path: [...path, 0], node: node.items });
      walk(node.items, [...path, 0], nextSeen);
    }
    if (typeof node.additionalProperties === 'object') {
      out.push({ path: [...path, 'k'], node: node.additionalProperties });
      walk(node.additionalProperties, [...path, 'k'], nextSeen);
    }
  };
  walk({ $ref: `${REF_PREFIX}${definition}` }, [], []);
  return out;
}

const served = builtinKinds.filter((k) => k.verbs.includes('create'));
const fieldsByKind = new Map(served.map((k) => [k.kind, fieldsOf(k.definition)]));

function collectionPath(kind: KindDescription): string {
  const base = kind.group ? `/apis/${kind.group}/${kind.version}` : `/api/${kind.version}`;
  return kind.namespaced ? `${base}/namespaces/${NAMESPACE}/${kind.plural}` : `${base}/${kind.plural}`;
}

let names = 0;
function baseObject(kind: KindDescription, name = `fz-${SEED % 10_000}-${++names}`): Record<string, unknown> {
  return { apiVersion: apiVersionOf(kind), kind: kind.kind, metadata: { name } };
}

// ---- values of every JSON type, and mutations ----

const VALUES: readonly unknown[] = [
  0, 1, -1, 1.5, 2 ** 53, -(2 ** 31) - 1, 1e308, '', 'x', 'not-a-quantity!', '2024-13-45T99:99:99Z', 'ü\u0000\ud800', true, false,
  [], [1, 'a', null], [[[]]], {}, { a: 1 }, { '': null }, null,
];

function setAt(target: Record<string, unknown>, path: readonly (string | number)[], value: unknown): void {
  let node: Record<string | number, unknown> = target;
  for (let i = 0; i < path.length - 1; i++) {
    const step = path[i]!;
    const nextIsIndex = typeof path[i + 1] === 'number';
    if (node[step] === null || typeof node[step] !== 'object') node[step] = nextIsIndex ? [] : {};
    node = node[step] as Record<string | number, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function mistyped(kind: KindDescription, name?: string): Record<string, unknown> {
  const object = baseObject(kind, name);
  const fields = fieldsByKind.get(kind.kind) ?? [];
  for (let i = 0, n = 1 + Math.floor(random() * 3); i < n && fields.length > 0; i++) {
    const field = pick(fields);
    // Never the type meta: a wrong kind or apiVersion is another case.
    if (field.path[0] === 'kind' || field.path[0] === 'apiVersion') continue;
    const node = resolve(field.node);
    const value = chance(0.25) && (node.type === 'object' || node.type === 'array' || node.additionalProperties) ? null : anyValue();
    setAt(object, field.path, value);
  }
  return object;
}

function deep(levels: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = chance(0.5) ? { d: value } : [value];
  return value;
}

// ---- cases ----

interface Case {
  method: string;
  path: string;
  body?: Buffer;
  contentType?: string;
  what: string;
}

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const PATCH_TYPES = ['application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/json-patch+json'];

const BAD_QUERIES: readonly string[] = [
  'labelSelector=a%3D%3D%3Db', 'labelSelector=!!', 'labelSelector=a+in+(b', 'labelSelector=' + 'x'.repeat(5000), 'fieldSelector=spec.bogus%3Dx', 'fieldSelector=%3D',
  'limit=-1', 'limit=abc', 'limit=99999999999999999999', 'continue=garbage', 'continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6LTF9',
  // (A future resourceVersion is left out: kube itself answers it 504 "Too large resource version", after 3 s.)
  'resourceVersion=abc', 'resourceVersion=-5', 'resourceVersion=1.5', 'resourceVersionMatch=Bogus', 'resourceVersionMatch=Exact&resourceVersion=0',
  'timeoutSeconds=abc', 'timeoutSeconds=-1', 'sendInitialEvents=maybe', 'allowWatchBookmarks=%00', 'watch=maybe', 'watch=0', 'watch=FALSE',
  'dryRun=Garbage', 'dryRun=', 'fieldValidation=Bogus', 'fieldManager=' + '\u0007'.repeat(3), 'pretty=yes', 'propagationPolicy=Nope', 'gracePeriodSeconds=x',
  '%ZZ=1', 'a=%E0%A4%A', 'labelSelector=%FF%FE',
];

function badEncoding(): { body: Buffer; contentType: string; what: string } {
  return pick([
    () => ({ body: Buffer.from([0xff, 0xfe, 0xfd, 0x7b, 0x22]), contentType: 'application/json', what: 'invalid UTF-8' }),
    () => ({ body: Buffer.from('{"metadata":{"name":"x"'), contentType: 'application/json', what: 'truncated JSON' }),
    () => ({ body: Buffer.from('metadata:\n\tname: x\n  - [\n'), contentType: 'application/yaml', what: 'broken YAML' }),
    () => ({ body: Buffer.from('a: &a [*a]\nb: *a\n'), contentType: 'application/yaml', what: 'YAML alias loop' }),
    () => ({ body: Buffer.from('x: ' + '[a, '.repeat(2000)), contentType: 'application/yaml', what: 'deep YAML flow' }),
    () => ({ body: Buffer.concat([Buffer.from('k8s\u0000'), Buffer.from(Array.from({ length: 64 }, () => Math.floor(random() * 256)))]), contentType: 'application/vnd.kubernetes.protobuf', what: 'garbage protobuf' }),
    () => ({ body: Buffer.from('not protobuf at all'), contentType: 'application/vnd.kubernetes.protobuf', what: 'protobuf without magic' }),
    () => ({ body: json({ metadata: { name: 'x' } }), contentType: 'text/plain', what: 'unknown content type' }),
    () => ({ body: Buffer.from('[1,2,3]'), contentType: 'application/json', what: 'a JSON array' }),
    () => ({ body: Buffer.from('"just a string"'), contentType: 'application/json', what: 'a JSON string' }),
    () => ({ body: Buffer.from('null'), contentType: 'application/json', what: 'JSON null' }),
    () => ({ body: Buffer.from(''), contentType: 'application/json', what: 'an empty body' }),
    () => ({ body: Buffer.from('{"a":1,"a":{"b":2}}'), contentType: 'application/json', what: 'duplicate keys' }),
  ])();
}

function oversize(kind: KindDescription): { body: unknown; what: string } {
  const object = baseObject(kind);
  const metadata = object.metadata as Record<string, unknown>;
  return pick([
    () => ((metadata.name = 'n'.repeat(300)), { body: object, what: '300-character name' }),
    () => ((metadata.labels = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, 'v']))), { body: object, what: '2,000 labels' }),
    () => ((metadata.annotations = { a: 'x'.repeat(300 * 1024) }), { body: object, what: '300 KiB annotation' }),
    () => ((metadata.labels = { ['k'.repeat(400)]: 'v'.repeat(400) }), { body: object, what: 'oversize label' }),
    () => ((object.spec = deep(90)), { body: object, what: 'nested 90 deep' }),
    () => ((object.spec = deep(150)), { body: object, what: 'nested 150 deep' }),
    () => ((metadata.finalizers = Array.from({ length: 5000 }, (_, i) => `f/${i}`)), { body: object, what: '5,000 finalizers' }),
  ])();
}

function jsonPatchOps(kind: KindDescription): unknown[] {
  const fields = fieldsByKind.get(kind.kind) ?? [];
  const pointer = (): string => (chance(0.2) ? pick(['', '/', '/~2', '/metadata/~', '/-', '/metadata/labels/-/x']) : `/${pick(fields)?.path.join('/') ?? 'x'}`);
  return Array.from({ length: 1 + Math.floor(random() * 4) }, () => {
    const op = pick(['add', 'remove', 'replace', 'move', 'copy', 'test', 'bogus', 1, null]);
    return pick([
      { op, path: pointer(), value: anyValue() },
      { op, path: pointer(), from: pointer() },
      { op, path: anyValue() },
      { op },
      anyValue(),
    ]);
  });
}

function nextCase(): Case {
  const kind = pick(served);
  const collection = collectionPath(kind);
  const stored = kind.servedBy === 'store';
  const existing = `${collection}/fz-base`;
  const roll = random();
  if (roll < 0.3 || !stored) {
    if (chance(0.2)) {
      // The same as YAML, with YAML 1.1 scalars (yes, on, ~, dates, octal) where strings belong.
      const text = `${yaml().stringify(mistyped(kind))}` + (chance(0.5) ? '' : `\n---\n`);
      const scalars = `metadata:\n  name: ${pick(['yes', 'on', '~', '0o17', '2001-12-14', '1e3', 'y', '"fz-yaml"'])}\n  labels:\n    ${pick(['on', 'n', 'a'])}: ${pick(['yes', 'off', '~', '0x1F', '.inf', '2001-12-14t21:59:43.10-05:00'])}\n`;
      return { method: 'POST', path: collection, body: Buffer.from(chance(0.5) ? text : `apiVersion: ${apiVersionOf(kind)}\nkind: ${kind.kind}\n${scalars}`), contentType: 'application/yaml', what: `POST ${kind.kind} as YAML` };
    }
    return { method: 'POST', path: collection, body: json(mistyped(kind)), what: `POST ${kind.kind} with mistyped fields` };
  }
  if (roll < 0.42) {
    // Subresources too (status, and a namespace's finalize): each must decode as strictly as the object.
    const sub = chance(0.25) ? `/${pick(['status', 'finalize', 'scale', 'bogus'])}` : '';
    return { method: 'PUT', path: `${existing}${sub}`, body: json(mistyped(kind, 'fz-base')), what: `PUT ${kind.kind}${sub} with mistyped fields` };
  }
  if (roll < 0.56) {
    const contentType = pick(PATCH_TYPES);
    const body = contentType === 'application/json-patch+json' ? jsonPatchOps(kind) : mistyped(kind, 'fz-base');
    return { method: 'PATCH', path: existing, body: json(body), contentType, what: `PATCH ${kind.kind} (${contentType})` };
  }
  if (roll < 0.68) {
    const bad = badEncoding();
    const method = pick(['POST', 'PUT', 'PATCH', 'DELETE']);
    const contentType = method === 'PATCH' && chance(0.5) ? pick(PATCH_TYPES) : bad.contentType;
    return { method, path: method === 'POST' ? collection : existing, body: bad.body, contentType, what: `${method} ${kind.kind} with ${bad.what} as ${contentType}` };
  }
  if (roll < 0.78) {
    const big = oversize(kind);
    return { method: 'POST', path: collection, body: json(big.body), what: `POST ${kind.kind} with ${big.what}` };
  }
  const query = Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(BAD_QUERIES)).join('&');
  const method = pick(['GET', 'GET', 'DELETE', 'POST']);
  if (method === 'POST') return { method, path: `${collection}?${query}`, body: json(baseObject(kind)), what: `POST ${kind.kind} ?${query}` };
  if (method === 'DELETE') {
    const body = chance(0.5) ? json({ propagationPolicy: anyValue(), preconditions: anyValue(), gracePeriodSeconds: anyValue(), dryRun: anyValue() }) : undefined;
    return { method, path: `${chance(0.5) ? existing : `${collection}/missing`}?${query}`, ...(body ? { body } : {}), what: `DELETE ${kind.kind} ?${query}` };
  }
  return { method, path: `${chance(0.5) ? collection : existing}?${query}`, what: `GET ${kind.kind} ?${query}` };
}

// ---- sending ----

interface Answer {
  status: number;
  body: string;
}

function send(creds: Credentials, c: Case): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${creds.token}` };
    if (c.body) {
      headers['content-type'] = c.contentType ?? 'application/json';
      // Node frames a DELETE's body only when told its length.
      headers['content-length'] = String(c.body.length);
    }
    const req = request(new URL(c.path, creds.server), { method: c.method, headers, ca: creds.ca, agent: false, signal: AbortSignal.timeout(REQUEST_BOUND_MS) }, (res) => {
      // A watch the fuzz turned on (watch=maybe is true, as in kube) streams: its answer is the status line.
      if (res.statusCode === 200 && res.headers['transfer-encoding'] === 'chunked' && /watch=(?!0|false)/i.test(c.path)) {
        res.destroy();
        return resolve({ status: 200, body: '' });
      }
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(c.body);
  });
}

/** What is wrong with an answer, or undefined. */
function problemOf(answer: Answer): string | undefined {
  if (answer.status >= 500) return `answered ${answer.status}: ${answer.body.slice(0, 300)}`;
  if (answer.status < 400) return undefined;
  let status: { kind?: unknown; code?: unknown; status?: unknown };
  try {
    status = JSON.parse(answer.body) as typeof status;
  } catch {
    return `answered ${answer.status} with a body that is not JSON: ${answer.body.slice(0, 200)}`;
  }
  if (status.kind !== 'Status' || status.code !== answer.status || status.status !== 'Failure') return `answered ${answer.status} with a body that is not its Status: ${answer.body.slice(0, 200)}`;
  return undefined;
}

describe('fuzz: malformed and mistyped requests against every served kind', () => {
  const suite = suiteServer();

  before(async () => {
    process.stdout.write(`fuzz seed ${SEED} (replay: KUBEACTOR_FUZZ_SEED=${SEED}), ${SECONDS} s, ${served.length} kinds: ${served.map((k) => k.kind).join(', ')}\n`);
    await send(suite.creds, { method: 'POST', path: '/api/v1/namespaces', body: json({ metadata: { name: NAMESPACE } }), what: 'setup' });
    for (const kind of served.filter((k) => k.servedBy === 'store')) {
      // A plain object to PUT and PATCH; kinds with required fields may refuse it, which is a case too.
      await send(suite.creds, { method: 'POST', path: collectionPath(kind), body: json(baseObject(kind, 'fz-base')), what: 'setup' });
    }
  });

  it('answers every case below 500, with a Status for every error, within the bound; no actor crashes and the server stays healthy', async () => {
    const findings: string[] = [];
    const byStatus = new Map<number, number>();
    const deadline = Date.now() + SECONDS * 1000;
    let cases = 0;
    while (Date.now() < deadline && findings.length < 20) {
      const c = nextCase();
      cases++;
      try {
        const answer = await send(suite.creds, c);
        byStatus.set(answer.status, (byStatus.get(answer.status) ?? 0) + 1);
        const problem = problemOf(answer);
        if (problem) findings.push(`case ${cases}, ${c.what} (${c.method} ${c.path.slice(0, 200)}): ${problem}`);
      } catch (e) {
        findings.push(`case ${cases}, ${c.what} (${c.method} ${c.path.slice(0, 200)}): no answer: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const summary = [...byStatus.entries()].sort((a, b) => a[0] - b[0]).map(([status, n]) => `${status}×${n}`).join(' ');
    process.stdout.write(`fuzz: ${cases} cases (seed ${SEED}): ${summary}\n`);
    for (const finding of findings) process.stdout.write(`finding: ${finding}\n`);
    assert.deepEqual(findings, [], `seed ${SEED}`);

    const tree = JSON.parse((await send(suite.creds, { method: 'GET', path: '/debug/actors', what: 'health' })).body) as { actors: { id: string; restarts: number; status?: string; counters?: { errors: number } }[] };
    const troubled = tree.actors.filter((a) => a.restarts > 0 || (a.counters?.errors ?? 0) > 0 || (a.status !== undefined && a.status !== 'active'));
    assert.deepEqual(troubled.map((a) => ({ id: a.id, restarts: a.restarts, errors: a.counters?.errors, status: a.status })), [], `seed ${SEED}: actors crashed, restarted or failed messages`);
    assert.equal((await send(suite.creds, { method: 'GET', path: '/readyz', what: 'health' })).status, 200);
    const created = await send(suite.creds, { method: 'POST', path: `/api/v1/namespaces/${NAMESPACE}/configmaps`, body: json({ metadata: { name: 'after-fuzz' }, data: { ok: 'yes' } }), what: 'health' });
    assert.equal(created.status, 201, created.body);
    assert.equal((await send(suite.creds, { method: 'GET', path: `/api/v1/namespaces/${NAMESPACE}/configmaps/after-fuzz`, what: 'health' })).status, 200);
  });
});

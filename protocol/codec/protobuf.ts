// kube's protobuf request bodies (kubectl 1.32+ sends its typed creates this
// way): the `k8s\0` magic, a runtime.Unknown envelope naming apiVersion and
// kind, and the object's own message, decoded into the object a JSON client
// would have sent. Go's protobuf marshaller writes every non-pointer field,
// even "" and 0; the facts in protobuf-fields.ts (generated from upstream's
// generated.proto and Go struct tags) say which of those JSON leaves out.
//
// The body is untrusted: every length is bounds-checked, nesting is capped,
// and every loop consumes input, so a hostile body costs at most linear time.

import { PROTOBUF_FIELDS, PROTOBUF_LIST_MESSAGES, type ProtobufFieldFact } from './protobuf-fields.js';

export const PROTOBUF_MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);
export const MAX_PROTOBUF_DEPTH = 100;

/**
 * Protobuf can be far terser than the JSON it stands for: two bytes make an
 * empty PodTemplate, which decodes to seven values. Cap the values a body may
 * yield at one per two bytes, about what a dense JSON body yields; kubectl's
 * bodies yield one value per five to ten bytes.
 */
const BODY_BYTES_PER_VALUE = 2;
const VALUES_ALLOWANCE = 10_000;

interface Decoding {
  /** Values the body may still produce. */
  budget: number;
}

function spend(ctx: Decoding, values: number): void {
  ctx.budget -= values;
  if (ctx.budget < 0) throw new ProtobufDecodeError('the body decodes to an object far larger than itself');
}

export class ProtobufDecodeError extends Error {
  override readonly name = 'ProtobufDecodeError';
}

export interface DecodedKubeProtobuf {
  apiVersion: string;
  kind: string;
  object: Record<string, unknown>;
}

export function isKubeProtobuf(body: Uint8Array): boolean {
  return body.length >= PROTOBUF_MAGIC.length && PROTOBUF_MAGIC.every((byte, i) => body[i] === byte);
}

// ---- wire format ----------------------------------------------------------------

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

const EMPTY = new Uint8Array(0);

const fieldOf = (tag: number): number => tag >>> 3;
const wireTypeOf = (tag: number): number => tag & 7;

class WireReader {
  private pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const byte = this.buf[this.pos++];
      if (byte === undefined) throw new ProtobufDecodeError('truncated varint');
      result |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return BigInt.asUintN(64, result);
    }
    throw new ProtobufDecodeError('varint longer than 10 bytes');
  }

  /** A varint read as a JS number; exact up to 2^53, which covers every tag and every length that can fit. */
  private number(): number {
    // Most varints are one or two bytes: skip BigInt for them.
    const first = this.buf[this.pos];
    if (first !== undefined && first < 0x80) {
      this.pos++;
      return first;
    }
    const value = this.varint();
    return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
  }

  lengthDelimited(): Uint8Array {
    const length = this.number();
    if (length > this.buf.length - this.pos) throw new ProtobufDecodeError('truncated body: a length-delimited field runs past the end of its message');
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  fixed(size: 4 | 8): DataView {
    if (size > this.buf.length - this.pos) throw new ProtobufDecodeError('truncated fixed-width field');
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, size);
    this.pos += size;
    return view;
  }

  /** The next tag: field number << 3 | wire type (split with fieldOf and wireTypeOf). */
  tag(): number {
    const tag = this.number();
    // Field numbers are at most 2^29 - 1; anything larger is garbage, not a field we know.
    if (tag >= 2 ** 32) throw new ProtobufDecodeError('field tag out of range');
    if (tag < 8) throw new ProtobufDecodeError('field number 0 is not valid');
    return tag;
  }

  skip(wireType: number): void {
    if (wireType === VARINT) this.varint();
    else if (wireType === FIXED64) this.fixed(8);
    else if (wireType === LENGTH_DELIMITED) this.lengthDelimited();
    else if (wireType === FIXED32) this.fixed(4);
    // Groups (3, 4) are proto1 relics that kube never writes.
    else throw new ProtobufDecodeError(`unsupported wire type ${wireType}`);
  }
}

type RawFields = Map<number, bigint | Uint8Array>;

/** The varint and length-delimited fields of one message, last occurrence winning: for the few messages decoded by hand. */
function readFields(bytes: Uint8Array): RawFields {
  const fields: RawFields = new Map();
  const r = new WireReader(bytes);
  while (!r.done) {
    const tag = r.tag();
    if (wireTypeOf(tag) === VARINT) fields.set(fieldOf(tag), r.varint());
    else if (wireTypeOf(tag) === LENGTH_DELIMITED) fields.set(fieldOf(tag), r.lengthDelimited());
    else r.skip(wireTypeOf(tag));
  }
  return fields;
}

function varintField(fields: RawFields, field: number): bigint | undefined {
  const value = fields.get(field);
  if (value instanceof Uint8Array) throw new ProtobufDecodeError(`field ${field} should be a varint`);
  return value;
}

function bytesField(fields: RawFields, field: number): Uint8Array | undefined {
  const value = fields.get(field);
  if (typeof value === 'bigint') throw new ProtobufDecodeError(`field ${field} should be length-delimited`);
  return value;
}

const utf8 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
const base64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

// ---- scalars ----------------------------------------------------------------------

const NATURAL_WIRE_TYPE: Readonly<Record<string, number>> = {
  string: LENGTH_DELIMITED,
  bytes: LENGTH_DELIMITED,
  bool: VARINT,
  int32: VARINT,
  int64: VARINT,
  uint32: VARINT,
  uint64: VARINT,
  double: FIXED64,
  float: FIXED32,
};

function expectWireType(type: string, wireType: number, expected: number | undefined): void {
  if (wireType !== expected) throw new ProtobufDecodeError(`a ${type} field arrived with wire type ${wireType}`);
}

function readScalar(type: string, wireType: number, r: WireReader): string | number | boolean {
  expectWireType(type, wireType, NATURAL_WIRE_TYPE[type]);
  switch (type) {
    case 'string':
      return utf8(r.lengthDelimited());
    case 'bytes':
      // As Go's JSON encodes []byte.
      return base64(r.lengthDelimited());
    case 'bool':
      return r.varint() !== 0n;
    case 'int32':
      return Number(BigInt.asIntN(32, r.varint()));
    case 'uint32':
      return Number(BigInt.asUintN(32, r.varint()));
    case 'int64':
      return Number(BigInt.asIntN(64, r.varint()));
    case 'uint64':
      return Number(r.varint());
    case 'double':
      return r.fixed(8).getFloat64(0, true);
    case 'float':
      return r.fixed(4).getFloat32(0, true);
    default:
      throw new ProtobufDecodeError(`unsupported scalar type ${type}`);
  }
}

function scalarZero(type: string): string | number | boolean | null {
  if (type === 'string') return '';
  if (type === 'bool') return false;
  if (type === 'bytes') return null;
  return 0;
}

// ---- messages whose JSON is not an object of their fields ----------------------------

const TIME = 'k8s.io.apimachinery.pkg.apis.meta.v1.Time';
const MICRO_TIME = 'k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime';
const DURATION = 'k8s.io.apimachinery.pkg.apis.meta.v1.Duration';
const FIELDS_V1 = 'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1';
const RAW_EXTENSION = 'k8s.io.apimachinery.pkg.runtime.RawExtension';
const INT_OR_STRING = 'k8s.io.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = 'k8s.io.apimachinery.pkg.api.resource.Quantity';

/** Go's time.Time{}.Unix(): metav1.Time marshals a zero time as no bytes, but read it back as null either way. */
const GO_ZERO_TIME_SECONDS = -62135596800n;

const floorDiv = (a: bigint, b: bigint): bigint => (a % b !== 0n && a < 0n !== b < 0n ? a / b - 1n : a / b);

function formatTime(bytes: Uint8Array, micro: boolean): string | null {
  if (bytes.length === 0) return null;
  const fields = readFields(bytes);
  const seconds = BigInt.asIntN(64, varintField(fields, 1) ?? 0n);
  // Time keeps whole seconds, as its JSON form does; MicroTime keeps microseconds.
  const nanos = micro ? BigInt.asIntN(32, varintField(fields, 2) ?? 0n) : 0n;
  const totalMicros = floorDiv(seconds * 1_000_000_000n + nanos, 1000n);
  const whole = floorDiv(totalMicros, 1_000_000n);
  const micros = totalMicros - whole * 1_000_000n;
  if (whole === GO_ZERO_TIME_SECONDS && micros === 0n) return null;
  const date = new Date(Number(whole) * 1000);
  const year = date.getUTCFullYear();
  if (Number.isNaN(year) || year < 0 || year > 9999) throw new ProtobufDecodeError(`timestamp ${seconds}s is outside years 0000-9999`);
  const pad = (n: number | bigint, width = 2): string => String(n).padStart(width, '0');
  const day = `${pad(year, 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
  const clock = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${day}T${clock}${micro ? `.${pad(micros, 6)}` : ''}Z`;
}

/** Go's time.Duration.String(), which is how metav1.Duration appears in JSON. */
export function formatGoDuration(nanoseconds: bigint): string {
  if (nanoseconds === 0n) return '0s';
  const sign = nanoseconds < 0n ? '-' : '';
  let u = nanoseconds < 0n ? -nanoseconds : nanoseconds;
  const fraction = (value: bigint, digits: number): [string, bigint] => {
    const scale = 10n ** BigInt(digits);
    const frac = (value % scale).toString().padStart(digits, '0').replace(/0+$/, '');
    return [frac ? `.${frac}` : '', value / scale];
  };
  if (u < 1_000_000_000n) {
    if (u < 1000n) return `${sign}${u}ns`;
    const [frac, whole] = fraction(u, u < 1_000_000n ? 3 : 6);
    return `${sign}${whole}${frac}${u < 1_000_000n ? 'µs' : 'ms'}`;
  }
  const [frac, secondsTotal] = fraction(u, 9);
  let text = `${secondsTotal % 60n}${frac}s`;
  u = secondsTotal / 60n;
  if (u > 0n) {
    text = `${u % 60n}m${text}`;
    u /= 60n;
    if (u > 0n) text = `${u}h${text}`;
  }
  return sign + text;
}

function parseEmbeddedJson(ctx: Decoding, bytes: Uint8Array | undefined, depth: number, what: string): unknown {
  if (!bytes || bytes.length === 0) return null;
  // A RawExtension may itself hold a kube protobuf object.
  if (isKubeProtobuf(bytes)) return decodeEnvelope(ctx, bytes, depth + 1).object;
  try {
    return JSON.parse(utf8(bytes));
  } catch (e) {
    throw new ProtobufDecodeError(`${what} does not hold valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function decodeSpecial(ctx: Decoding, message: string, bytes: Uint8Array, depth: number): { value: unknown } | undefined {
  switch (message) {
    case TIME:
      return { value: formatTime(bytes, false) };
    case MICRO_TIME:
      return { value: formatTime(bytes, true) };
    case DURATION:
      return { value: formatGoDuration(BigInt.asIntN(64, varintField(readFields(bytes), 1) ?? 0n)) };
    case INT_OR_STRING: {
      const fields = readFields(bytes);
      const type = varintField(fields, 1) ?? 0n;
      if (type === 0n) return { value: Number(BigInt.asIntN(32, varintField(fields, 2) ?? 0n)) };
      if (type === 1n) return { value: utf8(bytesField(fields, 3) ?? EMPTY) };
      throw new ProtobufDecodeError(`IntOrString has type ${type}, neither int (0) nor string (1)`);
    }
    case QUANTITY: {
      const text = bytesField(readFields(bytes), 1);
      return { value: text === undefined ? '0' : utf8(text) };
    }
    case RAW_EXTENSION:
      return { value: parseEmbeddedJson(ctx, bytesField(readFields(bytes), 1), depth, 'a RawExtension') };
    case FIELDS_V1:
      return { value: parseEmbeddedJson(ctx, bytesField(readFields(bytes), 1), depth, 'a FieldsV1') };
    default:
      return undefined;
  }
}

// ---- messages -------------------------------------------------------------------------

function decodeMessage(ctx: Decoding, message: string, bytes: Uint8Array, depth: number): unknown {
  if (depth > MAX_PROTOBUF_DEPTH) throw new ProtobufDecodeError(`objects nested deeper than ${MAX_PROTOBUF_DEPTH} levels`);
  const special = decodeSpecial(ctx, message, bytes, depth);
  if (special) return special.value;
  const object = decodeObject(ctx, message, bytes, depth);
  // Go named slices (type Verbs []string) travel wrapped as {items}; JSON has the bare list.
  if (PROTOBUF_LIST_MESSAGES.has(message)) return object.items ?? [];
  return object;
}

function readMessage(ctx: Decoding, message: string, wireType: number, r: WireReader, depth: number): unknown {
  expectWireType(message, wireType, LENGTH_DELIMITED);
  return decodeMessage(ctx, message, r.lengthDelimited(), depth + 1);
}

function readValue(ctx: Decoding, type: string, wireType: number, r: WireReader, depth: number): unknown {
  return NATURAL_WIRE_TYPE[type] === undefined ? readMessage(ctx, type, wireType, r, depth) : readScalar(type, wireType, r);
}

function readMapEntry(ctx: Decoding, fact: ProtobufFieldFact, wireType: number, r: WireReader, into: Record<string, unknown>, depth: number): void {
  const map = fact.map!;
  expectWireType(`map entry of ${fact.name}`, wireType, LENGTH_DELIMITED);
  const entry = new WireReader(r.lengthDelimited());
  let key: unknown;
  let value: unknown;
  while (!entry.done) {
    const tag = entry.tag();
    if (fieldOf(tag) === 1) key = readScalar(map.key, wireTypeOf(tag), entry);
    else if (fieldOf(tag) === 2) value = readValue(ctx, map.value, wireTypeOf(tag), entry, depth);
    else entry.skip(wireTypeOf(tag));
  }
  if (value === undefined) {
    value = NATURAL_WIRE_TYPE[map.value] === undefined ? decodeMessage(ctx, map.value, EMPTY, depth + 1) : scalarZero(map.value);
  }
  const name = String(key ?? scalarZero(map.key));
  // Keys are untrusted: "__proto__" must become a key, not a prototype.
  spend(ctx, 1);
  if (name === '__proto__') Object.defineProperty(into, name, { value, enumerable: true, writable: true, configurable: true });
  else into[name] = value;
}

function readRepeated(ctx: Decoding, fact: ProtobufFieldFact, wireType: number, r: WireReader, into: unknown[], depth: number): void {
  const natural = NATURAL_WIRE_TYPE[fact.type];
  spend(ctx, 1);
  if (fact.type === 'message') {
    into.push(readMessage(ctx, fact.message!, wireType, r, depth));
  } else if (wireType === LENGTH_DELIMITED && natural !== LENGTH_DELIMITED) {
    // Packed numbers: proto2 kube writes them unpacked, but a reader must take both.
    const packed = new WireReader(r.lengthDelimited());
    while (!packed.done) {
      spend(ctx, 1);
      into.push(readScalar(fact.type, natural ?? -1, packed));
    }
  } else {
    into.push(readScalar(fact.type, wireType, r));
  }
}

function isZero(value: unknown): boolean {
  return value === '' || value === 0 || value === false || value === null;
}

function absentValue(ctx: Decoding, fact: ProtobufFieldFact, depth: number): unknown {
  if (fact.whenAbsent === 'null' || fact.repeated || fact.map) return null;
  if (fact.type === 'message') return decodeMessage(ctx, fact.message!, EMPTY, depth + 1);
  return scalarZero(fact.type);
}

function decodeObject(ctx: Decoding, message: string, bytes: Uint8Array, depth: number): Record<string, unknown> {
  const facts = PROTOBUF_FIELDS[message];
  if (!facts) throw new ProtobufDecodeError(`no protobuf description of ${message}`);
  const seen = new Map<number, unknown>();
  const r = new WireReader(bytes);
  while (!r.done) {
    const tag = r.tag();
    const field = fieldOf(tag);
    const wireType = wireTypeOf(tag);
    const fact = facts[field];
    if (!fact) {
      // Fields newer than our facts are skipped, as Go skips them.
      r.skip(wireType);
    } else if (fact.map) {
      let map = seen.get(field) as Record<string, unknown> | undefined;
      if (!map) seen.set(field, (map = {}));
      readMapEntry(ctx, fact, wireType, r, map, depth);
    } else if (fact.repeated) {
      let list = seen.get(field) as unknown[] | undefined;
      if (!list) seen.set(field, (list = []));
      readRepeated(ctx, fact, wireType, r, list, depth);
    } else {
      // A repeated occurrence of a singular field replaces the earlier one.
      seen.set(field, fact.type === 'message' ? readMessage(ctx, fact.message!, wireType, r, depth) : readScalar(fact.type, wireType, r));
    }
  }
  // Unset fields Go's JSON still writes; looked up per message, so an empty message costs what it yields.
  for (const [field, fact] of fieldsWrittenWhenAbsent(message, facts)) {
    if (!seen.has(field)) seen.set(field, absentValue(ctx, fact, depth));
  }
  const out: Record<string, unknown> = {};
  const inlined: Record<string, unknown>[] = [];
  // Field-number order is Go's struct order, which is how kube writes JSON.
  for (const field of [...seen.keys()].sort((a, b) => a - b)) {
    const fact = facts[field]!;
    const value = seen.get(field);
    if (fact.omitEmpty && !fact.repeated && !fact.map && isZero(value)) continue;
    if (fact.inline) {
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) inlined.push(value as Record<string, unknown>);
      continue;
    }
    spend(ctx, 1);
    out[fact.name] = value;
  }
  // Go's JSON gives an outer field precedence over an embedded struct's field of the same name.
  for (const inner of inlined) {
    for (const [key, value] of Object.entries(inner)) if (!Object.hasOwn(out, key)) out[key] = value;
  }
  return out;
}

const WRITTEN_WHEN_ABSENT = new Map<string, [number, ProtobufFieldFact][]>();

function fieldsWrittenWhenAbsent(message: string, facts: Readonly<Record<number, ProtobufFieldFact>>): [number, ProtobufFieldFact][] {
  let fields = WRITTEN_WHEN_ABSENT.get(message);
  if (!fields) {
    fields = Object.entries(facts).filter(([, fact]) => fact.whenAbsent).map(([number, fact]) => [Number(number), fact]);
    WRITTEN_WHEN_ABSENT.set(message, fields);
  }
  return fields;
}

// ---- the envelope ---------------------------------------------------------------------

/** apiVersion group → the proto package of its types, k8s.io.api.<package>.<version>. */
const PACKAGES: Readonly<Record<string, string>> = {
  '': 'core',
  apps: 'apps',
  batch: 'batch',
  autoscaling: 'autoscaling',
  policy: 'policy',
  'rbac.authorization.k8s.io': 'rbac',
  'networking.k8s.io': 'networking',
  'scheduling.k8s.io': 'scheduling',
  'coordination.k8s.io': 'coordination',
  'discovery.k8s.io': 'discovery',
  'events.k8s.io': 'events',
  'storage.k8s.io': 'storage',
  'certificates.k8s.io': 'certificates',
  'authentication.k8s.io': 'authentication',
  'authorization.k8s.io': 'authorization',
  'admissionregistration.k8s.io': 'admissionregistration',
  'flowcontrol.apiserver.k8s.io': 'flowcontrol',
  'node.k8s.io': 'node',
};

/** Whether a group's kinds are kube's own, with protobuf messages (custom resources have none). */
export function hasProtobufPackage(group: string): boolean {
  return Object.hasOwn(PACKAGES, group);
}

/** Kinds every group version serves from meta/v1 (kube registers them everywhere). */
const META_KINDS = new Set(['DeleteOptions', 'Status', 'ListOptions', 'GetOptions', 'CreateOptions', 'UpdateOptions', 'PatchOptions']);

/** The full protobuf message name of a kind, e.g. v1 ConfigMap → k8s.io.api.core.v1.ConfigMap. */
export function protobufMessageFor(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const pkg = Object.hasOwn(PACKAGES, group) ? PACKAGES[group] : undefined;
  if (pkg === undefined || !/^v\d+((alpha|beta)\d+)?$/.test(version)) throw new ProtobufDecodeError(`no protobuf encoding is known for apiVersion ${JSON.stringify(apiVersion)}`);
  const message = `k8s.io.api.${pkg}.${version}.${kind}`;
  if (Object.hasOwn(PROTOBUF_FIELDS, message)) return message;
  const meta = `k8s.io.apimachinery.pkg.apis.meta.v1.${kind}`;
  if (META_KINDS.has(kind) && Object.hasOwn(PROTOBUF_FIELDS, meta)) return meta;
  throw new ProtobufDecodeError(`no protobuf encoding is known for kind ${JSON.stringify(kind)} in ${apiVersion}`);
}

function decodeEnvelope(ctx: Decoding, body: Uint8Array, depth: number): DecodedKubeProtobuf {
  if (!isKubeProtobuf(body)) throw new ProtobufDecodeError('the body does not start with the kube protobuf magic k8s\\0');
  // runtime.Unknown: typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2, contentEncoding = 3, contentType = 4.
  const envelope = readFields(body.subarray(PROTOBUF_MAGIC.length));
  const typeMeta = readFields(bytesField(envelope, 1) ?? EMPTY);
  const apiVersion = utf8(bytesField(typeMeta, 1) ?? EMPTY);
  const kind = utf8(bytesField(typeMeta, 2) ?? EMPTY);
  if (!kind) throw new ProtobufDecodeError('the protobuf envelope names no kind');
  const contentEncoding = utf8(bytesField(envelope, 3) ?? EMPTY);
  if (contentEncoding) throw new ProtobufDecodeError(`unsupported protobuf content encoding ${JSON.stringify(contentEncoding)}`);
  const contentType = utf8(bytesField(envelope, 4) ?? EMPTY);
  if (contentType && contentType !== 'application/vnd.kubernetes.protobuf') throw new ProtobufDecodeError(`unsupported protobuf content type ${JSON.stringify(contentType)}`);
  const message = protobufMessageFor(apiVersion, kind);
  const object = decodeMessage(ctx, message, bytesField(envelope, 2) ?? EMPTY, depth) as Record<string, unknown>;
  return { apiVersion, kind, object: { apiVersion, kind, ...object } };
}

/** Decodes a `k8s\0`-prefixed runtime.Unknown into the JSON-shaped object it carries. */
export function decodeKubeProtobuf(body: Uint8Array): DecodedKubeProtobuf {
  return decodeEnvelope({ budget: VALUES_ALLOWANCE + body.length / BODY_BYTES_PER_VALUE }, body, 0);
}

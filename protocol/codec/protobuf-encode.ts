// kube's protobuf responses: the JSON-shaped object a kind's store answers,
// written as Go's generated marshallers write it, in kube's `k8s\0` +
// runtime.Unknown envelope; and watch events in kube's protobuf stream
// framing (a 4-byte big-endian length, then a raw metav1.WatchEvent whose
// object is itself an enveloped object).
//
// Go's gogo-protobuf marshallers write every field that is not a pointer,
// even "" and 0 (a nil Time as an empty message), in field-number order, and
// map entries sorted by key; the facts of protobuf-fields.ts say which fields
// are not pointers (omitEmpty, or written when absent as their zero value).
// Writing the same way makes our bytes Go's bytes, which the spec checks
// against kubectl's own.

import { PROTOBUF_FIELDS, PROTOBUF_LIST_MESSAGES, type ProtobufFieldFact } from './protobuf-fields.js';
import { PROTOBUF_MAGIC, protobufMessageFor } from './protobuf.js';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';
export const PROTOBUF_WATCH_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf;stream=watch';

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1.';
const TIME = `${META}Time`;
const MICRO_TIME = `${META}MicroTime`;
const DURATION = `${META}Duration`;
const FIELDS_V1 = `${META}FieldsV1`;
const RAW_EXTENSION = 'k8s.io.apimachinery.pkg.runtime.RawExtension';
const INT_OR_STRING = 'k8s.io.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = 'k8s.io.apimachinery.pkg.api.resource.Quantity';

/** Grows as it is written; nested messages are written to their own writer, then copied in behind their length. */
class Writer {
  private buf = new Uint8Array(256);
  private pos = 0;

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  varint(value: number | bigint): void {
    if (typeof value === 'number' && value >= 0 && value < 2 ** 31) {
      this.reserve(5);
      let v = value;
      while (v >= 0x80) {
        this.buf[this.pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      this.buf[this.pos++] = v;
      return;
    }
    let v = BigInt.asUintN(64, BigInt(value));
    this.reserve(10);
    while (v >= 0x80n) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  bytes(field: number, bytes: Uint8Array): void {
    this.tag(field, 2);
    this.varint(bytes.length);
    this.raw(bytes);
  }

  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  fixed(field: number, value: number, size: 4 | 8): void {
    this.tag(field, size === 8 ? 1 : 5);
    this.reserve(size);
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, size);
    if (size === 8) view.setFloat64(0, value, true);
    else view.setFloat32(0, value, true);
    this.pos += size;
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

const utf8 = (text: string): Uint8Array => Buffer.from(text, 'utf8');

// ---- messages whose JSON is not an object of their fields ----------------------------

/** RFC 3339 → seconds and nanoseconds since the epoch; undefined when it does not parse. */
function parseTime(text: string): { seconds: bigint; nanos: number } | undefined {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!match) return undefined;
  const millis = Date.parse(`${match[1]}${match[3]}`);
  if (Number.isNaN(millis)) return undefined;
  return { seconds: BigInt(Math.floor(millis / 1000)), nanos: Number((match[2] ?? '').padEnd(9, '0')) };
}

const GO_DURATION_UNITS: Readonly<Record<string, number>> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration, as metav1.Duration reads its JSON. */
export function parseGoDuration(text: string): bigint | undefined {
  const match = /^([+-])?((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.exec(text);
  if (!match) return text === '0' ? 0n : undefined;
  let total = 0;
  for (const [, number, unit] of text.matchAll(/((?:\d+(?:\.\d*)?|\.\d+))(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(number) * GO_DURATION_UNITS[unit!]!;
  return BigInt(Math.round(match[1] === '-' ? -total : total));
}

function writeTime(w: Writer, value: unknown, micro: boolean): void {
  // A nil or zero time is an empty message.
  if (typeof value !== 'string') return;
  const time = parseTime(value);
  if (!time) return;
  w.tag(1, 0);
  w.varint(time.seconds);
  w.tag(2, 0);
  w.varint(micro ? time.nanos - (time.nanos % 1000) : 0);
}

function writeSpecial(w: Writer, message: string, value: unknown): boolean {
  switch (message) {
    case TIME:
    case MICRO_TIME:
      writeTime(w, value, message === MICRO_TIME);
      return true;
    case DURATION:
      w.tag(1, 0);
      w.varint(typeof value === 'string' ? (parseGoDuration(value) ?? 0n) : 0n);
      return true;
    case INT_OR_STRING:
      // Go writes all three fields of the struct.
      w.tag(1, 0);
      w.varint(typeof value === 'string' ? 1 : 0);
      w.tag(2, 0);
      w.varint(typeof value === 'number' ? BigInt.asUintN(64, BigInt(Math.trunc(value))) : 0n);
      w.bytes(3, utf8(typeof value === 'string' ? value : ''));
      return true;
    case QUANTITY:
      w.bytes(1, utf8(typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '0'));
      return true;
    case RAW_EXTENSION:
    case FIELDS_V1:
      // RawExtension and FieldsV1 carry their JSON as bytes; null is no bytes at all.
      if (value !== null && value !== undefined) w.bytes(1, utf8(JSON.stringify(value)));
      return true;
    default:
      return false;
  }
}

// ---- messages -------------------------------------------------------------------------

/** A field Go holds by value (no pointer, slice or map): written even when zero. */
const byValue = (fact: ProtobufFieldFact): boolean => !fact.repeated && !fact.map && (fact.omitEmpty === true || fact.whenAbsent === 'zero');

function writeScalar(w: Writer, field: number, type: string, value: unknown): void {
  switch (type) {
    case 'string':
      w.bytes(field, utf8(typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value)));
      return;
    case 'bytes':
      w.bytes(field, typeof value === 'string' ? Buffer.from(value, 'base64') : new Uint8Array(0));
      return;
    case 'bool':
      w.tag(field, 0);
      w.varint(value === true ? 1 : 0);
      return;
    case 'double':
    case 'float':
      w.fixed(field, typeof value === 'number' ? value : 0, type === 'double' ? 8 : 4);
      return;
    default: {
      // int32, int64, uint32, uint64: varints; negative ones as their 64-bit two's complement, as Go writes them.
      const n = typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : 0;
      w.tag(field, 0);
      w.varint(n >= 0 && n < 2 ** 31 ? n : BigInt.asUintN(64, BigInt(n)));
    }
  }
}

function messageBytes(message: string, value: unknown): Uint8Array {
  const inner = new Writer();
  writeMessage(inner, message, value);
  return inner.finish();
}

function writeValue(w: Writer, field: number, type: string, value: unknown): void {
  if (PROTOBUF_FIELDS[type] === undefined) writeScalar(w, field, type, value);
  else w.bytes(field, messageBytes(type, value));
}

function writeMessage(w: Writer, message: string, value: unknown): void {
  if (writeSpecial(w, message, value)) return;
  // Go named slices (type Verbs []string) travel wrapped as {items}.
  const object = PROTOBUF_LIST_MESSAGES.has(message)
    ? { items: Array.isArray(value) ? value : [] }
    : value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  for (const [field, fact] of orderedFields(message)) {
    if (fact.inline) {
      w.bytes(field, messageBytes(fact.message!, object));
      continue;
    }
    const fieldValue = Object.hasOwn(object, fact.name) ? object[fact.name] : undefined;
    if (fact.map) {
      if (fieldValue === null || typeof fieldValue !== 'object') continue;
      const entries = Object.entries(fieldValue as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      for (const [key, entryValue] of entries) {
        const entry = new Writer();
        writeScalar(entry, 1, fact.map.key, key);
        writeValue(entry, 2, fact.map.value, entryValue);
        w.bytes(field, entry.finish());
      }
    } else if (fact.repeated) {
      if (!Array.isArray(fieldValue)) continue;
      for (const item of fieldValue) writeValue(w, field, fact.type === 'message' ? fact.message! : fact.type, item);
    } else if (fieldValue !== undefined && fieldValue !== null) {
      writeValue(w, field, fact.type === 'message' ? fact.message! : fact.type, fieldValue);
    } else if (byValue(fact)) {
      writeValue(w, field, fact.type === 'message' ? fact.message! : fact.type, undefined);
    }
  }
}

const ORDERED = new Map<string, [number, ProtobufFieldFact][]>();

function orderedFields(message: string): [number, ProtobufFieldFact][] {
  let fields = ORDERED.get(message);
  if (!fields) {
    fields = Object.entries(PROTOBUF_FIELDS[message] ?? {}).map(([n, fact]): [number, ProtobufFieldFact] => [Number(n), fact]).sort((a, b) => a[0] - b[0]);
    ORDERED.set(message, fields);
  }
  return fields;
}

// ---- the envelope ---------------------------------------------------------------------

/** The message a JSON object's apiVersion and kind name, or undefined when kube has no protobuf for it (Table, custom resources). */
export function protobufMessageOf(object: unknown): string | undefined {
  if (object === null || typeof object !== 'object') return undefined;
  const { apiVersion, kind } = object as { apiVersion?: unknown; kind?: unknown };
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return undefined;
  try {
    return protobufMessageFor(apiVersion, kind);
  } catch {
    // Discovery documents and PartialObjectMetadata(List) are meta.k8s.io's, served under any group version.
    const meta = `${META}${kind}`;
    return Object.hasOwn(PROTOBUF_FIELDS, meta) && (apiVersion === 'v1' || apiVersion.startsWith('meta.k8s.io/')) ? meta : undefined;
  }
}

/** `k8s\0` + runtime.Unknown{typeMeta, raw, contentEncoding, contentType}, as kube's protobuf serializer writes an object. */
export function encodeKubeProtobuf(object: Record<string, unknown>, message = protobufMessageOf(object)): Uint8Array | undefined {
  if (!message) return undefined;
  const typeMeta = new Writer();
  typeMeta.bytes(1, utf8(String(object.apiVersion)));
  typeMeta.bytes(2, utf8(String(object.kind)));
  const unknown = new Writer();
  unknown.raw(PROTOBUF_MAGIC);
  unknown.bytes(1, typeMeta.finish());
  unknown.bytes(2, messageBytes(message, object));
  unknown.bytes(3, new Uint8Array(0));
  unknown.bytes(4, new Uint8Array(0));
  return unknown.finish();
}

/**
 * One watch event as kube's protobuf stream carries it: a 4-byte big-endian length, then a raw
 * (unenveloped) metav1.WatchEvent{type, object: RawExtension{raw: the enveloped object}}.
 * Undefined when the object has no protobuf form.
 */
export function encodeWatchFrame(type: string, object: Record<string, unknown>): Uint8Array | undefined {
  const encoded = encodeKubeProtobuf(object);
  if (!encoded) return undefined;
  const event = new Writer();
  event.bytes(1, utf8(type));
  const raw = new Writer();
  raw.bytes(1, encoded);
  event.bytes(2, raw.finish());
  const body = event.finish();
  const frame = new Uint8Array(4 + body.length);
  new DataView(frame.buffer).setUint32(0, body.length, false);
  frame.set(body, 4);
  return frame;
}

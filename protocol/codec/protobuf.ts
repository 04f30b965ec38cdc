// kube's protobuf encoding, decode side: the `k8s\0` magic, a runtime.Unknown
// envelope, and the object's own message, turned into the JSON shape kube's
// JSON encoding gives. Field numbers come from protobuf-fields.json, generated
// from upstream's generated.proto files by scripts/generate-protobuf-fields.ts.

import { createRequire } from 'node:module';

interface FieldFact {
  name: string;
  type: string;
  repeated?: true;
  map?: { key: string; value: string };
}

const require = createRequire(import.meta.url);
const FIELDS = require('./protobuf-fields.json') as Record<string, Record<string, FieldFact>>;

export const PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
const MAX_DEPTH = 100;

export class ProtobufDecodeError extends Error {}

/** apiVersion group → the proto package of its types. */
const PACKAGES: Record<string, string> = {
  '': 'core',
  apps: 'apps',
  batch: 'batch',
  'rbac.authorization.k8s.io': 'rbac',
  'networking.k8s.io': 'networking',
  policy: 'policy',
  'scheduling.k8s.io': 'scheduling',
  'coordination.k8s.io': 'coordination',
  'discovery.k8s.io': 'discovery',
  'events.k8s.io': 'events',
  autoscaling: 'autoscaling',
  'storage.k8s.io': 'storage',
  'certificates.k8s.io': 'certificates',
  'authentication.k8s.io': 'authentication',
  'authorization.k8s.io': 'authorization',
};

export function isKubeProtobuf(body: Uint8Array): boolean {
  return body.length >= 4 && PROTOBUF_MAGIC.equals(Buffer.from(body.buffer, body.byteOffset, 4));
}

class Reader {
  pos: number;
  constructor(readonly buf: Buffer, start: number, readonly end: number) {
    this.pos = start;
  }
  get done(): boolean {
    return this.pos >= this.end;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtobufDecodeError('truncated varint');
      const byte = this.buf[this.pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
    throw new ProtobufDecodeError('varint too long');
  }
  bytes(): Buffer {
    const length = Number(this.varint());
    if (length < 0 || this.pos + length > this.end) throw new ProtobufDecodeError('length-delimited field runs past the end of its message');
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }
  fixed(size: 4 | 8): Buffer {
    if (this.pos + size > this.end) throw new ProtobufDecodeError('truncated fixed-width field');
    const out = this.buf.subarray(this.pos, this.pos + size);
    this.pos += size;
    return out;
  }
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.fixed(8);
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.fixed(4);
    else throw new ProtobufDecodeError(`unsupported wire type ${wireType}`);
  }
}

function scalar(type: string, wireType: number, r: Reader): unknown {
  switch (type) {
    case 'string':
      return r.bytes().toString('utf8');
    case 'bytes':
      return r.bytes().toString('base64');
    case 'bool':
      return r.varint() !== 0n;
    case 'int32':
      return Number(BigInt.asIntN(32, r.varint()));
    case 'int64':
      return Number(BigInt.asIntN(64, r.varint()));
    case 'uint32':
    case 'uint64':
      return Number(r.varint());
    case 'double':
      return r.fixed(8).readDoubleLE(0);
    case 'float':
      return r.fixed(4).readFloatLE(0);
    default:
      r.skip(wireType);
      return undefined;
  }
}

const TIME = 'k8s.io.apimachinery.pkg.apis.meta.v1.Time';
const MICRO_TIME = 'k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime';

/** Messages whose JSON form is not an object of their fields. */
function special(type: string, bytes: Buffer, depth: number): { value: unknown } | undefined {
  switch (type) {
    case TIME:
    case MICRO_TIME: {
      const t = decodeMessage(type, bytes, depth) as { seconds?: number; nanos?: number };
      const iso = new Date((t.seconds ?? 0) * 1000).toISOString();
      if (type === TIME) return { value: iso.replace(/\.\d{3}Z$/, 'Z') };
      return { value: iso.replace(/\.\d{3}Z$/, `.${String(Math.floor((t.nanos ?? 0) / 1000)).padStart(6, '0')}Z`) };
    }
    case 'k8s.io.apimachinery.pkg.util.intstr.IntOrString': {
      const v = decodeMessage(type, bytes, depth) as { type?: number; intVal?: number; strVal?: string };
      return { value: v.type === 1 ? (v.strVal ?? '') : (v.intVal ?? 0) };
    }
    case 'k8s.io.apimachinery.pkg.api.resource.Quantity':
      return { value: (decodeMessage(type, bytes, depth) as { string?: string }).string ?? '0' };
    case 'k8s.io.apimachinery.pkg.runtime.RawExtension':
    case 'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1': {
      const raw = new Reader(bytes, 0, bytes.length);
      while (!raw.done) {
        const tag = Number(raw.varint());
        if (tag >>> 3 === 1 && (tag & 7) === 2) return { value: JSON.parse(raw.bytes().toString('utf8')) };
        raw.skip(tag & 7);
      }
      return { value: {} };
    }
    default:
      return undefined;
  }
}

function value(type: string, wireType: number, r: Reader, depth: number): unknown {
  if (!FIELDS[type]) return scalar(type, wireType, r);
  if (wireType !== 2) throw new ProtobufDecodeError(`message field of type ${type} has wire type ${wireType}`);
  const bytes = r.bytes();
  return special(type, bytes, depth + 1)?.value ?? decodeMessage(type, bytes, depth + 1);
}

function decodeMessage(type: string, buf: Buffer, depth: number): Record<string, unknown> {
  if (depth > MAX_DEPTH) throw new ProtobufDecodeError('message nesting exceeds the limit');
  const fields = FIELDS[type];
  if (!fields) throw new ProtobufDecodeError(`no protobuf description for ${type}`);
  const out: Record<string, unknown> = {};
  const r = new Reader(buf, 0, buf.length);
  while (!r.done) {
    const tag = r.varint();
    const number = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    const fact = fields[number];
    if (!fact) {
      r.skip(wireType);
      continue;
    }
    if (fact.map) {
      const entryBytes = r.bytes();
      const entryReader = new Reader(entryBytes, 0, entryBytes.length);
      let key: unknown = '';
      let val: unknown = fact.map.value === 'string' ? '' : undefined;
      while (!entryReader.done) {
        const t = Number(entryReader.varint());
        if (t >>> 3 === 1) key = scalar(fact.map.key, t & 7, entryReader);
        else if (t >>> 3 === 2) val = value(fact.map.value, t & 7, entryReader, depth);
        else entryReader.skip(t & 7);
      }
      const map = (out[fact.name] ??= {}) as Record<string, unknown>;
      map[String(key)] = val ?? (fact.map.value === 'bytes' ? '' : {});
      continue;
    }
    if (fact.repeated) {
      const list = (out[fact.name] ??= []) as unknown[];
      if (wireType === 2 && !FIELDS[fact.type] && fact.type !== 'string' && fact.type !== 'bytes') {
        // A packed run of scalars.
        const packed = r.bytes();
        const pr = new Reader(packed, 0, packed.length);
        while (!pr.done) list.push(scalar(fact.type, fact.type === 'double' ? 1 : fact.type === 'float' ? 5 : 0, pr));
      } else {
        list.push(value(fact.type, wireType, r, depth));
      }
      continue;
    }
    const decoded = value(fact.type, wireType, r, depth);
    // kube's JSON omits empty strings (omitempty); protobuf carries them explicitly.
    if (decoded !== '' || fact.type !== 'string') out[fact.name] = decoded;
  }
  return out;
}

export function messageTypeOf(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') as [string, string] : ['', apiVersion];
  const pkg = PACKAGES[group];
  if (!pkg) throw new ProtobufDecodeError(`no protobuf encoding is known for apiVersion ${apiVersion}`);
  const type = `k8s.io.api.${pkg}.${version}.${kind}`;
  if (!FIELDS[type]) throw new ProtobufDecodeError(`no protobuf encoding is known for ${kind} in ${apiVersion}`);
  return type;
}

export function decodeKubeProtobuf(body: Uint8Array): { apiVersion: string; kind: string; object: Record<string, unknown> } {
  if (!isKubeProtobuf(body)) throw new ProtobufDecodeError('the body does not start with the kube protobuf magic');
  const buf = Buffer.from(body.buffer, body.byteOffset + 4, body.byteLength - 4);
  const envelope = decodeMessage('k8s.io.apimachinery.pkg.runtime.Unknown', buf, 0) as { typeMeta?: { apiVersion?: string; kind?: string }; raw?: string; contentEncoding?: string };
  const apiVersion = envelope.typeMeta?.apiVersion ?? '';
  const kind = envelope.typeMeta?.kind ?? '';
  if (!kind) throw new ProtobufDecodeError('the protobuf envelope names no kind');
  if (envelope.contentEncoding) throw new ProtobufDecodeError(`unsupported content encoding ${envelope.contentEncoding}`);
  const raw = Buffer.from(envelope.raw ?? '', 'base64');
  const object = decodeMessage(messageTypeOf(apiVersion, kind), raw, 0);
  return { apiVersion, kind, object: { apiVersion, kind, ...object } };
}

// kube's protobuf request bodies (kubectl 1.32+ typed creates) decode to the
// JSON kubectl would otherwise have sent.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeKubeProtobuf, ProtobufDecodeError, PROTOBUF_MAGIC } from '../../protocol/codec/protobuf.js';
import { ProtoWriter } from '../../protocol/codec/protobuf-writer.js';

function envelope(apiVersion: string, kind: string, raw: Buffer): Buffer {
  const unknown = new ProtoWriter()
    .message(1, (t) => t.string(1, apiVersion).string(2, kind))
    .bytes(2, raw)
    .finish();
  return Buffer.concat([PROTOBUF_MAGIC, unknown]);
}

const mapEntry = (w: ProtoWriter, field: number, key: string, value: string | Buffer): ProtoWriter =>
  w.message(field, (e) => (typeof value === 'string' ? e.string(1, key).string(2, value) : e.string(1, key).bytes(2, value)));

describe('kube protobuf bodies', () => {
  it('decodes a ConfigMap with metadata and data', () => {
    const raw = new ProtoWriter().message(1, (m) => m.string(1, 'c1').string(3, 'demo'));
    mapEntry(raw, 2, 'a', 'b');
    const decoded = decodeKubeProtobuf(envelope('v1', 'ConfigMap', raw.finish()));
    assert.deepEqual(decoded.object, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c1', namespace: 'demo' }, data: { a: 'b' } });
  });
  it('turns bytes into base64, as Secret.data is in JSON', () => {
    const raw = new ProtoWriter().message(1, (m) => m.string(1, 's1'));
    mapEntry(raw, 2, 'p', Buffer.from('q'));
    const decoded = decodeKubeProtobuf(envelope('v1', 'Secret', raw.finish()));
    assert.deepEqual(decoded.object.data, { p: Buffer.from('q').toString('base64') });
  });
  it('decodes RBAC kinds with repeated messages and strings', () => {
    const raw = new ProtoWriter()
      .message(1, (m) => m.string(1, 'reader'))
      .message(2, (rule) => rule.element(1, 'get').element(1, 'list').element(2, '').element(3, 'pods'))
      .finish();
    const decoded = decodeKubeProtobuf(envelope('rbac.authorization.k8s.io/v1', 'Role', raw));
    assert.deepEqual(decoded.object.rules, [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }]);
  });
  it('rejects a body without the magic, a truncated body and an unknown kind', () => {
    assert.throws(() => decodeKubeProtobuf(Buffer.from('{"kind":"ConfigMap"}')), ProtobufDecodeError);
    const whole = envelope('v1', 'ConfigMap', new ProtoWriter().message(1, (m) => m.string(1, 'c1')).finish());
    assert.throws(() => decodeKubeProtobuf(whole.subarray(0, whole.length - 3)), ProtobufDecodeError);
    assert.throws(() => decodeKubeProtobuf(envelope('v1', 'Gizmo', Buffer.alloc(0))), /no protobuf encoding is known for Gizmo/);
  });
});

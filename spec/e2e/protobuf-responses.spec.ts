// Protobuf answers: a client that puts application/vnd.kubernetes.protobuf
// first in Accept (client-go's default for built-in kinds; kubectl 1.32+ for
// its typed creates) gets kube's `k8s\0` + runtime.Unknown envelope for every
// built-in kind, list and Status, and kube's length-delimited WatchEvent frames
// on a watch; Tables and kinds without a protobuf form stay JSON where Accept
// allows it. Our bytes are read back with protobufjs from message descriptors
// written here from kube's generated.proto field numbers, independently of the
// server's own field tables.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import protobuf from 'protobufjs';
import { suiteServer } from '../support/server.js';
import { call, type Credentials } from '../support/http.js';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { KUBECTL_VERSIONS, kubectl } from '../support/kubectl.js';
import { tempDir } from '../support/temp.js';
import { decodeKubeProtobuf } from '../../protocol/codec/protobuf.js';

const PROTOBUF = 'application/vnd.kubernetes.protobuf';

const root = protobuf.Root.fromJSON(({
  nested: {
    Unknown: { fields: { typeMeta: { type: 'TypeMeta', id: 1 }, raw: { type: 'bytes', id: 2 }, contentEncoding: { type: 'string', id: 3 }, contentType: { type: 'string', id: 4 } } },
    TypeMeta: { fields: { apiVersion: { type: 'string', id: 1 }, kind: { type: 'string', id: 2 } } },
    Time: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
    ObjectMeta: {
      fields: {
        name: { type: 'string', id: 1 }, namespace: { type: 'string', id: 3 }, uid: { type: 'string', id: 5 }, resourceVersion: { type: 'string', id: 6 },
        creationTimestamp: { type: 'Time', id: 8 }, labels: { keyType: 'string', type: 'string', id: 11 },
      },
    },
    ListMeta: { fields: { resourceVersion: { type: 'string', id: 2 } } },
    ConfigMap: { fields: { metadata: { type: 'ObjectMeta', id: 1 }, data: { keyType: 'string', type: 'string', id: 2 } } },
    ConfigMapList: { fields: { metadata: { type: 'ListMeta', id: 1 }, items: { rule: 'repeated', type: 'ConfigMap', id: 2 } } },
    Status: { fields: { status: { type: 'string', id: 2 }, message: { type: 'string', id: 3 }, reason: { type: 'string', id: 4 }, code: { type: 'int32', id: 6 } } },
    RawExtension: { fields: { raw: { type: 'bytes', id: 1 } } },
    WatchEvent: { fields: { type: { type: 'string', id: 1 }, object: { type: 'RawExtension', id: 2 } } },
    // apidiscovery.k8s.io/v2 (and v2beta1, the same numbers).
    GroupVersionKind: { fields: { group: { type: 'string', id: 1 }, version: { type: 'string', id: 2 }, kind: { type: 'string', id: 3 } } },
    APIGroupDiscoveryList: { fields: { metadata: { type: 'ListMeta', id: 1 }, items: { rule: 'repeated', type: 'APIGroupDiscovery', id: 2 } } },
    APIGroupDiscovery: { fields: { metadata: { type: 'ObjectMeta', id: 1 }, versions: { rule: 'repeated', type: 'APIVersionDiscovery', id: 2 } } },
    APIVersionDiscovery: { fields: { version: { type: 'string', id: 1 }, resources: { rule: 'repeated', type: 'APIResourceDiscovery', id: 2 }, freshness: { type: 'string', id: 3 } } },
    APIResourceDiscovery: {
      fields: {
        resource: { type: 'string', id: 1 }, responseKind: { type: 'GroupVersionKind', id: 2 }, scope: { type: 'string', id: 3 }, singularResource: { type: 'string', id: 4 },
        verbs: { rule: 'repeated', type: 'string', id: 5 }, shortNames: { rule: 'repeated', type: 'string', id: 6 }, categories: { rule: 'repeated', type: 'string', id: 7 },
        subresources: { rule: 'repeated', type: 'APISubresourceDiscovery', id: 8 },
      },
    },
    APISubresourceDiscovery: {
      fields: {
        subresource: { type: 'string', id: 1 }, responseKind: { type: 'GroupVersionKind', id: 2 }, acceptedTypes: { rule: 'repeated', type: 'GroupVersionKind', id: 3 },
        verbs: { rule: 'repeated', type: 'string', id: 4 },
      },
    },
  },
  // Map fields (keyType) are protobufjs's IMapField, which its INamespace typing does not name.
}) as unknown as protobuf.INamespace);

type Message = Record<string, unknown>;

/** Strips `k8s\0`, reads the runtime.Unknown, and the object inside it as `message`. */
function unwrap(bytes: Buffer, message: string): { typeMeta: Message; object: Message } {
  assert.deepEqual([...bytes.subarray(0, 4)], [0x6b, 0x38, 0x73, 0x00], 'the k8s\\0 magic');
  const unknown = root.lookupType('Unknown').toObject(root.lookupType('Unknown').decode(bytes.subarray(4)), { defaults: true }) as { typeMeta: Message; raw: Uint8Array };
  return { typeMeta: unknown.typeMeta, object: root.lookupType(message).toObject(root.lookupType(message).decode(unknown.raw), { longs: Number }) as Message };
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function rawCall(creds: Credentials, method: string, path: string, accept: string, body?: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept, authorization: `Bearer ${creds.token}` };
    if (body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
    const req = request(new URL(path, creds.server), { method, headers, ca: creds.ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('protobuf responses', () => {
  const suite = suiteServer();
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'proto', namespace: 'default', labels: { app: 'web' } }, data: { a: '1', b: 'two' } };

  it('a GET that prefers protobuf gets a ConfigMap in kube\'s envelope, the same object its JSON GET gets', async () => {
    assert.equal((await call(suite.creds, 'POST', '/api/v1/namespaces/default/configmaps', { body: JSON.stringify(cm) })).status, 201);
    const res = await rawCall(suite.creds, 'GET', '/api/v1/namespaces/default/configmaps/proto', `${PROTOBUF}, application/json`);
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], PROTOBUF);
    const { typeMeta, object } = unwrap(res.body, 'ConfigMap');
    assert.deepEqual(typeMeta, { apiVersion: 'v1', kind: 'ConfigMap' });
    const metadata = object.metadata as Message;
    assert.equal(metadata.name, 'proto');
    assert.deepEqual(metadata.labels, { app: 'web' });
    assert.deepEqual(object.data, { a: '1', b: 'two' });
    const json = (await call(suite.creds, 'GET', '/api/v1/namespaces/default/configmaps/proto')).json();
    assert.equal(metadata.uid, json.metadata.uid);
    assert.equal((metadata.creationTimestamp as { seconds: number }).seconds, Date.parse(json.metadata.creationTimestamp) / 1000);
    // Our own decoder (the request-body path) reads back exactly the JSON object.
    assert.deepEqual(decodeKubeProtobuf(res.body).object, json);
  });

  it('a list is a ConfigMapList, and an error a Status, both in protobuf', async () => {
    const list = await rawCall(suite.creds, 'GET', '/api/v1/namespaces/default/configmaps?labelSelector=app%3Dweb', PROTOBUF);
    assert.equal(list.status, 200);
    const { typeMeta, object } = unwrap(list.body, 'ConfigMapList');
    assert.deepEqual(typeMeta, { apiVersion: 'v1', kind: 'ConfigMapList' });
    assert.deepEqual((object.items as Message[]).map((i) => (i.metadata as Message).name), ['proto']);
    const missing = await rawCall(suite.creds, 'GET', '/api/v1/namespaces/default/configmaps/nope', PROTOBUF);
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['content-type'], PROTOBUF);
    const status = unwrap(missing.body, 'Status');
    assert.deepEqual(status.typeMeta, { apiVersion: 'v1', kind: 'Status' });
    assert.deepEqual(status.object, { status: 'Failure', message: 'configmaps "nope" not found', reason: 'NotFound', code: 404 });
  });

  it('negotiates as kube does: q-values first, Tables only in JSON, JSON for kinds that have no protobuf form', async () => {
    const lower = await rawCall(suite.creds, 'GET', '/api/v1/namespaces/default/configmaps/proto', `${PROTOBUF};q=0.5, application/json`);
    assert.equal(lower.headers['content-type'], 'application/json');
    const table = await rawCall(suite.creds, 'GET', '/api/v1/namespaces/default/configmaps', `${PROTOBUF};as=Table;v=v1;g=meta.k8s.io, application/json;as=Table;v=v1;g=meta.k8s.io`);
    assert.equal(JSON.parse(table.body.toString()).kind, 'Table');
    // Aggregated discovery in JSON first stays JSON, even with protobuf further down.
    const aggregated = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
    const discovery = await rawCall(suite.creds, 'GET', '/apis', `${aggregated}, ${PROTOBUF};g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList, ${PROTOBUF}`);
    assert.equal(discovery.status, 200);
    assert.equal(discovery.headers['content-type'], aggregated);
    // Legacy discovery documents are meta.k8s.io messages: protobuf.
    const resources = await rawCall(suite.creds, 'GET', '/apis/apps/v1', PROTOBUF);
    assert.equal(resources.headers['content-type'], PROTOBUF);
    assert.equal(unwrap(resources.body, 'TypeMeta').typeMeta.kind, 'APIResourceList');
    // A group with no protobuf form (a custom resource's) refuses protobuf alone.
    assert.equal((await rawCall(suite.creds, 'GET', '/apis/example.com/v1/widgets', PROTOBUF)).status, 406);
  });

  it('aggregated discovery asked for as protobuf first is an APIGroupDiscoveryList in kube\'s envelope, the same groups as its JSON, with the same ETag', async () => {
    for (const [path, version] of [['/apis', 'v2'], ['/api', 'v2'], ['/apis', 'v2beta1']] as const) {
      const params = `;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
      const res = await rawCall(suite.creds, 'GET', path, `${PROTOBUF}${params},application/json${params},application/json`);
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], `${PROTOBUF}${params}`);
      const { typeMeta, object } = unwrap(res.body, 'APIGroupDiscoveryList');
      assert.deepEqual(typeMeta, { apiVersion: `apidiscovery.k8s.io/${version}`, kind: 'APIGroupDiscoveryList' });
      const json = await rawCall(suite.creds, 'GET', path, `application/json${params}`);
      type Group = { metadata: Message; versions: { version: string; freshness: string; resources: Message[] }[] };
      const expected = (JSON.parse(json.body.toString()) as { items: Group[] }).items;
      const items = object.items as Group[];
      assert.ok(items.length > 0);
      assert.deepEqual(items.map((g) => g.metadata.name ?? ''), expected.map((g) => g.metadata.name ?? ''));
      const shape = (groups: Group[]): unknown => groups.map((g) => g.versions.map((v) => [v.version, v.freshness, v.resources.map((r) => r.resource)]));
      assert.deepEqual(shape(items), shape(expected));
      assert.equal(res.headers.etag, json.headers.etag);
      assert.equal(res.headers.vary, 'Accept');
      if (path !== '/apis' || version !== 'v2') continue;
      const deployments = items.find((g) => g.metadata.name === 'apps')!.versions[0]!.resources.find((r) => r.resource === 'deployments')!;
      assert.deepEqual(deployments.responseKind, { group: 'apps', version: 'v1', kind: 'Deployment' });
      assert.equal(deployments.scope, 'Namespaced');
      assert.equal(deployments.singularResource, 'deployment');
      assert.deepEqual(deployments.shortNames, ['deploy']);
      assert.deepEqual(deployments.categories, ['all']);
      const subresources = deployments.subresources as Message[];
      assert.deepEqual(subresources.map((s) => s.subresource), ['scale', 'status']);
      assert.deepEqual(subresources[0]!.responseKind, { group: 'autoscaling', version: 'v1', kind: 'Scale' });
    }
    // The ETag answers If-None-Match with 304 whichever encoding is asked for.
    const accept = `${PROTOBUF};g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`;
    const first = await rawCall(suite.creds, 'GET', '/apis', accept);
    const again = await new Promise<number>((resolve, reject) => {
      const headers = { accept, authorization: `Bearer ${suite.creds.token}`, 'if-none-match': String(first.headers.etag) };
      const req = request(new URL('/apis', suite.creds.server), { headers, ca: suite.creds.ca }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(again, 304);
  });

  it('a watch that prefers protobuf gets kube\'s length-delimited WatchEvent frames', async () => {
    const frames: { type: string; object: Message; kind: string }[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const req = request(new URL('/api/v1/namespaces/default/configmaps?watch=true&labelSelector=app%3Dwatched&timeoutSeconds=5', suite.creds.server), {
        headers: { accept: `${PROTOBUF}, application/json`, authorization: `Bearer ${suite.creds.token}` }, ca: suite.creds.ca,
      }, (res) => {
        assert.equal(res.headers['content-type'], `${PROTOBUF};stream=watch`);
        let buffered = Buffer.alloc(0);
        res.on('data', (chunk: Buffer) => {
          buffered = Buffer.concat([buffered, chunk]);
          while (buffered.length >= 4 && buffered.length >= 4 + buffered.readUInt32BE(0)) {
            const length = buffered.readUInt32BE(0);
            const event = root.lookupType('WatchEvent').toObject(root.lookupType('WatchEvent').decode(buffered.subarray(4, 4 + length))) as { type: string; object: { raw: Uint8Array } };
            const inner = unwrap(Buffer.from(event.object.raw), 'ConfigMap');
            frames.push({ type: event.type, object: inner.object, kind: String(inner.typeMeta.kind) });
            buffered = buffered.subarray(4 + length);
            if (frames.length === 2) {
              req.destroy();
              resolve();
            }
          }
        });
      });
      req.on('error', (e) => (frames.length === 2 ? resolve() : reject(e)));
      req.end();
    });
    await new Promise((r) => setTimeout(r, 200));
    const watched = { ...cm, metadata: { name: 'watched', namespace: 'default', labels: { app: 'watched' } } };
    await call(suite.creds, 'POST', '/api/v1/namespaces/default/configmaps', { body: JSON.stringify(watched) });
    await call(suite.creds, 'DELETE', '/api/v1/namespaces/default/configmaps/watched');
    await done;
    assert.deepEqual(frames.map((f) => [f.type, f.kind, (f.object.metadata as Message).name]), [['ADDED', 'ConfigMap', 'watched'], ['DELETED', 'ConfigMap', 'watched']]);
  });

  it('kubectl 1.33\'s typed create, which asks for protobuf, reads our protobuf answer', async () => {
    const k = kubectl('1.33', suite.server.kubeconfigPath);
    const out = await k.ok(['create', 'deployment', 'pb', '--image=nginx:1.27', '-o', 'json']);
    const created = JSON.parse(out);
    assert.equal(created.kind, 'Deployment');
    assert.equal(created.spec.template.spec.containers[0].image, 'nginx:1.27');
    assert.equal(created.spec.strategy.rollingUpdate.maxSurge, '25%');
    assert.match(await k.ok(['create', 'configmap', 'pb', '--from-literal=k=v']), /configmap\/pb created/);
  });

  for (const version of KUBECTL_VERSIONS) {
    it(`kubectl ${version}'s typed creates of every kind issue #11 names succeed (protobuf bodies from 1.32)`, async () => {
      const k = kubectl(version, suite.server.kubeconfigPath);
      const ns = `typed-${version.replace('.', '-')}`;
      await k.ok(['create', 'namespace', ns]);
      const dir = tempDir('typed-create');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=web.example', '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt')], { stdio: 'ignore' });
      const creates: [string[], string][] = [
        [['deployment', 'web', '--image=nginx:1.27'], 'deployment.apps/web'],
        [['job', 'once', '--image=busybox'], 'job.batch/once'],
        [['cronjob', 'nightly', '--image=busybox', '--schedule=0 3 * * *'], 'cronjob.batch/nightly'],
        [['service', 'clusterip', 'web', '--tcp=80:8080'], 'service/web'],
        [['quota', 'small', '--hard=pods=10'], 'resourcequota/small'],
        [['priorityclass', `${ns}-high`, '--value=1000'], `priorityclass.scheduling.k8s.io/${ns}-high`],
        [['pdb', 'web', '--selector=app=web', '--min-available=1'], 'poddisruptionbudget.policy/web'],
        [['ingress', 'web', '--rule=web.example/*=web:80'], 'ingress.networking.k8s.io/web'],
        [['secret', 'tls', 'web-tls', `--cert=${join(dir, 'tls.crt')}`, `--key=${join(dir, 'tls.key')}`], 'secret/web-tls'],
        [['role', 'reader', '--verb=get', '--resource=pods'], 'role.rbac.authorization.k8s.io/reader'],
        [['rolebinding', 'reader', '--role=reader', '--user=alice'], 'rolebinding.rbac.authorization.k8s.io/reader'],
      ];
      for (const [args, name] of creates) {
        const namespaced = args[0] === 'priorityclass' ? [] : ['-n', ns];
        assert.equal((await k.ok(['create', ...args, ...namespaced])).trim(), `${name} created`);
        const read = JSON.parse(await k.ok(['get', name, ...namespaced, '-o', 'json']));
        assert.equal(read.metadata.name, name.split('/')[1]);
      }
      await k.ok(['delete', 'priorityclass', `${ns}-high`]);
      rmSync(dir, { recursive: true, force: true });
    });
  }
});

// The store actor, driven by messages as the chain sends them, over a real
// SQLite file.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createActor } from 'xstate';
import type { ApiRequest, ResourceRequestInfo, Verb } from '../../protocol/messages/request.js';
import type { HttpReply, HttpResponse } from '../../protocol/messages/http.js';
import { storeMachine } from '../../actors/store/store-machine.js';
import { openSqliteLog } from '../../actors/store/sqlite-log.js';
import type { RevisionLog } from '../../actors/store/revision-log.js';
import { configMap } from '../../scheme/kinds/configmap.js';
import { definitions } from '../../scheme/definitions.js';
import { systemClock } from '../../lib/clock.js';
import { silentLog } from '../../lib/log.js';
import { tempDir } from '../support/temp.js';

let ids = 0;

function startStore(log: RevisionLog) {
  return createActor(storeMachine, { input: { kind: configMap, definitions, log, clock: systemClock, logger: silentLog() } }).start();
}

function info(verb: Verb, namespace: string, name = ''): ResourceRequestInfo {
  return { isResourceRequest: true, path: '', verb, apiPrefix: 'api', apiGroup: '', apiVersion: 'v1', namespace, resource: 'configmaps', subresource: '', name };
}

function ask(store: ReturnType<typeof startStore>, verb: Verb, namespace: string, name: string, body?: unknown, extra: Partial<ApiRequest> = {}): Promise<HttpResponse> {
  return new Promise((resolve) => {
    const request: ApiRequest = {
      id: ++ids,
      method: 'X',
      info: info(verb, namespace, name),
      query: {},
      headers: {},
      shape: { as: 'object' },
      deadline: Infinity,
      replyTo: { send: (reply: HttpReply) => reply.type === 'http.response' && resolve(reply) },
      ...(body !== undefined ? { body: Buffer.from(JSON.stringify(body)), bodyEncoding: 'json' as const } : {}),
      ...extra,
    };
    store.send({ type: 'request', request });
  });
}

const json = (r: HttpResponse): Record<string, any> => JSON.parse(Buffer.from(r.body as Uint8Array).toString());
const cm = (name: string, data: Record<string, string> = {}): object => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });

describe('the store actor', () => {
  const dir = tempDir('store');
  const path = join(dir, 'db.sqlite');
  let log: RevisionLog;
  let store: ReturnType<typeof startStore>;

  before(() => {
    log = openSqliteLog(path);
    store = startStore(log);
  });
  after(() => {
    store.stop();
    log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates an object with server-set uid, creationTimestamp and resourceVersion', async () => {
    const reply = await ask(store, 'create', 'ns1', '', cm('a', { k: 'v' }));
    assert.equal(reply.status, 201);
    const object = json(reply);
    assert.match(object.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.match(object.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(object.metadata.resourceVersion, /^\d+$/);
    assert.equal(object.metadata.namespace, 'ns1');
  });

  it('answers a second create of the same name with 409 AlreadyExists', async () => {
    const reply = await ask(store, 'create', 'ns1', '', cm('a'));
    assert.equal(reply.status, 409);
    assert.equal(json(reply).reason, 'AlreadyExists');
    assert.equal(json(reply).message, 'configmaps "a" already exists');
  });

  it('rejects an update with a stale resourceVersion with kube\'s Conflict message', async () => {
    const current = json(await ask(store, 'get', 'ns1', 'a'));
    const updated = await ask(store, 'update', 'ns1', 'a', { ...current, data: { k: 'v2' } });
    assert.equal(updated.status, 200);
    assert.ok(Number(json(updated).metadata.resourceVersion) > Number(current.metadata.resourceVersion));
    const stale = await ask(store, 'update', 'ns1', 'a', { ...current, data: { k: 'v3' } });
    assert.equal(stale.status, 409);
    assert.equal(json(stale).message, 'Operation cannot be fulfilled on configmaps "a": the object has been modified; please apply your changes to the latest version and try again');
  });

  it('does not write an update that changes nothing: the resourceVersion stays', async () => {
    const current = json(await ask(store, 'get', 'ns1', 'a'));
    const { resourceVersion: _, ...metadata } = current.metadata;
    const same = await ask(store, 'update', 'ns1', 'a', { ...current, metadata });
    assert.equal(same.status, 200);
    assert.equal(json(same).metadata.resourceVersion, current.metadata.resourceVersion);
  });

  it('rejects an invalid name with 422 Invalid and a cause', async () => {
    const reply = await ask(store, 'create', 'ns1', '', cm('Not_Valid'));
    assert.equal(reply.status, 422);
    const status = json(reply);
    assert.equal(status.reason, 'Invalid');
    assert.equal(status.details.causes[0].field, 'metadata.name');
  });

  it('rejects a body whose namespace differs from the URL with 400', async () => {
    const reply = await ask(store, 'create', 'ns1', '', { ...cm('b'), metadata: { name: 'b', namespace: 'other' } });
    assert.equal(reply.status, 400);
    assert.equal(json(reply).message, 'the namespace of the provided object does not match the namespace sent on the request');
  });

  it('rejects malformed JSON with 400, not a crash', async () => {
    const reply = await ask(store, 'create', 'ns1', '', undefined, { body: Buffer.from('{"kind": '), bodyEncoding: 'json' });
    assert.equal(reply.status, 400);
    assert.equal(json(reply).kind, 'Status');
  });

  it('generates names from generateName with kube\'s alphabet', async () => {
    const reply = await ask(store, 'create', 'ns1', '', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' } });
    assert.equal(reply.status, 201);
    assert.match(json(reply).metadata.name, /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('lists in pages with continue tokens and remainingItemCount', async () => {
    for (const name of ['p1', 'p2', 'p3']) await ask(store, 'create', 'paged', '', cm(name));
    const first = json(await ask(store, 'list', 'paged', '', undefined, { query: { limit: '2' } }));
    assert.deepEqual(first.items.map((i: any) => i.metadata.name), ['p1', 'p2']);
    assert.equal(first.metadata.remainingItemCount, 1);
    const second = json(await ask(store, 'list', 'paged', '', undefined, { query: { limit: '2', continue: first.metadata.continue } }));
    assert.deepEqual(second.items.map((i: any) => i.metadata.name), ['p3']);
    assert.equal(second.metadata.continue, undefined);
  });

  it('keeps every acknowledged object across a restart, with the same uid and resourceVersion', async () => {
    const before = json(await ask(store, 'get', 'ns1', 'a'));
    store.stop();
    log.close();
    log = openSqliteLog(path);
    store = startStore(log);
    const afterRestart = json(await ask(store, 'get', 'ns1', 'a'));
    assert.equal(afterRestart.metadata.uid, before.metadata.uid);
    assert.equal(afterRestart.metadata.resourceVersion, before.metadata.resourceVersion);
    const next = json(await ask(store, 'create', 'ns1', '', cm('after-restart')));
    assert.ok(Number(next.metadata.resourceVersion) > Number(before.metadata.resourceVersion));
  });

  it('deletes with a Success status and forgets the object', async () => {
    const reply = await ask(store, 'delete', 'ns1', 'a');
    assert.equal(reply.status, 200);
    assert.equal(json(reply).status, 'Success');
    assert.equal((await ask(store, 'get', 'ns1', 'a')).status, 404);
    assert.equal(json(await ask(store, 'get', 'ns1', 'a')).message, 'configmaps "a" not found');
  });
});

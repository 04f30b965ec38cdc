// What a store sends its subscribers (controllers' informers, authz's and
// admission's indexes): a snapshot holding only what the subscriber's filter
// lets through, tested before parsing; a large snapshot in slices, the store
// serving requests between them; one revision, then the changes after it.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createActor, type AnyActorRef } from 'xstate';
import type { ApiRequest, ResourceRequestInfo, Verb } from '../../protocol/messages/request.js';
import type { HttpReply, HttpResponse } from '../../protocol/messages/http.js';
import type { StoreChanged, StoreSnapshot, StoreSubscribe, SubscribeFilter } from '../../protocol/messages/store.js';
import type { KubeObject } from '../../protocol/kube/meta.js';
import { storeMachine } from '../../actors/store/store-machine.js';
import { openSqliteLog } from '../../actors/store/sqlite-log.js';
import type { RevisionLog } from '../../actors/store/revision-log.js';
import { configMap } from '../../scheme/kinds/configmap.js';
import { definitions } from '../../scheme/definitions.js';
import { buildScheme } from '../../scheme/scheme.js';
import { systemClock } from '../../lib/clock.js';
import { silentLog } from '../../lib/log.js';
import { CONTROLLERS } from '../../actors/controllers/index.js';
import type { ControllerInput } from '../../actors/controllers/controller.js';
import { reconcilerMachine, SNAPSHOT_SLICE } from '../../actors/controllers/reconciler.js';
import { seedConfigMaps, seededName } from '../../bench/seed.js';
import { tempDir } from '../support/temp.js';

const SEEDED = 20_000;
let ids = 0;

type Store = ReturnType<typeof startStore>;
type Message = StoreSnapshot | StoreChanged;

function startStore(log: RevisionLog) {
  return createActor(storeMachine, { input: { kind: configMap, definitions, log, clock: systemClock, logger: silentLog() } }).start();
}

function ask(store: Store, verb: Verb, namespace: string, name: string, body?: unknown): Promise<HttpResponse> {
  const info: ResourceRequestInfo = { isResourceRequest: true, path: '', verb, apiPrefix: 'api', apiGroup: '', apiVersion: 'v1', namespace, resource: 'configmaps', subresource: '', name };
  return new Promise((resolve) => {
    const request: ApiRequest = {
      id: ++ids, method: 'X', info, query: {}, headers: {}, shape: { as: 'object' }, deadline: Infinity,
      replyTo: { send: (reply: HttpReply) => reply.type === 'http.response' && resolve(reply) },
      ...(body !== undefined ? { body: Buffer.from(JSON.stringify(body)), bodyEncoding: 'json' as const } : {}),
    };
    store.send({ type: 'request', request });
  });
}

const cm = (namespace: string, name: string, metadata: Partial<KubeObject['metadata']> = {}): object => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, ...metadata }, data: { k: 'v' } });
const keyOf = (o: KubeObject): string => `${o.metadata.namespace}/${o.metadata.name}`;
const settle = (ms = 50): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Subscribes; resolves with every message once the snapshot's last slice is in, and keeps recording the changes after it. */
function subscribe(store: Store, filter?: SubscribeFilter, slice?: number): { messages: Message[]; synced: Promise<Message[]> } {
  const messages: Message[] = [];
  let done!: (m: Message[]) => void;
  const synced = new Promise<Message[]>((r) => (done = r));
  const message: StoreSubscribe = {
    type: 'store.subscribe',
    subscriber: { send: (m) => { messages.push(m); if (m.type === 'store.snapshot' && !m.more) done(messages); } },
    ...(filter ? { filter } : {}),
    ...(slice ? { slice } : {}),
  };
  store.send(message);
  return { messages, synced };
}

const snapshotKeys = (messages: Message[]): string[] => messages.flatMap((m) => (m.type === 'store.snapshot' ? m.objects.map(keyOf) : []));

describe('store subscriptions', () => {
  const dir = tempDir('subscriptions');
  let log: RevisionLog;
  let store: Store;

  before(async () => {
    seedConfigMaps(dir, 'default', SEEDED);
    log = openSqliteLog(`${dir}/kubeactor.db`);
    store = startStore(log);
    for (const ns of ['default', 'kube-public', 'team-a']) assert.equal((await ask(store, 'create', ns, '', cm(ns, 'kube-root-ca.crt'))).status, 201);
    assert.equal((await ask(store, 'create', 'kube-public', '', cm('kube-public', 'cluster-info'))).status, 201);
    const owned = { ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: '00000000-0000-0000-0000-000000000001' }] };
    assert.equal((await ask(store, 'create', 'team-a', '', cm('team-a', 'owned', owned))).status, 201);
    assert.equal((await ask(store, 'create', 'team-a', '', cm('team-a', 'finalized', { finalizers: ['example.com/hold'] }))).status, 201);
  });
  after(() => {
    store.stop();
    log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends only the objects a filter lets through, by name, namespace, a key in the stored JSON, or none', async () => {
    const byName = await subscribe(store, { names: ['kube-root-ca.crt'] }).synced;
    assert.deepEqual(snapshotKeys(byName), ['default/kube-root-ca.crt', 'kube-public/kube-root-ca.crt', 'team-a/kube-root-ca.crt']);
    const oneKey = await subscribe(store, { namespace: 'kube-public', names: ['cluster-info'] }).synced;
    assert.deepEqual(snapshotKeys(oneKey), ['kube-public/cluster-info']);
    const inNamespace = await subscribe(store, { namespace: 'team-a' }).synced;
    assert.deepEqual(snapshotKeys(inNamespace), ['team-a/finalized', 'team-a/kube-root-ca.crt', 'team-a/owned']);
    const withKeys = await subscribe(store, { withKeys: ['ownerReferences', 'finalizers'] }).synced;
    assert.deepEqual(snapshotKeys(withKeys), ['team-a/finalized', 'team-a/owned']);
    const none = await subscribe(store, { changesOnly: true }, 100).synced;
    assert.deepEqual(none.map((m) => m.type === 'store.snapshot' && m.objects.length), [0]);
    const everything = await subscribe(store).synced;
    assert.equal(snapshotKeys(everything).length, SEEDED + 6);
  });

  it('hands a large snapshot over in slices, answers a GET between them, and sends changes only after the last', async () => {
    const order: string[] = [];
    const { messages, synced } = subscribe(store, undefined, 50);
    let created: Promise<HttpResponse> | undefined;
    const firstSlice = new Promise<void>((resolve) => {
      const poll = (): void => (messages.length > 0 ? resolve() : void setImmediate(poll));
      poll();
    });
    await firstSlice;
    // Asked from a later turn of the loop than the first slice: the store must come back to it before it has sent the rest.
    const got = ask(store, 'get', 'default', seededName(7)).then((r) => {
      order.push(`get at slice ${messages.length}`);
      return r;
    });
    created = ask(store, 'create', 'default', '', cm('default', 'during-the-snapshot')).then((r) => {
      order.push(`create acknowledged at slice ${messages.length}`);
      return r;
    });
    const all = await synced;
    const slices = all.filter((m) => m.type === 'store.snapshot').length;
    order.push(`last slice ${slices}`);
    assert.equal((await got).status, 200);
    const written = JSON.parse(Buffer.from((await created).body as Uint8Array).toString()) as KubeObject;
    await settle();
    assert.ok(slices > 10, `${slices} slices`);
    assert.match(order[0]!, /^get at slice \d+$/);
    assert.ok(Number(/\d+/.exec(order[0]!)![0]) < slices, order.join(', '));
    // The write was committed while slices were still going out…
    const acknowledged = order.find((o) => o.startsWith('create'))!;
    assert.ok(Number(/\d+/.exec(acknowledged)![0]) < slices, order.join(', '));
    // …yet the snapshot is the resource before it, at one revision, and its change follows the last slice.
    const keys = snapshotKeys(messages);
    assert.equal(keys.length, SEEDED + 6);
    assert.equal(new Set(keys).size, keys.length);
    assert.ok(!keys.includes('default/during-the-snapshot'));
    const rv = Number(written.metadata.resourceVersion);
    for (const m of messages.slice(0, slices)) for (const o of (m as StoreSnapshot).objects) assert.ok(Number(o.metadata.resourceVersion) < rv);
    assert.deepEqual(messages.slice(slices).map((m) => m.type === 'store.changed' && keyOf(m.changes[0]!.object)), ['default/during-the-snapshot']);
    assert.ok(messages.slice(0, slices - 1).every((m) => m.type === 'store.snapshot' && m.more === true));
    assert.equal((messages[slices - 1] as StoreSnapshot).more, undefined);
  });

  it('stops a snapshot half handed over when its subscriber unsubscribes', async () => {
    const { messages } = subscribe(store, undefined, 50);
    while (messages.length === 0) await new Promise((r) => setImmediate(r));
    store.send({ type: 'store.unsubscribe', subscriber: (store.getSnapshot().context.store.subscribers.at(-1)!).subscriber });
    const sent = messages.length;
    await settle(100);
    assert.equal(messages.length, sent);
    assert.ok(messages.every((m) => m.type === 'store.snapshot' && m.more));
  });

  describe('the built-in controllers over a million-object-sized store', () => {
    /** Each controller's ConfigMap snapshot as the store sent it, and its states, with the store as its only one. */
    async function run(name: string, machine = CONTROLLERS.find((c) => c.name === name)!.machine): Promise<{ received: string[]; states: string[]; slices: number }> {
      const received: string[] = [];
      let slices = 0;
      const states: string[] = [];
      const input = {
        name, scheme: buildScheme([configMap]), clock: systemClock, logger: silentLog(), caPem: '',
        client: { request: () => Promise.reject(new Error('no client in this spec')) },
        store: (plural: string) => plural !== 'configmaps' ? undefined : {
          send(message: StoreSubscribe) {
            if (message.type !== 'store.subscribe') return void store.send(message);
            const subscriber = message.subscriber;
            store.send({
              ...message,
              subscriber: {
                send(m: Message) {
                  if (m.type === 'store.snapshot') {
                    slices++;
                    states.push(`${String(actor.getSnapshot().value)} at slice ${slices}${m.more ? '' : ' (last)'}`);
                    received.push(...m.objects.map(keyOf));
                  }
                  subscriber.send(m);
                },
              },
            });
          },
        },
      } as unknown as ControllerInput;
      const actor: AnyActorRef = createActor(machine, { input }).start();
      const deadline = Date.now() + 20_000;
      while (actor.getSnapshot().value === 'Syncing' && Date.now() < deadline) await settle(10);
      states.push(String(actor.getSnapshot().value));
      actor.send({ type: 'actor.stop' });
      return { received, states, slices };
    }

    it('root-ca-cert-publisher is sent only the kube-root-ca.crt ConfigMaps', async () => {
      const { received, states } = await run('root-ca-certificate-publisher-controller');
      assert.deepEqual(received, ['default/kube-root-ca.crt', 'kube-public/kube-root-ca.crt', 'team-a/kube-root-ca.crt']);
      assert.equal(states.at(-1), 'Running');
    });

    it('bootstrapsigner is sent only kube-public/cluster-info', async () => {
      const { received } = await run('bootstrap-signer-controller');
      assert.deepEqual(received, ['kube-public/cluster-info']);
    });

    it('resource quota is sent no ConfigMap at all: it counts through the API', async () => {
      const { received, states } = await run('resourcequota-controller');
      assert.deepEqual(received, []);
      assert.equal(states.at(-1), 'Running');
    });

    it('the garbage collector is sent only objects naming owners, or being deleted', async () => {
      const { received, states } = await run('garbage-collector-controller');
      // A finalizer with no deletion under way is nothing it acts on.
      assert.deepEqual(received, ['team-a/owned']);
      assert.equal(states.at(-1), 'Running');
    });

    it('a controller keeping every object takes its snapshot in slices, Syncing until the last one is in', async () => {
      const listed: string[] = [];
      const machine = reconcilerMachine({
        id: 'every-configmap', workers: 1, watches: [{ plural: 'configmaps', group: '' }],
        keysOf: (_resource, object) => [keyOf(object)],
        reconcile: async (key) => void listed.push(key),
      });
      const { received, states, slices } = await run('every-configmap', machine);
      assert.equal(received.length, SEEDED + 7, "the seeded, the six made before, and the one made during the sliced snapshot");
      assert.ok(slices >= SEEDED / SNAPSHOT_SLICE, `${slices} slices`);
      // When each slice was sent, the slices before it had not let the controller run: only the last does.
      assert.ok(states.slice(0, -1).every((s) => s.startsWith('Syncing')), states.join(', '));
      assert.equal(states.at(-1), 'Running');
      await settle(200);
      assert.ok(listed.length > 0);
    });
  });
});

// autoregister over a real apiservices store (SQLite): the Local APIServices
// it keeps from start, the message-based way to add and remove one (how the
// CRD server will register its group versions), and one put back after a
// delete.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createActor } from 'xstate';
import type { KubeObject } from '../../protocol/kube/meta.js';
import { storeMachine } from '../../actors/store/store-machine.js';
import { openSqliteLog } from '../../actors/store/sqlite-log.js';
import type { RevisionLog } from '../../actors/store/revision-log.js';
import { autoregisterMachine } from '../../actors/autoregister/autoregister-machine.js';
import { allKinds } from '../../scheme/kinds/index.js';
import { definitions } from '../../scheme/definitions.js';
import { systemClock } from '../../lib/clock.js';
import { silentLog } from '../../lib/log.js';
import { jsonOf, loopback } from '../../lib/loopback.js';
import { tempDir } from '../support/temp.js';

// As the scheme registers it: with its status subresource.
const apiService = allKinds.find((k) => k.plural === 'apiservices')!;
const where = (name = '') => ({ apiGroup: 'apiregistration.k8s.io', namespace: '', resource: 'apiservices', name });

describe('autoregister', () => {
  const dir = tempDir('autoregister');
  let log: RevisionLog;
  let store: ReturnType<typeof createActor<typeof storeMachine>>;
  let autoregister: ReturnType<typeof createActor<typeof autoregisterMachine>>;

  const list = async (): Promise<KubeObject[]> => jsonOf<{ items: KubeObject[] }>(await loopback(store, 'list', where())).items;
  const names = async (): Promise<string[]> => (await list()).map((o) => o.metadata.name ?? '').sort();
  const synced = (): Promise<void> => new Promise((resolve) => autoregister.send({ type: 'autoregister.await-synced', replyTo: { send: () => resolve() } }));
  async function until(check: () => Promise<boolean>, what: string): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`still waiting for ${what}`);
  }

  before(() => {
    log = openSqliteLog(join(dir, 'db'));
    store = createActor(storeMachine, { input: { kind: apiService, definitions, log, clock: systemClock, logger: silentLog() } }).start();
    autoregister = createActor(autoregisterMachine, {
      input: { store, groupVersions: [{ group: '', version: 'v1' }, { group: 'apps', version: 'v1' }], clock: systemClock, logger: silentLog() },
    }).start();
  });
  after(async () => {
    // Nothing in flight when the store and its database go.
    await synced();
    autoregister.send({ type: 'actor.stop' });
    autoregister.stop();
    store.stop();
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a Local APIService, Available, for each group version it was given', async () => {
    await synced();
    const objects = await list();
    assert.deepEqual(objects.map((o) => o.metadata.name).sort(), ['v1.', 'v1.apps']);
    const core = objects.find((o) => o.metadata.name === 'v1.')!;
    assert.deepEqual(core.spec, { group: '', version: 'v1', groupPriorityMinimum: 18000, versionPriority: 1 });
    assert.equal(core.metadata.labels?.['kube-aggregator.kubernetes.io/automanaged'], 'onstart');
    const condition = (core.status as { conditions: Record<string, string>[] }).conditions[0]!;
    assert.deepEqual([condition.type, condition.status, condition.reason, condition.message], ['Available', 'True', 'Local', 'Local APIServices are always available']);
  });

  it('adds and removes one by message', async () => {
    autoregister.send({ type: 'apiservice.local.add', group: 'stable.example.com', version: 'v1' });
    await synced();
    assert.deepEqual(await names(), ['v1.', 'v1.apps', 'v1.stable.example.com']);
    const added = (await list()).find((o) => o.metadata.name === 'v1.stable.example.com')!;
    assert.equal(added.metadata.labels?.['kube-aggregator.kubernetes.io/automanaged'], 'true');
    autoregister.send({ type: 'apiservice.local.remove', group: 'stable.example.com', version: 'v1' });
    await until(async () => !(await names()).includes('v1.stable.example.com'), 'v1.stable.example.com to go');
  });

  it('puts back a kept one that is deleted', async () => {
    const before = jsonOf(await loopback(store, 'get', where('v1.apps'))).metadata.uid;
    assert.equal((await loopback(store, 'delete', where('v1.apps'))).status, 200);
    await until(async () => {
      const reply = await loopback(store, 'get', where('v1.apps'));
      return reply.status === 200 && jsonOf(reply).metadata.uid !== before;
    }, 'v1.apps to come back');
  });
});

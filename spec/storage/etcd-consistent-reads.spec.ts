// How a consistent read on etcd learns that its cache has every change made
// before it: by a progress notification on etcd that sends one safely
// (3.4.31 or later in 3.4, 3.5.13 or later), else by writing a fence. The
// version is read from every member at connect.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { Etcd3 } from 'etcd3';
import { openEtcdLogWhenReachable, progressNotifyIsSafe } from '../../actors/store/etcd-log.js';
import type { Feed } from '../../actors/store/revision-log.js';
import { silentLog } from '../../lib/log.js';
import { suiteEtcd } from '../support/etcd.js';

describe('which etcd sends progress notifications safely (etcd-io/etcd#15220)', () => {
  it('is 3.4.31 or later in 3.4, 3.5.13 or later, and every release after 3.5', () => {
    for (const version of ['3.4.31', '3.4.40', '3.5.13', '3.5.21', '3.6.0', '4.0.0']) assert.equal(progressNotifyIsSafe(version), true, version);
    for (const version of ['3.4.23', '3.4.30', '3.5.0', '3.5.12', '3.3.27', '', 'unknown']) assert.equal(progressNotifyIsSafe(version), false, version);
  });
});

describe('consistent reads on etcd', () => {
  const etcd = suiteEtcd();

  it('are made with fences on an etcd older than 3.4.31, as Debian ships', async () => {
    const { Etcd3: Client } = createRequire(import.meta.url)('etcd3') as { Etcd3: typeof Etcd3 };
    const client = new Client({ hosts: etcd.cluster.endpoints });
    const version = (await client.maintenance.status()).version;
    client.close();
    const log = await openEtcdLogWhenReachable({ servers: etcd.cluster.endpoints, logger: silentLog() });
    try {
      assert.equal(log.consistentReads, progressNotifyIsSafe(version) ? 'progress' : 'fence', `etcd ${version}`);
    } finally {
      await log.close();
    }
  });

  it('by progress notification, bring a quiet prefix\'s feed up to the revision of a change elsewhere, writing nothing', { timeout: 20_000 }, async () => {
    const log = await openEtcdLogWhenReachable({ servers: etcd.cluster.endpoints, logger: silentLog(), consistentReads: 'progress' });
    const { Etcd3: Client } = createRequire(import.meta.url)('etcd3') as { Etcd3: typeof Etcd3 };
    const other = new Client({ hosts: etcd.cluster.endpoints });
    try {
      const feeds: Feed[] = [];
      let reported = 0;
      let arrived: () => void = () => undefined;
      const stop = log.follow('/quiet/', log.currentRevision(), (feed) => {
        feeds.push(feed);
        if (feed.type === 'changes') reported = feed.revision;
        arrived();
      });
      const written = Number((await other.put('/elsewhere/key').value('x').exec()).header.revision);
      const wanted = await new Promise<number | Error>((resolve) => log.consistentRevision('/quiet/', resolve));
      assert.equal(typeof wanted, 'number');
      assert.ok((wanted as number) >= written);
      await new Promise<void>((resolve) => {
        arrived = () => reported >= (wanted as number) && resolve();
        arrived();
      });
      assert.deepEqual(feeds.flatMap((f): unknown[] => (f.type === 'changes' ? f.changes : [f])), [], 'nothing under /quiet/ changed');
      const fence = await other.get('/quiet/').exec();
      assert.equal(fence.kvs.length, 0, 'no fence was written');
      stop();
    } finally {
      other.close();
      await log.close();
    }
  });
});

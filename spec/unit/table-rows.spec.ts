// A list's Table is built from rows cached per entry: each must read exactly as
// the Table built from the parsed objects, and only the cells that change with
// the clock alone (AGE, a Pod's last restart, a running Job's duration) are
// computed again when answering.

import { describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../protocol/kube/meta.js';
import type { KindDescription } from '../../scheme/kind-description.js';
import { allKinds } from '../../scheme/kinds/index.js';
import { ageOf } from '../../scheme/columns.js';
import { configMap } from '../../scheme/kinds/configmap.js';
import { job, pod } from '../../scheme/kinds/workloads/index.js';
import { columnDefinitions, table, tableBytes } from '../../actors/store/table.js';
import { encodeText, entryOf } from '../../actors/store/store-state.js';
import type { Entry } from '../../actors/store/resource-cache.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-01T00:00:00Z');
const ago = (ms: number): string => new Date(NOW - ms).toISOString().replace('.000', '');

function entry(object: KubeObject, revision = 7): Entry {
  const key = object.metadata.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : object.metadata.name!;
  object.metadata.resourceVersion = String(revision);
  return entryOf(key, revision, object, encodeText(JSON.stringify(object)));
}

function sample(kind: KindDescription, name: string): KubeObject {
  return {
    apiVersion: kind.group ? `${kind.group}/${kind.version}` : kind.version,
    kind: kind.kind,
    metadata: { name, ...(kind.namespaced ? { namespace: 'default' } : {}), uid: `uid-${name}`, creationTimestamp: ago(30 * DAY), labels: { app: 'web' } },
    spec: { containers: [{ name: 'web', image: 'nginx:1' }], replicas: 2, selector: { matchLabels: { app: 'web' } }, ports: [{ port: 80 }], startTime: ago(3 * DAY) },
    status: {
      replicas: 2, readyReplicas: 1, phase: 'Running', startTime: ago(3 * DAY),
      containerStatuses: [{ name: 'web', ready: true, restartCount: 2, lastState: { terminated: { finishedAt: ago(2 * DAY) } } }],
    },
    data: { a: '1', b: '2' },
    lastTimestamp: ago(4 * DAY),
  } as KubeObject;
}

const shapes = (['None', 'Metadata', 'Object'] as const).flatMap((includeObject) => (['v1', 'v1beta1'] as const).map((version) => ({ as: 'Table' as const, version, includeObject })));
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');
const parse = (e: Entry): KubeObject => JSON.parse(Buffer.from(e.bytes).toString('utf8')) as KubeObject;

describe('Table rows cached per entry', () => {
  it('reads, for every kind and includeObject, exactly as the Table built from the parsed objects, fresh and from the cache', (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: NOW });
    for (const kind of allKinds) {
      const entries = [entry(sample(kind, 'a')), entry(sample(kind, 'b'), 9)];
      for (const shape of shapes) {
        const expected = JSON.stringify(table(kind, entries.map(parse), shape, { resourceVersion: '9', continue: 'x', remainingItemCount: 3 }));
        for (const round of ['fresh', 'cached']) {
          assert.equal(text(tableBytes(kind, entries, shape, { resourceVersion: '9', continue: 'x', remainingItemCount: 3 })), expected, `${kind.plural} ${shape.includeObject} ${shape.version} (${round})`);
        }
      }
    }
  });

  it('computes AGE and every other cell that reads the clock when answering, and the rest once per entry', (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: NOW });
    const shape = { as: 'Table' as const, version: 'v1' as const, includeObject: 'None' as const };
    const running = sample(job, 'running');
    (running.status as Record<string, unknown>).startTime = ago(90_000);
    delete (running.status as Record<string, unknown>).completionTime;
    const rows = (kind: KindDescription, e: Entry): unknown[] => (JSON.parse(text(tableBytes(kind, [e], shape, {}))) as { rows: { cells: unknown[] }[] }).rows[0]!.cells;
    const cm = entry({ ...sample(configMap, 'cm'), metadata: { name: 'cm', namespace: 'default', creationTimestamp: ago(90_000) } });
    const p = entry(sample(pod, 'p'));
    const j = entry(running);
    assert.deepEqual(rows(configMap, cm), ['cm', 2, '90s']);
    const duration = columnDefinitions(job).findIndex((c) => c.name === 'Duration');
    const restarts = rows(pod, p)[3];
    assert.equal(rows(job, j)[duration], '90s', 'DURATION of a running job');
    t.mock.timers.tick(DAY);
    assert.deepEqual(rows(configMap, cm), ['cm', 2, '24h']);
    assert.equal(rows(job, j)[duration], '24h');
    assert.notEqual(rows(pod, p)[3], restarts, 'RESTARTS names how long ago the last one was');
    const accented: KindDescription = { ...configMap, columns: [{ name: 'Vu', type: 'string', cell: (o) => `vu à ${ageOf(o.metadata.creationTimestamp)}, ü` }, ...configMap.columns!] };
    const full = JSON.stringify(table(accented, [parse(cm)], shape, {}));
    assert.equal(text(tableBytes(accented, [cm, cm], shape, {})), full.replace(/(\{"cells":.*\})\]\}$/, '$1,$1]}'), 'a clocked cell beyond ASCII');
  });

  it('computes a row again for the entry a write makes, and when the kind’s columns change', (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: NOW });
    const shape = { as: 'Table' as const, version: 'v1' as const, includeObject: 'None' as const };
    const cells = (kind: KindDescription, e: Entry): unknown[] => (JSON.parse(text(tableBytes(kind, [e], shape, {}))) as { rows: { cells: unknown[] }[] }).rows[0]!.cells;
    const before = entry(sample(configMap, 'cm'));
    assert.equal(cells(configMap, before)[1], 2);
    const after = entry({ ...sample(configMap, 'cm'), data: { a: '1' } }, 8);
    assert.equal(cells(configMap, after)[1], 1);
    const relabelled: KindDescription = { ...configMap, columns: [{ name: 'Name', type: 'string', cell: (o) => `cm:${o.metadata.name}` }] };
    assert.deepEqual(cells(relabelled, after), ['cm:cm']);
  });
});

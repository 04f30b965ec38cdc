// The store's cache keeps key order lazily (writes O(1), the next ordered read
// merges). Random writes and reads, checked against a plain sorted model.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ResourceCache, type Entry } from '../../actors/store/resource-cache.js';

function entry(key: string, revision: number): Entry {
  const [namespace, name] = key.split('/') as [string, string];
  return { key, name, namespace, revision, labels: undefined, bytes: new Uint8Array() };
}

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('resource cache key order', () => {
  it('lists exactly the live keys in order, by namespace and after a key, through any mix of writes', () => {
    const next = random(42);
    const cache = new ResourceCache(0, 100);
    const model = new Set<string>();
    let revision = 0;
    const pick = (): string => `ns${Math.floor(next() * 3)}/k${Math.floor(next() * 200).toString().padStart(3, '0')}`;
    for (let step = 0; step < 5_000; step++) {
      const key = pick();
      const roll = next();
      revision++;
      if (roll < 0.45) {
        cache.apply({ type: model.has(key) ? 'MODIFIED' : 'ADDED', revision, entry: entry(key, revision), previous: cache.get(key) });
        model.add(key);
      } else if (roll < 0.8) {
        if (model.has(key)) {
          cache.apply({ type: 'DELETED', revision, entry: entry(key, revision), previous: cache.get(key) });
          model.delete(key);
        }
      } else {
        const namespace = next() < 0.5 ? 'ns1' : '';
        // A continue token's key is always one the same list served: within its namespace.
        const candidate = pick();
        const after = next() < 0.5 ? (namespace ? `${namespace}/${candidate.split('/')[1]}` : candidate) : '';
        const expected = [...model].sort().filter((k) => (!namespace || k.startsWith(`${namespace}/`)) && (!after || k > after));
        assert.deepEqual([...cache.range(namespace, after)].map((e) => e.key), expected, `step ${step}`);
        if (after) assert.equal(cache.countAfter(namespace, after), expected.length, `count at step ${step}`);
      }
    }
    assert.equal(cache.size, model.size);
  });

  it('keeps the history it promises while trimming it in chunks', () => {
    const cache = new ResourceCache(0, 100);
    for (let r = 1; r <= 2_000; r++) cache.apply({ type: 'ADDED', revision: r, entry: entry(`ns/k${r}`, r), previous: undefined });
    const from = cache.historyFrom;
    assert.ok(from <= 2_000 - 100, 'at least the last 100 events are kept');
    assert.deepEqual(cache.eventsAfter(1_950)?.map((e) => e.revision), Array.from({ length: 50 }, (_, i) => 1_951 + i));
    assert.equal(cache.eventsAfter(from - 1), undefined, 'older than the history: unknown');
  });
});

// The store's cache keeps key order lazily (writes O(1), the next ordered read
// merges). Random writes and reads, checked against a plain sorted model; and
// a list page copies runs of slab-packed entries whole.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CachedEntry, ResourceCache, separatedRuns, type Entry } from '../../actors/store/resource-cache.js';
import { SlabPacker } from '../../actors/store/slab.js';

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

describe('a list page from entries packed in slabs', () => {
  it('joins the runs of entries lying next to each other into the same bytes as joining every entry', () => {
    const next = random(7);
    // Small slabs, so that runs also break where a slab ends.
    const slabs = new SlabPacker(4_096);
    const entries: Entry[] = [];
    for (let i = 0; i < 400; i++) {
      const text = JSON.stringify({ metadata: { name: `k${i}` }, data: { v: 'é'.repeat(Math.floor(next() * 40)) } });
      const roll = next();
      // Values written after the load have bytes of their own; a value too large for a slab too.
      const bytes = roll < 0.2 ? Buffer.from(text) : roll < 0.25 ? slabs.packText(text.padEnd(2_000)) : slabs.packText(text);
      entries.push(new CachedEntry(`ns/k${String(i).padStart(3, '0')}`, 'ns', i + 1, undefined, bytes));
    }
    for (const [from, to] of [[0, 400], [10, 11], [37, 250], [399, 400], [0, 0]] as const) {
      const page = entries.slice(from, to);
      const runs = separatedRuns(page);
      assert.ok(runs.length <= page.length);
      assert.equal(Buffer.concat(runs.flatMap((r, i) => (i > 0 ? [Buffer.from(','), r] : [r]))).toString(), page.map((e) => Buffer.from(e.bytes).toString()).join(','));
    }
    const loaded = new SlabPacker();
    const inOneSlab = Array.from({ length: 100 }, (_, i) => new CachedEntry(`ns/m${i}`, 'ns', i + 1, undefined, loaded.packText(`{"n":${i}}`)));
    assert.deepEqual(separatedRuns(inOneSlab).map((r) => Buffer.from(r).toString()), [inOneSlab.map((_, i) => `{"n":${i}}`).join(',')], 'entries loaded together are one run');
  });
});

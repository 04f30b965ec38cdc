// The cache's label index: a selected list reads the few objects that carry a
// label value instead of scanning all, and answers exactly what a scan would,
// through any mix of writes, relabels and deletes.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ResourceCache, type Entry } from '../../actors/store/resource-cache.js';
import { LabelIndex } from '../../actors/store/label-index.js';
import { matchesLabels, parseLabelSelector, type LabelSelector } from '../../actors/store/label-selector.js';

function entry(key: string, revision: number, labels: Record<string, string> | undefined): Entry {
  const [namespace, name] = key.split('/') as [string, string];
  return { key, name, namespace, revision, labels, bytes: new Uint8Array() };
}

function selector(text: string): LabelSelector {
  const parsed = parseLabelSelector(text);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed;
}

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('label index', () => {
  it('hands back, sorted, the keys that carry a rare value, and nothing for a value most objects carry', () => {
    const index = new LabelIndex();
    for (let i = 0; i < 1_000; i++) index.replace(`ns/k${String(i).padStart(4, '0')}`, undefined, { app: 'web', tier: i % 100 === 7 ? 'rare' : 'common' });
    assert.deepEqual(index.candidates(selector('tier=rare'), 1_000), ['ns/k0007', 'ns/k0107', 'ns/k0207', 'ns/k0307', 'ns/k0407', 'ns/k0507', 'ns/k0607', 'ns/k0707', 'ns/k0807', 'ns/k0907']);
    assert.equal(index.candidates(selector('app=web'), 1_000), undefined, 'every object carries it: a scan is cheaper');
    assert.equal(index.candidates(selector('tier!=rare'), 1_000), undefined, 'an inequality does not narrow');
    assert.deepEqual(index.candidates(selector('app=web,tier in (rare,absent)'), 1_000)?.length, 10, 'the narrowest requirement is read');
    assert.deepEqual(index.candidates(selector('tier=absent'), 1_000), [], 'a value no object carries selects none');
  });

  it('moves a key between buckets when its labels change, and forgets it when it goes', () => {
    const index = new LabelIndex();
    for (let i = 0; i < 100; i++) index.replace(`ns/k${i}`, undefined, { app: 'many' });
    index.replace('ns/k1', { app: 'many' }, { app: 'one' });
    assert.deepEqual(index.candidates(selector('app=one'), 100), ['ns/k1']);
    index.replace('ns/k1', { app: 'one' }, undefined);
    assert.deepEqual(index.candidates(selector('app=one'), 100), []);
  });

  it('lists through the cache exactly what a scan with the selector lists, through any mix of writes', () => {
    const next = random(7);
    const cache = new ResourceCache(0, 100);
    const model = new Map<string, Record<string, string>>();
    const selectors = ['color=red', 'color in (blue,red)', 'color=green,size=s', 'size=xl', 'color=red,size!=s', 'color'].map(selector);
    const colors = ['red', 'blue', 'green', 'none'];
    const labelsOf = (): Record<string, string> => {
      const labels: Record<string, string> = { app: 'x' };
      // Rare values, so that the index narrows: red and green on about 1 in 40 objects each.
      const roll = next();
      const color = roll < 0.025 ? 'red' : roll < 0.05 ? 'green' : roll < 0.1 ? 'blue' : colors[3]!;
      if (color !== 'none') labels.color = color;
      if (next() < 0.3) labels.size = next() < 0.1 ? 'xl' : 's';
      return labels;
    };
    let revision = 0;
    for (let step = 0; step < 20_000; step++) {
      const key = `ns${Math.floor(next() * 3)}/k${Math.floor(next() * 2_000).toString().padStart(4, '0')}`;
      const roll = next();
      revision++;
      if (roll < 0.6) {
        const labels = labelsOf();
        cache.apply({ type: model.has(key) ? 'MODIFIED' : 'ADDED', revision, entry: entry(key, revision, labels), previous: cache.get(key) });
        model.set(key, labels);
      } else if (roll < 0.9) {
        if (model.has(key)) {
          cache.apply({ type: 'DELETED', revision, entry: entry(key, revision, model.get(key)), previous: cache.get(key) });
          model.delete(key);
        }
      } else {
        const chosen = selectors[Math.floor(next() * selectors.length)]!;
        const namespace = next() < 0.5 ? 'ns1' : '';
        const after = next() < 0.3 ? `${namespace || 'ns0'}/k1000` : '';
        const expected = [...model].filter(([k, labels]) => (!namespace || k.startsWith(`${namespace}/`)) && (!after || k > after) && matchesLabels(chosen, labels)).map(([k]) => k).sort();
        const listed = [...cache.range(namespace, after, chosen)].filter((e) => matchesLabels(chosen, e.labels)).map((e) => e.key);
        assert.deepEqual(listed, expected, `step ${step}`);
      }
    }
  });
});

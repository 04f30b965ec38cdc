// Typed object construction for mutating admission policies on a CEL library
// that has none: the rewrite of `Name{field: value}` into a call, and
// --feature-gates parsing.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rewriteConstruction } from '../../lib/cel/object-construction.js';
import { parseFeatureGates } from '../../scheme/feature-gates.js';

describe('Object construction rewrite', () => {
  it('rewrites nested constructions, and each field value becomes dyn', () => {
    assert.equal(
      rewriteConstruction('Object{spec: Object.spec{replicas: 3, paused: x ? true : false}}'),
      '_kube_construct("Object", {"spec": dyn(_kube_construct("Object.spec", {"replicas": dyn(3), "paused": dyn(x ? true : false)}))})',
    );
    assert.equal(rewriteConstruction('[JSONPatch{op: "add", path: "/a", value: [1, 2]}]'), '[_kube_construct("JSONPatch", {"op": dyn("add"), "path": dyn("/a"), "value": dyn([1, 2])})]');
    assert.equal(rewriteConstruction('Object{}'), '_kube_construct("Object", {})');
  });

  it('leaves map literals, `in {…}`, member calls and braces inside strings alone', () => {
    for (const source of ['{"a": 1}', '"a" in {"a": 1}', 'object.spec.x == "Object{a: 1}"', "r'Name{x: 1}'", 'a.b.exists(x, x > 1)']) {
      assert.equal(rewriteConstruction(source), source);
    }
  });
});

describe('--feature-gates', () => {
  it('a named gate wins over AllAlpha, in any order; values are Go bools', () => {
    const gates = (entries: string[]) => {
      const parsed = parseFeatureGates(entries);
      assert.ok('gates' in parsed, JSON.stringify(parsed));
      return parsed.gates.get('MutatingAdmissionPolicy');
    };
    assert.equal(gates([]), false);
    assert.equal(gates(['MutatingAdmissionPolicy=t']), true);
    assert.equal(gates(['AllAlpha=true']), true);
    assert.equal(gates(['MutatingAdmissionPolicy=false', 'AllAlpha=true']), false);
    assert.deepEqual(parseFeatureGates(['MutatingAdmissionPolicy']), { error: '--feature-gates: missing bool value for MutatingAdmissionPolicy' });
  });
});

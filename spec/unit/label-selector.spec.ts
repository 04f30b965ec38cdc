// ?labelSelector= as kube parses and matches it, and metav1.LabelSelector.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatLabelSelector,
  labelSelectorFromMetav1,
  matchesLabels,
  parseLabelSelector,
  parseMetav1LabelSelector,
  type LabelSelector,
} from '../../actors/store/label-selector.js';

function parse(text: string): LabelSelector {
  const parsed = parseLabelSelector(text);
  if ('error' in parsed) assert.fail(`"${text}" did not parse: ${parsed.error}`);
  return parsed;
}

function errorOf(text: string): string {
  const parsed = parseLabelSelector(text);
  assert.ok('error' in parsed, `"${text}" parsed, but kube refuses it`);
  return parsed.error;
}

const NAME_RULE =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const VALUE_RULE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

describe('label selector: parsing', () => {
  it('reads every operator of the grammar, sorted by key as kube keeps them', () => {
    assert.deepEqual(parse('tier=front,env==prod,track!=canary,app in (web,api),zone notin (a),owner,!legacy,gen>3,rank<10'), [
      { key: 'app', operator: 'in', values: ['api', 'web'] },
      { key: 'env', operator: '==', values: ['prod'] },
      { key: 'gen', operator: 'gt', values: ['3'] },
      { key: 'legacy', operator: '!', values: [] },
      { key: 'owner', operator: 'exists', values: [] },
      { key: 'rank', operator: 'lt', values: ['10'] },
      { key: 'tier', operator: '=', values: ['front'] },
      { key: 'track', operator: '!=', values: ['canary'] },
      { key: 'zone', operator: 'notin', values: ['a'] },
    ]);
  });

  it('tolerates whitespace around tokens', () => {
    assert.deepEqual(parse('  app in ( web , api ) ,  tier = front , ! legacy\t'), parse('app in (web,api),tier=front,!legacy'));
  });

  it('treats the empty string as the selector that matches everything', () => {
    assert.deepEqual(parse(''), []);
    assert.deepEqual(parse('   '), []);
  });

  it('reads empty values where kube does: `a=`, `in ()`, and holes in a value set', () => {
    assert.deepEqual(parse('x in (foo,,baz),y,z notin ()'), [
      { key: 'x', operator: 'in', values: ['', 'baz', 'foo'] },
      { key: 'y', operator: 'exists', values: [] },
      { key: 'z', operator: 'notin', values: [''] },
    ]);
    assert.deepEqual(parse('a=,b!='), [
      { key: 'a', operator: '=', values: [''] },
      { key: 'b', operator: '!=', values: [''] },
    ]);
  });

  it('accepts `in` and `notin` as keys and values', () => {
    assert.deepEqual(parse('in in (notin,in)'), [{ key: 'in', operator: 'in', values: ['in', 'notin'] }]);
  });

  it('accepts prefixed keys', () => {
    assert.deepEqual(parse('app.kubernetes.io/name=web'), [{ key: 'app.kubernetes.io/name', operator: '=', values: ['web'] }]);
  });
});

describe('label selector: errors, worded as kube words them', () => {
  it('reports a missing or misplaced operator', () => {
    assert.equal(errorOf('a b'), "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
    assert.equal(errorOf('a=b c'), "found 'c', expected: ',' or 'end of string'");
    assert.equal(errorOf('=a'), "found '=', expected: !, identifier, or 'end of string'");
    assert.equal(errorOf('!a=b'), "found '=', expected: ',' or 'end of string'");
    assert.equal(errorOf('a=!b'), "unable to parse requirement: found '!', expected: identifier");
  });

  it('reports a dangling comma', () => {
    assert.equal(errorOf('a,'), "found '', expected: identifier after ','");
    assert.equal(errorOf('a,,b'), "found ',', expected: identifier after ','");
  });

  it('reports a malformed value set', () => {
    assert.equal(errorOf('a in x'), "unable to parse requirement: found 'x' expected: '('");
    assert.equal(errorOf('a in (x'), "unable to parse requirement: found '', expected: ',' or ')'");
    assert.equal(errorOf('a in (x y)'), "unable to parse requirement: found 'y', expected: ',' or ')'");
    assert.equal(errorOf('a in (=)'), "unable to parse requirement: found '=', expected: ',', ')' or identifier");
  });

  it('validates keys', () => {
    assert.equal(errorOf('-a'), `unable to parse requirement: <nil>: Invalid value: "-a": name part ${NAME_RULE}`);
    assert.equal(errorOf(`${'k'.repeat(64)}=v`), `unable to parse requirement: <nil>: Invalid value: "${'k'.repeat(64)}": name part must be no more than 63 bytes`);
    assert.match(errorOf('Example.com/a'), /^unable to parse requirement: <nil>: Invalid value: "Example.com\/a": prefix part a lowercase RFC 1123 subdomain must consist of/);
    assert.match(errorOf('a/b/c'), /^unable to parse requirement: <nil>: Invalid value: "a\/b\/c": a valid label key must consist of/);
  });

  it('validates values', () => {
    assert.equal(errorOf('a=b$'), `unable to parse requirement: values[0][a]: Invalid value: "b$": ${VALUE_RULE}`);
    assert.equal(errorOf('a in (ok,-bad)'), `unable to parse requirement: values[0][a]: Invalid value: "-bad": ${VALUE_RULE}`);
    assert.equal(errorOf('a>x'), `unable to parse requirement: values[0]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer`);
  });
});

describe('label selector: matching', () => {
  const labels = { app: 'web', tier: 'front', gen: '7' };
  const matches = (text: string): boolean => matchesLabels(parse(text), labels);

  it('matches equality and set membership only when the label is present', () => {
    assert.equal(matches('app=web'), true);
    assert.equal(matches('app==web,tier=front'), true);
    assert.equal(matches('app=api'), false);
    assert.equal(matches('app in (api,web)'), true);
    assert.equal(matches('team in (a)'), false);
    assert.equal(matches('team='), false);
  });

  it('matches inequality and exclusion when the label is absent', () => {
    assert.equal(matches('team!=a'), true);
    assert.equal(matches('team notin (a)'), true);
    assert.equal(matches('app!=web'), false);
    assert.equal(matches('app notin (web,api)'), false);
  });

  it('matches existence', () => {
    assert.equal(matches('app,tier'), true);
    assert.equal(matches('team'), false);
    assert.equal(matches('!team'), true);
    assert.equal(matches('!app'), false);
  });

  it('compares integers for gt and lt, and never matches a non-integer label', () => {
    assert.equal(matches('gen>6'), true);
    assert.equal(matches('gen>7'), false);
    assert.equal(matches('gen<8'), true);
    assert.equal(matches('app>1'), false);
    assert.equal(matches('missing<1'), false);
  });

  it('treats an object without labels as having none', () => {
    assert.equal(matchesLabels(parse(''), undefined), true);
    assert.equal(matchesLabels(parse('!app'), undefined), true);
    assert.equal(matchesLabels(parse('app'), undefined), false);
  });

  it('renders the canonical form', () => {
    assert.equal(formatLabelSelector(parse('b in (y,x), !c ,a=1,d>2')), 'a=1,b in (x,y),!c,d>2');
  });
});

describe('metav1.LabelSelector', () => {
  it('combines matchLabels and matchExpressions', () => {
    const selector = labelSelectorFromMetav1({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['front', 'edge'] },
        { key: 'legacy', operator: 'DoesNotExist' },
        { key: 'team', operator: 'Exists' },
        { key: 'track', operator: 'NotIn', values: ['canary'] },
      ],
    });
    assert.ok(selector);
    assert.equal(matchesLabels(selector, { app: 'web', tier: 'edge', team: 'a' }), true);
    assert.equal(matchesLabels(selector, { app: 'web', tier: 'edge', team: 'a', track: 'canary' }), false);
    assert.equal(matchesLabels(selector, { app: 'web', tier: 'back', team: 'a' }), false);
    assert.equal(matchesLabels(selector, { app: 'web', tier: 'edge' }), false);
  });

  it('matches everything when empty', () => {
    assert.deepEqual(labelSelectorFromMetav1({}), []);
  });

  it('refuses what kube refuses', () => {
    assert.deepEqual(parseMetav1LabelSelector({ matchExpressions: [{ key: 'a', operator: 'Equals', values: ['x'] }] }), { error: '"Equals" is not a valid label selector operator' });
    assert.deepEqual(parseMetav1LabelSelector({ matchExpressions: [{ key: 'a', operator: 'In' }] }), {
      error: "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
    });
    assert.deepEqual(parseMetav1LabelSelector({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }), {
      error: 'values: Invalid value: ["x"]: values set must be empty for exists and does not exist',
    });
    assert.deepEqual(parseMetav1LabelSelector({ matchLabels: { 'bad key': 'v' } }), { error: `key: Invalid value: "bad key": name part ${NAME_RULE}` });
    assert.equal(labelSelectorFromMetav1({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }), undefined);
  });
});

// ?fieldSelector= as kube parses, checks and matches it.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  exactFieldMatch,
  fieldsOf,
  formatFieldSelector,
  knownFieldSelectorError,
  matchesFields,
  parseFieldSelector,
  type FieldSelector,
  type FieldSelectorOptions,
} from '../../actors/store/field-selector.js';

function parse(text: string, options?: FieldSelectorOptions): FieldSelector {
  const parsed = parseFieldSelector(text, options);
  if ('error' in parsed) assert.fail(`"${text}" did not parse: ${parsed.error}`);
  return parsed;
}

const errorOf = (text: string, options?: FieldSelectorOptions): string => {
  const parsed = parseFieldSelector(text, options);
  assert.ok('error' in parsed, `"${text}" parsed, but kube refuses it`);
  return parsed.error;
};

describe('field selector: parsing', () => {
  it('reads =, == and !=, comma-joined', () => {
    assert.deepEqual(parse('metadata.namespace!=kube-system,metadata.name==web'), [
      { field: 'metadata.name', operator: '==', value: 'web' },
      { field: 'metadata.namespace', operator: '!=', value: 'kube-system' },
    ]);
    assert.deepEqual(parse('metadata.name=web'), [{ field: 'metadata.name', operator: '=', value: 'web' }]);
  });

  it('matches everything when empty, and skips empty terms', () => {
    assert.deepEqual(parse(''), []);
    assert.deepEqual(parse(',metadata.name=a,'), [{ field: 'metadata.name', operator: '=', value: 'a' }]);
  });

  it('unescapes backslash-escaped commas, equals signs and backslashes in values', () => {
    assert.deepEqual(parse('metadata.name=a\\,b\\=c\\\\d,metadata.namespace=x'), [
      { field: 'metadata.name', operator: '=', value: 'a,b=c\\d' },
      { field: 'metadata.namespace', operator: '=', value: 'x' },
    ]);
    assert.deepEqual(parse('metadata.name='), [{ field: 'metadata.name', operator: '=', value: '' }]);
  });

  it('round-trips through the canonical form', () => {
    const selector = parse('metadata.name=a\\,b,metadata.namespace!=c');
    assert.deepEqual(parse(formatFieldSelector(selector)), selector);
  });

  it('accepts the labels a kind adds', () => {
    assert.deepEqual(parse('spec.nodeName=n1', { fields: ['metadata.name', 'spec.nodeName'] }), [{ field: 'spec.nodeName', operator: '=', value: 'n1' }]);
  });
});

describe('field selector: errors, worded as kube words them', () => {
  it('refuses a term without an operator', () => {
    assert.equal(errorOf('metadata.name'), "invalid selector: 'metadata.name'; can't understand 'metadata.name'");
  });

  it('refuses bad escapes and unescaped separators in values', () => {
    assert.equal(errorOf('metadata.name=a\\x'), 'invalid field selector: invalid escape sequence: \\x');
    assert.equal(errorOf('metadata.name=a\\'), 'invalid field selector: invalid escape sequence: \\');
    assert.equal(errorOf('metadata.name=a=b'), 'invalid field selector: unescaped character in value: 61');
  });

  it('refuses labels the resource does not support', () => {
    assert.equal(errorOf('spec.nodeName=n1'), 'field label not supported: spec.nodeName');
    assert.equal(errorOf('spec.x=1', { unsupported: knownFieldSelectorError }), '"spec.x" is not a known field selector: only "metadata.name", "metadata.namespace"');
  });

  it('does not trim whitespace, so a spaced label is an unknown one', () => {
    assert.equal(errorOf('metadata.name = web'), 'field label not supported: metadata.name ');
  });

  it('reports a malformed value before an unsupported label, as kube does', () => {
    assert.equal(errorOf('spec.x=1,metadata.name=a\\q'), 'invalid field selector: invalid escape sequence: \\q');
  });
});

describe('field selector: matching', () => {
  const pod = { metadata: { name: 'web-1', namespace: 'shop' }, spec: { nodeName: 'n1' } };

  it('matches an object by name and namespace', () => {
    const fields = fieldsOf(pod);
    assert.deepEqual(fields, { 'metadata.name': 'web-1', 'metadata.namespace': 'shop' });
    assert.equal(matchesFields(parse('metadata.name=web-1,metadata.namespace=shop'), fields), true);
    assert.equal(matchesFields(parse('metadata.name=web-1,metadata.namespace!=shop'), fields), false);
    assert.equal(matchesFields(parse('metadata.name!=web-2'), fields), true);
  });

  it('treats a cluster-scoped object as having an empty namespace', () => {
    const fields = fieldsOf({ metadata: { name: 'node-a' } });
    assert.equal(matchesFields(parse('metadata.namespace='), fields), true);
    assert.equal(matchesFields(parse('metadata.namespace!=default'), fields), true);
    assert.equal(matchesFields(parse('metadata.namespace=default'), fields), false);
  });

  it('reads a missing field as the empty string', () => {
    assert.equal(matchesFields(parse('spec.nodeName=', { fields: ['spec.nodeName'] }), {}), true);
  });

  it('adds the fields a kind extracts itself', () => {
    const fields = fieldsOf(pod, { 'spec.nodeName': (o) => String((o.spec as { nodeName?: string } | undefined)?.nodeName ?? '') });
    assert.equal(fields['spec.nodeName'], 'n1');
    assert.equal(matchesFields(parse('spec.nodeName=n1', { fields: ['spec.nodeName'] }), fields), true);
  });

  it('names the value a selector pins a field to', () => {
    assert.equal(exactFieldMatch(parse('metadata.name==web-1,metadata.namespace!=x'), 'metadata.name'), 'web-1');
    assert.equal(exactFieldMatch(parse('metadata.namespace!=x'), 'metadata.namespace'), undefined);
  });
});

// kube's rule for boolean query parameters, which every flag (watch,
// allowWatchBookmarks, sendInitialEvents, ...) follows.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { queryFlag } from '../../protocol/kube/query.js';
import { requestInfoOf } from '../../actors/listener/request-info.js';
import { parseListOptions } from '../../actors/store/list-options.js';

describe('boolean query parameters', () => {
  it('are false when absent, and for 0 or false in any letter case', () => {
    for (const value of ['0', 'false', 'False', 'FALSE', 'fAlSe']) assert.equal(queryFlag({ watch: value }, 'watch'), false, value);
    assert.equal(queryFlag({}, 'watch'), false);
  });

  it('are true for every other value, the empty string included', () => {
    for (const value of ['true', 'True', '1', '', 'yes', 'no', 'anything']) assert.equal(queryFlag({ watch: value }, 'watch'), true, JSON.stringify(value));
  });

  it('make ?watch=True (the Python client) a watch, and ?watch=false a list', () => {
    assert.equal(requestInfoOf('GET', '/api/v1/namespaces/default/configmaps', { watch: 'True' }).verb, 'watch');
    assert.equal(requestInfoOf('GET', '/api/v1/namespaces/default/configmaps', { watch: '' }).verb, 'watch');
    assert.equal(requestInfoOf('GET', '/api/v1/namespaces/default/configmaps', { watch: 'FALSE' }).verb, 'list');
  });

  it('apply to allowWatchBookmarks and sendInitialEvents', () => {
    const parsed = parseListOptions({ allowWatchBookmarks: 'True', sendInitialEvents: 'TRUE', resourceVersionMatch: 'NotOlderThan' }, true);
    assert.ok(parsed.ok);
    assert.equal(parsed.options.allowWatchBookmarks, true);
    assert.equal(parsed.options.sendInitialEvents, true);
  });
});

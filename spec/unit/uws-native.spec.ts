// The listener must run on uWebSockets.js's native binding: its npm build
// silently falls back to a slow JS server, which we refuse to use.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isNativeUws, loadNativeUws } from '../../actors/listener/uws.js';

describe('uWebSockets.js', () => {
  it('loads the native binding', () => {
    const uws = loadNativeUws();
    assert.equal(isNativeUws(uws), true);
    assert.equal(typeof uws.us_socket_local_port, 'function');
  });
  it('tells the JS fallback apart from the native binding', () => {
    function SSLApp(): void {}
    assert.equal(isNativeUws({ SSLApp } as never), false);
  });
});

// The only module that loads uWebSockets.js. The npm build silently falls back
// to a slow pure-JS server when its native binary does not load; we load the
// native binary directly so that failure is loud instead.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Uws from 'uWebSockets.js';

const require = createRequire(import.meta.url);

export type { Uws };

export function loadNativeUws(): typeof Uws {
  const packageDir = dirname(require.resolve('uWebSockets.js/package.json'));
  const binary = join(packageDir, 'binaries', `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`);
  try {
    return require(binary) as typeof Uws;
  } catch (e) {
    throw new Error(`uWebSockets.js native binding failed to load from ${binary}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** True when `uws` is the native addon: its functions are native code, not the JS fallback's. */
export function isNativeUws(uws: typeof Uws): boolean {
  return Function.prototype.toString.call(uws.SSLApp).includes('[native code]');
}

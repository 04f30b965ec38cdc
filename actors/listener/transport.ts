// Which transport serves, and why: uWebSockets.js where its native binary
// loads, unless client certificates are wanted (uWS cannot read them) or
// --transport=node asks for node:http2.

import { loadNativeUws } from './uws.js';
import type { FrontendWiring, HttpFrontend } from './http-frontend.js';
import { UwsFrontend } from './uws-frontend.js';
import { NodeFrontend } from './node-frontend.js';

export type TransportChoice = 'auto' | 'uws' | 'node';

export const TRANSPORT_CHOICES: readonly TransportChoice[] = ['auto', 'uws', 'node'];

export interface ChosenFrontend {
  frontend: HttpFrontend<unknown>;
  /** One line: which transport serves and why. */
  why: string;
}

/** `load` is uws.ts's loader; a spec hands one that fails, as on a Node version the binary was not built for. */
export function createFrontend(choice: TransportChoice, wiring: FrontendWiring, load: typeof loadNativeUws = loadNativeUws): ChosenFrontend {
  if (choice === 'node') return node(wiring, '--transport=node');
  if (wiring.options.clientCaPem !== undefined) {
    // Options validation refuses --transport=uws with --client-ca-file.
    return node(wiring, '--client-ca-file needs client certificates, which uWebSockets.js cannot read');
  }
  let uws: ReturnType<typeof loadNativeUws>;
  try {
    uws = load();
  } catch (e) {
    if (choice === 'uws') throw e;
    return node(wiring, `the uWebSockets.js native binary did not load (${(e as Error).message})`);
  }
  const frontend = new UwsFrontend(uws, wiring) as HttpFrontend<unknown>;
  return { frontend, why: `serving with ${frontend.transport}${choice === 'uws' ? ' (--transport=uws)' : ' (its native binary loaded)'}` };
}

function node(wiring: FrontendWiring, reason: string): ChosenFrontend {
  const frontend = new NodeFrontend(wiring) as unknown as HttpFrontend<unknown>;
  return { frontend, why: `serving with ${frontend.transport}: ${reason}` };
}

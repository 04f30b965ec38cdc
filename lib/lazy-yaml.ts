// The yaml package takes about 40 ms to load, and most starts never parse
// any YAML (request bodies, kubeconfigs and audit policies are the only
// users), so it is loaded on first use, synchronously, from its CommonJS build.

import { createRequire } from 'node:module';

type Yaml = typeof import('yaml');

const require = createRequire(import.meta.url);
let loaded: Yaml | undefined;

export function yaml(): Yaml {
  loaded ??= require('yaml') as Yaml;
  return loaded;
}

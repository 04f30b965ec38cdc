// Bundles the server's own modules into one file, dist/kubeactor.mjs, which
// `kubeactor` (package.json bin) and `npm start` run. Node's ESM loader spends
// about a millisecond per module on a start; one file instead of about a
// hundred takes a third off a warm start (bench/ANALYSIS.md). Native addons and
// what is loaded only on demand stay outside, resolved from node_modules.
// Run after tsc: node dist/scripts/bundle.js

import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const dist = fileURLToPath(new URL('../', import.meta.url));

await build({
  entryPoints: [`${dist}bin/kubeactor.js`],
  outfile: `${dist}kubeactor.mjs`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3', 'uWebSockets.js', 'yaml', '@peculiar/x509', 'reflect-metadata', 'etcd3', 'ws', 'msgpackr'],
  // Bundled CommonJS dependencies call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as createRequireForBundle } from 'node:module'; const require = createRequireForBundle(import.meta.url);" },
  logLevel: 'warning',
});
// The SQLite log's writer thread, beside the bundle where actors/store/sqlite-log.ts looks for it.
await build({
  entryPoints: [`${dist}actors/store/sqlite-writer.js`],
  outfile: `${dist}sqlite-writer.js`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3', 'msgpackr'],
  logLevel: 'warning',
});
// scheme/definitions.ts loads its JSON beside itself at run time: put a copy where the bundle looks.
mkdirSync(`${dist}generated`, { recursive: true });
copyFileSync(`${dist}scheme/generated/definitions.json`, `${dist}generated/definitions.json`);

// The generated schema facts, loaded once per process. Regenerate with
// `npx tsc -p . && node dist/scripts/generate-definitions.js`.

import { createRequire } from 'node:module';
import type { Definitions } from './schema.js';

const require = createRequire(import.meta.url);

export const definitions: Definitions = require('./generated/definitions.json') as Definitions;

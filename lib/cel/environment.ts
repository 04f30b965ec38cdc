// Kubernetes' CEL environment (k8s.io/apiserver/pkg/cel/environment, base.go at
// 1.33) on @marcbachmann/cel-js: CEL's standard macros and functions,
// homogeneous aggregate literals, optional types, cel.bind, and kube's
// libraries: strings v2, lists, sets, regex, URLs, quantity, IP and CIDR,
// format, semver and authz. Each user of CEL clones this base and declares its
// own variables and types on the clone.

import { Environment } from '@marcbachmann/cel-js';
import type { CelEnvironment } from './library/types.js';
import { registerStrings } from './library/strings.js';
import { registerLists } from './library/lists.js';
import { registerRegex } from './library/regex.js';
import { registerURL } from './library/url.js';
import { registerQuantity } from './library/quantity.js';
import { registerIP } from './library/ip.js';
import { registerFormat } from './library/format.js';
import { registerSemver } from './library/semver.js';
import { registerAuthz } from './library/authz.js';

export type { CelEnvironment } from './library/types.js';

let base: CelEnvironment | undefined;

function buildBase(): CelEnvironment {
  const env = new Environment({ enableOptionalTypes: true, homogeneousAggregateLiterals: true });
  registerStrings(env);
  registerLists(env);
  registerRegex(env);
  registerURL(env);
  registerQuantity(env);
  registerIP(env);
  registerFormat(env);
  registerSemver(env);
  registerAuthz(env);
  return env;
}

/** A fresh environment with kube's libraries, ready for variables and types. */
export function kubeEnvironment(): CelEnvironment {
  base ??= buildBase();
  return base.clone();
}

// kube's format library (k8s.io/apiserver/pkg/cel/library/format.go, 1.31+):
// format.dns1123Label().validate(s) is optional.none() for a valid string, or
// optional.of(the list of kube's messages); format.named("name") finds a format.

import { Optional } from '@marcbachmann/cel-js';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from '../../../scheme/validate.js';
import type { CelEnvironment } from './types.js';

export class NamedFormat {
  constructor(readonly name: string, readonly check: (s: string) => string[]) {}
}

/** kube's name-prefix validators: a prefix may end in '-', so the check adds a character first. */
const asPrefix = (check: (s: string) => string[]) => (s: string) => check(s.endsWith('-') ? `${s}a` : s);
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

const FORMATS: readonly NamedFormat[] = [
  new NamedFormat('dns1123Label', isDNS1123Label),
  new NamedFormat('dns1123Subdomain', isDNS1123Subdomain),
  new NamedFormat('dns1035Label', isDNS1035Label),
  new NamedFormat('qualifiedName', isQualifiedName),
  new NamedFormat('dns1123LabelPrefix', asPrefix(isDNS1123Label)),
  new NamedFormat('dns1123SubdomainPrefix', asPrefix(isDNS1123Subdomain)),
  new NamedFormat('dns1035LabelPrefix', asPrefix(isDNS1035Label)),
  new NamedFormat('labelValue', isValidLabelValue),
  new NamedFormat('uri', (s) => (/^[a-zA-Z][a-zA-Z0-9+.-]*:\S*$|^\/\S*$/.test(s) ? [] : ['invalid URI'])),
  new NamedFormat('uuid', (s) => (UUID.test(s) ? [] : ['does not match the UUID format'])),
  new NamedFormat('byte', (s) => (/^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0 ? [] : ['invalid base64'])),
  new NamedFormat('date', (s) => (/^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s)) ? [] : ['invalid date'])),
  new NamedFormat('datetime', (s) => (/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)) ? [] : ['invalid datetime'])),
];

class FormatNamespace {}

export function registerFormat(env: CelEnvironment): void {
  const F = 'kubernetes.NamedFormat';
  env.registerType(F, NamedFormat).registerType('kubernetes.format', FormatNamespace).registerConstant('format', 'kubernetes.format', new FormatNamespace());
  for (const f of FORMATS) env.registerFunction(`kubernetes.format.${f.name}(): ${F}`, () => f);
  env
    .registerFunction(`kubernetes.format.named(string): optional<${F}>`, (_ns: unknown, name: string) => {
      const f = FORMATS.find((x) => x.name === name);
      return f ? Optional.of(f) : Optional.none();
    })
    .registerFunction(`${F}.validate(string): optional<list<string>>`, (f: NamedFormat, s: string) => {
      const errors = f.check(s);
      return errors.length === 0 ? Optional.none() : Optional.of(errors);
    });
}

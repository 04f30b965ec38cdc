// kube's URLs library (k8s.io/apiserver/pkg/cel/library/urls.go): url() of an
// absolute URI or an absolute path, isURL, and getScheme, getHost, getHostname,
// getPort, getEscapedPath, getQuery.

import { CelRuntimeError, type CelEnvironment } from './types.js';

export class KubeURL {
  constructor(readonly scheme: string, readonly host: string, readonly hostname: string, readonly port: string, readonly path: string, readonly query: string) {}
}

/** Go's url.ParseRequestURI: an absolute URI, or a path starting with '/'. */
export function parseURL(s: string): KubeURL | string {
  const error = `URL parse error during conversion from string: parse ${JSON.stringify(s)}: invalid URI for request`;
  if (s.startsWith('/')) {
    const q = s.indexOf('?');
    return new KubeURL('', '', '', '', q < 0 ? s : s.slice(0, q), q < 0 ? '' : s.slice(q + 1));
  }
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):(\/\/([^/?#]*))?([^?#]*)(\?([^#]*))?/.exec(s);
  if (!m || /\s/.test(s)) return error;
  const authority = (m[3] ?? '').replace(/^[^@]*@/, '');
  const bracketed = /^\[([^\]]*)\](?::(\d*))?$/.exec(authority);
  const plain = /^([^:]*)(?::(\d*))?$/.exec(authority);
  const hostname = bracketed ? (bracketed[1] as string) : (plain?.[1] ?? '');
  const port = bracketed ? (bracketed[2] ?? '') : (plain?.[2] ?? '');
  return new KubeURL((m[1] as string).toLowerCase(), authority, hostname, port, m[4] ?? '', m[6] ?? '');
}

function queryOf(u: KubeURL): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [k, v] of new URLSearchParams(u.query)) out.set(k, [...(out.get(k) ?? []), v]);
  return out;
}

export function registerURL(env: CelEnvironment): void {
  const U = 'kubernetes.URL';
  env
    .registerType(U, KubeURL)
    .registerFunction(`url(string): ${U}`, (s: string) => {
      const u = parseURL(s);
      if (typeof u === 'string') throw new CelRuntimeError(u);
      return u;
    })
    .registerFunction('isURL(string): bool', (s: string) => typeof parseURL(s) !== 'string')
    .registerFunction(`${U}.getScheme(): string`, (u: KubeURL) => u.scheme)
    .registerFunction(`${U}.getHost(): string`, (u: KubeURL) => u.host)
    .registerFunction(`${U}.getHostname(): string`, (u: KubeURL) => u.hostname)
    .registerFunction(`${U}.getPort(): string`, (u: KubeURL) => u.port)
    .registerFunction(`${U}.getEscapedPath(): string`, (u: KubeURL) => u.path)
    .registerFunction(`${U}.getQuery(): map<string, list<string>>`, queryOf);
}

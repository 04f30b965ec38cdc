// kube's request header authenticator (the front proxy): a request whose
// client certificate a CA of --requestheader-client-ca-file signed, with a CN
// among --requestheader-allowed-names (any, when none are given), is the user
// its headers name: the first of --requestheader-username-headers, every
// value of --requestheader-group-headers, the first of
// --requestheader-uid-headers, and each --requestheader-extra-headers-prefix
// header as an extra (its key unescaped and lower case). Without such a
// certificate the headers are not looked at: the request falls through to the
// other authenticators. A proxy certificate with a CN not allowed is refused.

import type { UserInfo } from '../../protocol/kube/meta.js';
import type { ApiRequest } from '../../protocol/messages/request.js';
import { ClientCertificateAuthenticator } from './x509.js';

export interface RequestHeaderOptions {
  caPem: string;
  allowedNames: readonly string[];
  usernameHeaders: readonly string[];
  groupHeaders: readonly string[];
  uidHeaders: readonly string[];
  extraHeaderPrefixes: readonly string[];
}

const lower = (names: readonly string[]): string[] => names.map((n) => n.toLowerCase());

export class RequestHeaderAuthenticator {
  private readonly proxy: ClientCertificateAuthenticator;
  private readonly usernames: string[];
  private readonly groups: string[];
  private readonly uids: string[];
  private readonly extras: string[];

  constructor(private readonly options: RequestHeaderOptions) {
    this.proxy = new ClientCertificateAuthenticator(options.caPem);
    this.usernames = lower(options.usernameHeaders);
    this.groups = lower(options.groupHeaders);
    this.uids = lower(options.uidHeaders);
    this.extras = lower(options.extraHeaderPrefixes);
  }

  get caPem(): string {
    return this.options.caPem;
  }

  /** The headers the listener must keep for this authenticator, lower case. */
  keptHeaders(): { names: Set<string>; prefixes: string[] } {
    return { names: new Set([...this.usernames, ...this.groups, ...this.uids]), prefixes: this.extras };
  }

  authenticateRequest(request: Pick<ApiRequest, 'headers' | 'clientCertificate'>, now: number): { user: UserInfo } | 'refused' | undefined {
    if (!request.clientCertificate) return undefined;
    const proxy = this.proxy.userOf(request.clientCertificate, now);
    if (!proxy) return undefined;
    if (this.options.allowedNames.length > 0 && !this.options.allowedNames.includes(proxy.username)) return 'refused';
    const headers = request.headers;
    const username = this.usernames.map((h) => headers[h]).find((v) => v !== undefined && v !== '');
    if (username === undefined) return undefined;
    const user: UserInfo = { username, groups: this.groups.flatMap((h) => headers[h]?.split(',').map((g) => g.trim()).filter(Boolean) ?? []) };
    const uid = this.uids.map((h) => headers[h]).find((v) => v !== undefined && v !== '');
    if (uid !== undefined) user.uid = uid;
    for (const name in headers) {
      const prefix = this.extras.find((p) => name.startsWith(p));
      if (!prefix) continue;
      let key = name.slice(prefix.length);
      try {
        key = decodeURIComponent(key).toLowerCase();
      } catch {
        // kept as sent
      }
      (user.extra ??= {})[key] = headers[name]!.split(',').map((v) => v.trim());
    }
    return { user };
  }
}

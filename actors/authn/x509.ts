// kube's x509 client-certificate authentication (--client-ca-file): a
// certificate signed by one of the CA bundle's certificates, valid now, and
// allowed for client authentication is the user named by its subject's CN,
// in the groups its O entries name. Any other certificate is no user: the
// request falls through to the other authenticators, and to 401.

import { X509Certificate } from 'node:crypto';
import type { UserInfo } from '../../protocol/kube/meta.js';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';

/** Every certificate of a PEM bundle; throws with one line when it holds none or one is malformed. */
export function parseCaBundle(pem: string): X509Certificate[] {
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw new Error('no PEM certificate found');
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (e) {
      throw new Error(`certificate ${i + 1}: ${(e as Error).message}`);
    }
  });
}

/** The subject's attributes as node prints them, one `KEY=value` a line. */
function subjectOf(certificate: X509Certificate): { commonName: string; organizations: string[] } {
  let commonName = '';
  const organizations: string[] = [];
  for (const line of certificate.subject.split('\n')) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === 'CN') commonName = value;
    else if (key === 'O') organizations.push(value);
  }
  return { commonName, organizations };
}

interface Verified {
  user: UserInfo;
  notBefore: number;
  notAfter: number;
}

export class ClientCertificateAuthenticator {
  private readonly roots: X509Certificate[];
  /** The transport hands the same bytes for every request of a connection: verified once. */
  private readonly verified = new WeakMap<Uint8Array, Verified | null>();

  constructor(caPem: string) {
    this.roots = parseCaBundle(caPem);
  }

  /** authn's request authenticator: no certificate is no answer; one the CA does not vouch for is refused. */
  authenticateRequest(request: { clientCertificate?: Uint8Array | undefined }, now: number): { user: UserInfo } | 'refused' | undefined {
    if (!request.clientCertificate) return undefined;
    const user = this.userOf(request.clientCertificate, now);
    return user ? { user } : 'refused';
  }

  /** The user a client certificate (DER) names, or undefined when it is not one this CA vouches for now. */
  userOf(der: Uint8Array, now: number): UserInfo | undefined {
    let verified = this.verified.get(der);
    if (verified === undefined) {
      verified = this.verify(der);
      this.verified.set(der, verified);
    }
    if (!verified || now < verified.notBefore || now > verified.notAfter) return undefined;
    return { username: verified.user.username, groups: [...verified.user.groups] };
  }

  private verify(der: Uint8Array): Verified | null {
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(der);
    } catch {
      return null;
    }
    const signed = this.roots.some((root) => certificate.checkIssued(root) && certificate.verify(root.publicKey));
    if (!signed) return null;
    const usages = certificate.keyUsage;
    if (usages && usages.length > 0 && !usages.includes(CLIENT_AUTH) && !usages.includes(ANY_EXTENDED_KEY_USAGE)) return null;
    const { commonName, organizations } = subjectOf(certificate);
    // kube's CommonNameUserConversion: a certificate without a CN names no one.
    if (commonName === '') return null;
    const groups = [...organizations];
    if (!groups.includes('system:authenticated')) groups.push('system:authenticated');
    return { user: { username: commonName, groups }, notBefore: Date.parse(certificate.validFrom), notAfter: Date.parse(certificate.validTo) };
  }
}

// kube's certificates.IsAuthorizedForSignerName, shared by CertificateApproval
// and CertificateSigning: a user may `verb` a signer if allowed on the
// `signers` resource of certificates.k8s.io by its name, or by the wildcard of
// its domain (`example.com/*`).

import type { UserInfo } from '../../protocol/kube/meta.js';
import type { PluginContext } from './plugin.js';

export async function authorizedForSigner(authorize: PluginContext['authorize'], user: UserInfo, verb: string, signerName: string): Promise<boolean> {
  const ask = (name: string): Promise<boolean> => authorize(user, { verb, group: 'certificates.k8s.io', resource: 'signers', name });
  if (await ask(signerName)) return true;
  const slash = signerName.indexOf('/');
  return slash > 0 && ask(`${signerName.slice(0, slash)}/*`);
}

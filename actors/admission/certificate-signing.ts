// kube's CertificateSigning admission plugin (plugin/pkg/admission/certificates/signing):
// issuing a certificate (changing status.certificate through a
// CertificateSigningRequest's /status) needs the `sign` verb on the request's
// signer. Validating, kube's message.

import { forbidden } from '../../protocol/kube/status.js';
import type { KubeObject } from '../../protocol/kube/meta.js';
import { ALLOW, type PluginRegistration } from './plugin.js';
import { authorizedForSigner } from './certificate-signers.js';

const certificateOf = (csr: KubeObject | undefined): string => (csr?.status as { certificate?: string } | undefined)?.certificate ?? '';

export const CERTIFICATE_SIGNING: PluginRegistration = {
  name: 'CertificateSigning',
  defaultOn: true,
  create({ authorize }) {
    return {
      name: 'CertificateSigning',
      wantsObject: (a) => a.operation === 'UPDATE' && a.subresource === 'status' && a.resource.group === 'certificates.k8s.io' && a.resource.resource === 'certificatesigningrequests',
      async validate(a, csr, old) {
        if (certificateOf(csr) === certificateOf(old)) return ALLOW;
        const signerName = (csr?.spec as { signerName?: string } | undefined)?.signerName ?? '';
        if (await authorizedForSigner(authorize, a.userInfo, 'sign', signerName)) return ALLOW;
        return { allowed: false, status: forbidden({ group: 'certificates.k8s.io', resource: 'certificatesigningrequests' }, a.name, `user not permitted to sign requests with signerName ${JSON.stringify(signerName)}`) };
      },
    };
  },
};

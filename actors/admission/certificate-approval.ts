// kube's CertificateApproval admission plugin (plugin/pkg/admission/certificates/approval):
// approving or denying a CertificateSigningRequest (its /approval subresource)
// needs the `approve` verb on the request's signer (certificates.k8s.io
// `signers`, by name or by `<domain>/*`). Validating, kube's message.

import { forbidden } from '../../protocol/kube/status.js';
import { ALLOW, type PluginRegistration } from './plugin.js';
import { authorizedForSigner } from './certificate-signers.js';

export const CERTIFICATE_APPROVAL: PluginRegistration = {
  name: 'CertificateApproval',
  defaultOn: true,
  create({ authorize }) {
    return {
      name: 'CertificateApproval',
      wantsObject: (a) => a.operation === 'UPDATE' && a.subresource === 'approval' && a.resource.group === 'certificates.k8s.io' && a.resource.resource === 'certificatesigningrequests',
      async validate(a, csr) {
        const signerName = (csr?.spec as { signerName?: string } | undefined)?.signerName ?? '';
        if (await authorizedForSigner(authorize, a.userInfo, 'approve', signerName)) return ALLOW;
        return { allowed: false, status: forbidden({ group: 'certificates.k8s.io', resource: 'certificatesigningrequests' }, a.name, `user not permitted to approve requests with signerName ${JSON.stringify(signerName)}`) };
      },
    };
  },
};

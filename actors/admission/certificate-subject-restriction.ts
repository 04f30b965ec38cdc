// kube's CertificateSubjectRestriction admission plugin (plugin/pkg/admission/certificates/subjectrestriction):
// a CertificateSigningRequest for the kubernetes.io/kube-apiserver-client
// signer may not ask for the system:masters group (an Organization of its
// subject). Validating, on creation, kube's message. The request is read with
// @peculiar/x509, loaded the first time such a request comes (it is slow to load).

import { forbidden } from '../../protocol/kube/status.js';
import { loadX509 } from '../supervisor/pki.js';
import { ALLOW, type PluginRegistration } from './plugin.js';

const CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';
const MASTERS = 'system:masters';

/** The subject organizations of a PEM certificate request; none when it does not parse (validation words that error). */
async function organizationsOf(base64Pem: string): Promise<string[]> {
  const { Pkcs10CertificateRequest } = await loadX509();
  try {
    return new Pkcs10CertificateRequest(Buffer.from(base64Pem, 'base64').toString('utf8')).subjectName.getField('O');
  } catch {
    return [];
  }
}

export const CERTIFICATE_SUBJECT_RESTRICTION: PluginRegistration = {
  name: 'CertificateSubjectRestriction',
  defaultOn: true,
  create() {
    return {
      name: 'CertificateSubjectRestriction',
      wantsObject: (a) => a.operation === 'CREATE' && a.subresource === '' && a.resource.group === 'certificates.k8s.io' && a.resource.resource === 'certificatesigningrequests',
      async validate(a, csr) {
        const spec = (csr?.spec ?? {}) as { signerName?: string; request?: string };
        if (spec.signerName !== CLIENT_SIGNER || !spec.request || !(await organizationsOf(spec.request)).includes(MASTERS)) return ALLOW;
        return {
          allowed: false,
          status: forbidden({ group: 'certificates.k8s.io', resource: 'certificatesigningrequests' }, a.name, `use of ${CLIENT_SIGNER} signer with ${MASTERS} group is not allowed`),
        };
      },
    };
  },
};

// kube's OwnerReferencesPermissionEnforcement admission plugin (plugin/pkg/admission/gc,
// off by default). Validating, on creates and updates that change
// metadata.ownerReferences:
//   - an update may change them only if the user may `delete` the object;
//   - setting blockOwnerDeletion on a reference needs `update` on the owner's
//     `finalizers` subresource.
// Rights are asked of authz (a SubjectAccessReview); messages are kube's,
// with its authorizer's empty reason and nil error.

import type { KubeObject } from '../../protocol/kube/meta.js';
import { forbidden } from '../../protocol/kube/status.js';
import type { AdmissionAttributes } from '../../protocol/messages/admission.js';
import { ALLOW, type PluginRegistration, type PluginVerdict } from './plugin.js';

interface OwnerReference { apiVersion?: string; kind?: string; name?: string; uid?: string; blockOwnerDeletion?: boolean }

const refsOf = (o: KubeObject | undefined): OwnerReference[] => (o?.metadata.ownerReferences as OwnerReference[] | undefined) ?? [];

/** References that block their owner's deletion now and did not before (by uid). */
function newlyBlocking(object: KubeObject, old: KubeObject | undefined): OwnerReference[] {
  const blockingBefore = new Set(refsOf(old).filter((r) => r.blockOwnerDeletion).map((r) => r.uid));
  return refsOf(object).filter((r) => r.blockOwnerDeletion && !blockingBefore.has(r.uid));
}

const splitApiVersion = (apiVersion = ''): { group: string; version: string } => {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
};

export const OWNER_REFERENCES_PERMISSION_ENFORCEMENT: PluginRegistration = {
  name: 'OwnerReferencesPermissionEnforcement',
  defaultOn: false,
  create({ authorize, resourceFor }) {
    const refuse = (a: AdmissionAttributes, why: string): PluginVerdict => ({ allowed: false, status: forbidden({ group: a.resource.group, resource: a.resource.resource }, a.name, why) });
    return {
      name: 'OwnerReferencesPermissionEnforcement',
      // kube lets pods/status through unchecked.
      wantsObject: (a) => (a.operation === 'CREATE' || a.operation === 'UPDATE') && !(a.resource.group === '' && a.resource.resource === 'pods' && a.subresource === 'status'),
      async validate(a, object, old) {
        if (!object) return ALLOW;
        const changing = a.operation === 'CREATE' ? refsOf(object).length > 0 : JSON.stringify(refsOf(object)) !== JSON.stringify(refsOf(old));
        if (!changing) return ALLOW;
        if (a.operation !== 'CREATE') {
          const mayDelete = await authorize(a.userInfo, { verb: 'delete', group: a.resource.group, resource: a.resource.resource, subresource: a.subresource, name: a.name, namespace: a.namespace });
          if (!mayDelete) return refuse(a, "cannot set an ownerRef on a resource you can't delete: , <nil>");
        }
        for (const ref of newlyBlocking(object, old)) {
          const { group, version } = splitApiVersion(ref.apiVersion);
          const resource = resourceFor(group, version, ref.kind ?? '');
          if (!resource) {
            return refuse(a, `cannot set blockOwnerDeletion in this case because cannot find RESTMapping for APIVersion ${ref.apiVersion ?? ''} Kind ${ref.kind ?? ''}: no matches for kind "${ref.kind ?? ''}" in version "${ref.apiVersion ?? ''}"`);
          }
          const mayFinalize = await authorize(a.userInfo, { verb: 'update', group, resource, subresource: 'finalizers', name: ref.name ?? '', namespace: a.namespace });
          if (!mayFinalize) return refuse(a, "cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on: , <nil>");
        }
        return ALLOW;
      },
    };
  },
};

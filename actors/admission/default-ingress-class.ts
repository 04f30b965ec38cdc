// kube's DefaultIngressClass admission plugin (plugin/pkg/admission/network/defaultingressclass):
// an Ingress created with neither spec.ingressClassName nor the legacy
// kubernetes.io/ingress.class annotation gets the default IngressClass
// (annotated ingressclass.kubernetes.io/is-default-class), if there is one.
// Mutating, on ingress creation. Watches: ingressclasses.

import { ALLOW, type PluginRegistration } from './plugin.js';
import { ClusterClasses } from './cluster-classes.js';

const IS_DEFAULT = 'ingressclass.kubernetes.io/is-default-class';
const LEGACY_ANNOTATION = 'kubernetes.io/ingress.class';

export const DEFAULT_INGRESS_CLASS: PluginRegistration = {
  name: 'DefaultIngressClass',
  defaultOn: true,
  create() {
    const classes = new ClusterClasses();
    return {
      name: 'DefaultIngressClass',
      watches: [{ group: 'networking.k8s.io', plural: 'ingressclasses' }],
      observe: classes.observe,
      wantsObject: (a) => a.operation === 'CREATE' && a.resource.group === 'networking.k8s.io' && a.resource.resource === 'ingresses' && a.subresource === '',
      mutate(_a, ingress) {
        if (!ingress) return ALLOW;
        const spec = (ingress.spec ??= {}) as { ingressClassName?: string };
        if (spec.ingressClassName !== undefined || ingress.metadata.annotations?.[LEGACY_ANNOTATION] !== undefined) return ALLOW;
        const chosen = classes.defaultBy(IS_DEFAULT);
        if (chosen) spec.ingressClassName = chosen.metadata.name ?? '';
        return ALLOW;
      },
    };
  },
};

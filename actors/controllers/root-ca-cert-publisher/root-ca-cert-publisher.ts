// root-ca-certificate-publisher-controller (kube-controller-manager's
// `root-ca-cert-publisher`): every active namespace has a `kube-root-ca.crt`
// ConfigMap whose `ca.crt` is the cluster CA, restored if edited or deleted.
//
// Watches: namespaces; configmaps named `kube-root-ca.crt`. Key: a namespace's name.
// Reconcile: creates the ConfigMap, or updates it back to the CA (and kube's
//   description annotation), leaving other annotations and labels alone.
//   Servers sharing an etcd each have their own CA until they share a data
//   directory's: the ConfigMap records the digest of the bundle a publisher
//   wrote, and a bundle that still matches it is left alone, so the first
//   server's stands instead of the two rewriting it back and forth; an edit
//   by anyone else no longer matches, and is undone.
// Acts as: system:serviceaccount:kube-system:root-ca-cert-publisher.

import { createHash } from 'node:crypto';
import type { KubeObject } from '../../../protocol/kube/meta.js';
import { serviceAccountUser } from '../../../lib/loopback.js';
import { reconcilerMachine, terminateReconciler, type ReconcilerLogic } from '../reconciler.js';
import type { ControllerDescriptor } from '../controller.js';
import { expectStatus } from '../http-errors.js';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
const DESCRIPTION = 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

const PUBLISHED_ANNOTATION = 'kubeactor.dev/published-ca-sha256';
const digest = (pem: string): string => createHash('sha256').update(pem).digest('hex');

function upToDate(cm: KubeObject, caPem: string): boolean {
  const data = cm.data as Record<string, string> | undefined;
  const bundle = data?.['ca.crt'];
  if (!data || Object.keys(data).length !== 1 || bundle === undefined || cm.binaryData !== undefined) return false;
  const annotations = cm.metadata.annotations ?? {};
  if (annotations[DESCRIPTION_ANNOTATION] !== DESCRIPTION) return false;
  return bundle === caPem || annotations[PUBLISHED_ANNOTATION] === digest(bundle);
}

const publishedAnnotations = (caPem: string): Record<string, string> => ({ [DESCRIPTION_ANNOTATION]: DESCRIPTION, [PUBLISHED_ANNOTATION]: digest(caPem) });

const logic: ReconcilerLogic = {
  id: 'root-ca-certificate-publisher-controller',
  watches: [
    { plural: 'namespaces', group: '' },
    { plural: 'configmaps', group: '', keep: (o) => o.metadata.name === ROOT_CA_CONFIGMAP, filter: { names: [ROOT_CA_CONFIGMAP] } },
  ],
  workers: 1,
  keysOf: (resource, object, deleted) => (resource === 'namespaces' && deleted ? [] : [resource === 'namespaces' ? object.metadata.name ?? '' : object.metadata.namespace ?? '']),
  async reconcile(namespace, view, input) {
    const ns = view.get('namespaces', '', namespace);
    if (!ns || ns.metadata.deletionTimestamp) return;
    const current = view.get('configmaps', namespace, ROOT_CA_CONFIGMAP);
    if (current && upToDate(current, input.caPem)) return;
    const where = { apiGroup: '', namespace, resource: 'configmaps' };
    if (!current) {
      const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations: publishedAnnotations(input.caPem) }, data: { 'ca.crt': input.caPem } };
      expectStatus(`creating configmap ${namespace}/${ROOT_CA_CONFIGMAP}`, await input.client.request('create', where, { body: cm }), 201, 409, 403);
      return;
    }
    const { binaryData: _, ...rest } = current;
    const cm: KubeObject = { ...rest, metadata: { ...current.metadata, annotations: { ...current.metadata.annotations, ...publishedAnnotations(input.caPem) } }, data: { 'ca.crt': input.caPem } };
    // With its resourceVersion: a 409 means this view was behind, and the newer object comes with its own change.
    expectStatus(`updating configmap ${namespace}/${ROOT_CA_CONFIGMAP}`, await input.client.request('update', { ...where, name: ROOT_CA_CONFIGMAP }, { body: cm }), 200, 409, 404);
  },
};

export const rootCaCertPublisher: ControllerDescriptor = {
  name: 'root-ca-certificate-publisher-controller',
  aliases: ['root-ca-cert-publisher'],
  user: serviceAccountUser('root-ca-cert-publisher'),
  machine: reconcilerMachine(logic),
  terminate: terminateReconciler as (context: never) => void,
};

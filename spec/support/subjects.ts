// What the shared storage suite is run on: each backend, and on each a
// built-in kind (ConfigMap) and a custom resource of the same shape (a CRD's
// objects are kept by the same store, and must keep the same contract).
// A spec names its collection by `subject.path`, and runs on a simulated
// server through `subject.withSimulated`, which creates the CRD first.

import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { settle, type RunningServer, type StartOptions } from '../../harness/start-server.js';
import { withSimulated, type Simulated } from './simulated.js';
import { describeEachBackend, type Backend } from './backends.js';

export interface Subject {
  name: string;
  /** The namespaced collection in `default`. */
  path: string;
  apiVersion: string;
  kind: string;
  /** The resource as kube's messages name it: `configmaps`, `configmaps.<group>`. */
  resource: string;
  /** The group details.group carries (none for the core group). */
  group: string | undefined;
  /** The store actor's id, to kill it. */
  storeId: string;
  /** A simulated server for one spec, on which the subject is served. */
  withSimulated(options: Partial<StartOptions>, spec: (s: Simulated) => Promise<void>): Promise<void>;
}

const GROUP = 'suite.example.com';

/** A CRD whose objects look like ConfigMaps: metadata, and a data map of strings. */
const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `configmaps.${GROUP}` },
  spec: {
    group: GROUP,
    scope: 'Namespaced',
    names: { plural: 'configmaps', singular: 'configmap', kind: 'ConfigMap' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { data: { type: 'object', additionalProperties: { type: 'string' } } } } } }],
  },
};

async function serveCrd(server: RunningServer): Promise<void> {
  const created = await server.client.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', CRD);
  assert.equal(created.status, 201, created.body);
  await settle(async () => (await server.client.request('GET', `/apis/${GROUP}/v1/namespaces/default/configmaps`)).status === 200, 'the CRD to be served');
}

export const SUBJECTS: readonly Subject[] = [
  {
    name: 'ConfigMap', path: '/api/v1/namespaces/default/configmaps', apiVersion: 'v1', kind: 'ConfigMap', resource: 'configmaps', group: undefined, storeId: 'store/configmaps',
    withSimulated,
  },
  {
    name: 'a custom resource', path: `/apis/${GROUP}/v1/namespaces/default/configmaps`, apiVersion: `${GROUP}/v1`, kind: 'ConfigMap', resource: `configmaps.${GROUP}`, group: GROUP, storeId: `store/configmaps.${GROUP}`,
    withSimulated: (options, spec) => withSimulated(options, async (s) => {
      await serveCrd(s.server);
      await spec(s);
    }),
  },
];

/** `describeEachBackend`, and within each backend once per subject. */
export function describeEachSubject(title: string, body: (backend: Backend, subject: Subject) => void): void {
  describeEachBackend(title, (backend) => {
    for (const subject of SUBJECTS) describe(`on ${subject.name}`, () => body(backend, subject));
  });
}

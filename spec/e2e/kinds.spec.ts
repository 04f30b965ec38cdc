// Every non-workload kind, end to end with the real kubectl: one manifest per
// kind (spec/fixtures/kinds/), created, read back with its defaults, listed
// with kube's printer columns, and deleted. Then the commands that read the
// whole surface: get all, explain, auth whoami, auth can-i --list.

import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { suiteServer } from '../support/server.js';
import { kubectl, KUBECTL_VERSIONS, type Kubectl } from '../support/kubectl.js';

const FIXTURES = fileURLToPath(new URL('../../../spec/fixtures/kinds/', import.meta.url));

/** kube's printer columns (those shown without -o wide), by fixture. */
const HEADERS: Record<string, string> = {
  certificatesigningrequest: 'NAME AGE SIGNERNAME REQUESTOR REQUESTEDDURATION CONDITION',
  clusterrole: 'NAME CREATED AT',
  clusterrolebinding: 'NAME ROLE AGE',
  configmap: 'NAME DATA AGE',
  controllerrevision: 'NAME CONTROLLER REVISION AGE',
  csidriver: 'NAME ATTACHREQUIRED PODINFOONMOUNT STORAGECAPACITY TOKENREQUESTS REQUIRESREPUBLISH MODES AGE',
  csinode: 'NAME DRIVERS AGE',
  csistoragecapacity: 'NAME STORAGECLASSNAME CAPACITY',
  endpoints: 'NAME ENDPOINTS AGE',
  endpointslice: 'NAME ADDRESSTYPE PORTS ENDPOINTS AGE',
  event: 'LAST SEEN TYPE REASON OBJECT MESSAGE',
  'event.events.k8s.io': 'LAST SEEN TYPE REASON OBJECT MESSAGE',
  flowschema: 'NAME PRIORITYLEVEL MATCHINGPRECEDENCE DISTINGUISHERMETHOD AGE MISSINGPL',
  horizontalpodautoscaler: 'NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE',
  ingress: 'NAME CLASS HOSTS ADDRESS PORTS AGE',
  ingressclass: 'NAME CONTROLLER PARAMETERS AGE',
  ipaddress: 'NAME PARENTREF',
  lease: 'NAME HOLDER AGE',
  limitrange: 'NAME CREATED AT',
  mutatingwebhookconfiguration: 'NAME WEBHOOKS AGE',
  namespace: 'NAME STATUS AGE',
  networkpolicy: 'NAME POD-SELECTOR AGE',
  node: 'NAME STATUS ROLES AGE VERSION',
  persistentvolume: 'NAME CAPACITY ACCESS MODES RECLAIM POLICY STATUS CLAIM STORAGECLASS VOLUMEATTRIBUTESCLASS REASON AGE',
  persistentvolumeclaim: 'NAME STATUS VOLUME CAPACITY ACCESS MODES STORAGECLASS VOLUMEATTRIBUTESCLASS AGE',
  poddisruptionbudget: 'NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE',
  priorityclass: 'NAME VALUE GLOBAL-DEFAULT AGE PREEMPTIONPOLICY',
  prioritylevelconfiguration: 'NAME TYPE NOMINALCONCURRENCYSHARES QUEUES HANDSIZE QUEUELENGTHLIMIT AGE',
  resourcequota: 'NAME REQUEST LIMIT AGE',
  role: 'NAME CREATED AT',
  rolebinding: 'NAME ROLE AGE',
  runtimeclass: 'NAME HANDLER AGE',
  secret: 'NAME TYPE DATA AGE',
  serviceaccount: 'NAME SECRETS AGE',
  servicecidr: 'NAME CIDRS AGE',
  storageclass: 'NAME PROVISIONER RECLAIMPOLICY VOLUMEBINDINGMODE ALLOWVOLUMEEXPANSION AGE',
  validatingadmissionpolicy: 'NAME VALIDATIONS PARAMKIND AGE',
  validatingadmissionpolicybinding: 'NAME POLICYNAME PARAMREF AGE',
  validatingwebhookconfiguration: 'NAME WEBHOOKS AGE',
  volumeattachment: 'NAME ATTACHER PV NODE ATTACHED AGE',
};

/** Rows whose cells show kube's defaults or formatting (AGE left out). */
const ROWS: Record<string, RegExp> = {
  node: /^fixture\s+Ready\s+worker\s+\S+\s+v1\.33\.1$/,
  persistentvolume: /^fixture\s+1Gi\s+RWO\s+Retain\s+Pending\s+standard\s+<unset>\s+\S+$/,
  persistentvolumeclaim: /^fixture\s+Pending\s+<unset>\s+\S+$/,
  priorityclass: /^fixture\s+1000\s+false\s+\S+\s+PreemptLowerPriority$/,
  storageclass: /^fixture\s+example\.com\/csi\s+Delete\s+Immediate\s+false\s+\S+$/,
  csidriver: /^fixture\s+true\s+false\s+false\s+<unset>\s+false\s+Persistent\s+\S+$/,
  resourcequota: /^fixture\s+pods: 0\/10\s+limits\.cpu: 0\/2\s+\S+$/,
  horizontalpodautoscaler: /^fixture\s+Deployment\/web\s+cpu: <unknown>\/80%\s+1\s+5\s+0\s+\S+$/,
  ingress: /^fixture\s+fixture\s+example\.com\s+80\s+\S+$/,
  networkpolicy: /^fixture\s+app=web\s+\S+$/,
  lease: /^fixture\s+holder-1\s+\S+$/,
  certificatesigningrequest: /^fixture\s+\S+\s+example\.com\/signer\s+kubeactor-admin\s+<none>\s+Pending$/,
};

/** The workload kinds' fixtures, which spec/e2e/workloads.spec.ts drives with their defaults. */
const WORKLOADS = new Set(['cronjob', 'daemonset', 'deployment', 'job', 'pod', 'podtemplate', 'replicaset', 'replicationcontroller', 'service', 'statefulset']);

const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -'.yaml'.length)).filter((f) => !WORKLOADS.has(f)).sort();

describe('every non-workload kind with kubectl', () => {
  const suite = suiteServer();

  it('has a fixture and kube\'s columns for each', () => {
    assert.deepEqual(fixtures, Object.keys(HEADERS).sort());
  });

  for (const version of KUBECTL_VERSIONS) {
    describe(`kubectl ${version}`, () => {
      let k: Kubectl;
      before(() => {
        k = kubectl(version, suite.server.kubeconfigPath);
      });

      for (const fixture of fixtures) {
        it(`${fixture}: create, get, list with kube's columns, delete`, async () => {
          const file = `${FIXTURES}${fixture}.yaml`;
          assert.match(await k.ok(['create', '-f', file]), /created/);
          const object = JSON.parse(await k.ok(['get', '-f', file, '-o', 'json'])) as { metadata: { name: string; uid: string; creationTimestamp: string } };
          assert.match(object.metadata.name, /^fixture/);
          assert.ok(object.metadata.uid && object.metadata.creationTimestamp);
          const [header, row] = (await k.ok(['get', '-f', file])).trimEnd().split('\n');
          assert.equal(header!.trim().split(/\s{2,}/).join(' '), HEADERS[fixture]);
          if (ROWS[fixture]) assert.match(row!.trim(), ROWS[fixture]!);
          assert.match(await k.ok(['delete', '-f', file]), /deleted/);
          const gone = await k.run(['get', '-f', file]);
          assert.notEqual(gone.code, 0);
          assert.match(gone.stderr, /NotFound|not found/);
        });
      }

      it('get all lists what the all category holds', async () => {
        const deployment = '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"all-web"},"spec":{"replicas":1,"selector":{"matchLabels":{"app":"all-web"}},"template":{"metadata":{"labels":{"app":"all-web"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}}';
        await k.ok(['apply', '-f', '-'], { input: deployment });
        const all = await k.ok(['get', 'all']);
        assert.match(all, /^service\/kubernetes\s/m);
        assert.match(all, /^deployment\.apps\/all-web\s/m);
        await k.ok(['delete', 'deployment', 'all-web']);
      });

      it('explain reads a field of a kind from the OpenAPI v3 schema', async () => {
        const explained = await k.ok(['explain', 'deployment.spec.strategy']);
        assert.match(explained, /GROUP:\s+apps/);
        assert.match(explained, /FIELD:\s+strategy/);
        assert.match(explained, /rollingUpdate/);
        assert.match(await k.ok(['explain', 'leases.spec']), /holderIdentity/);
      });

      it('auth whoami and auth can-i --list answer for the admin', async () => {
        const whoami = await k.run(['auth', 'whoami']);
        if (Number(version.split('.')[1]) >= 28) assert.match(whoami.stdout, /kubeactor-admin/);
        // Before 1.28 kubectl asks only v1beta1 and v1alpha1, which kube-apiserver 1.33 no longer serves.
        else assert.match(whoami.stderr, /the selfsubjectreviews API is not enabled in the cluster/);
        const rules = await k.ok(['auth', 'can-i', '--list']);
        assert.match(rules, /^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]/m);
        assert.equal((await k.ok(['auth', 'can-i', 'create', 'deployments.apps'])).trim(), 'yes');
      });
    });
  }
});

// PodSecurity, end to end with kubectl: a namespace's labels choose the level
// each mode holds pods to, with kube-apiserver's refusals, warnings and
// invalid-label errors; an AdmissionConfiguration's PodSecurityConfiguration
// sets the defaults and the exemptions.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubectl, type Kubectl } from '../support/kubectl.js';
import { startTestServer, tempDir, type TestServer } from '../support/server.js';
import { call, credentialsOf, type Credentials } from '../support/http.js';
import { StartupError } from '../../harness/start-server.js';

const PRIVILEGED_POD = `
apiVersion: v1
kind: Pod
metadata: {name: root}
spec:
  containers:
  - name: c
    image: busybox
    securityContext: {privileged: true}
`;

const RESTRICTED_MESSAGE =
  'pods "root" is forbidden: violates PodSecurity "restricted:latest": privileged (container "c" must not set securityContext.privileged=true), '
  + 'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), '
  + 'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), '
  + 'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), '
  + 'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")';

const plainPod = (name: string, extra = ''): string => `
apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  containers:
  - name: c
    image: busybox${extra}
`;

describe('PodSecurity', () => {
  let server: TestServer;
  let k: Kubectl;
  let creds: Credentials;

  before(async () => {
    server = await startTestServer();
    k = kubectl('1.33', server.kubeconfigPath);
    creds = credentialsOf(server.kubeconfigPath);
  });
  after(async () => {
    await server.dispose();
  });

  it('a namespace labelled enforce=restricted refuses a privileged pod with kube\'s message', async () => {
    await k.ok(['create', 'ns', 'locked']);
    await k.ok(['label', 'ns', 'locked', 'pod-security.kubernetes.io/enforce=restricted']);
    const refused = await k.run(['apply', '-n', 'locked', '-f', '-'], { input: PRIVILEGED_POD });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, new RegExp(`Error from server \\(Forbidden\\).*${RESTRICTED_MESSAGE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const raw = await call(creds, 'POST', '/api/v1/namespaces/locked/pods', { body: JSON.stringify({ metadata: { name: 'root' }, spec: { containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true } }] } }) });
    assert.equal(raw.status, 403);
    assert.deepEqual(raw.json(), {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: RESTRICTED_MESSAGE, reason: 'Forbidden', details: { name: 'root', kind: 'pods' }, code: 403,
    });
    assert.match((await k.run(['get', 'pod', 'root', '-n', 'locked'])).stderr, /pods "root" not found/);
  });

  it('lets a pod that meets restricted in', async () => {
    const compliant = plainPod('tidy', `
    securityContext:
      allowPrivilegeEscalation: false
      runAsNonRoot: true
      capabilities: {drop: [ALL]}
      seccompProfile: {type: RuntimeDefault}`);
    const created = await k.run(['apply', '-n', 'locked', '-f', '-'], { input: compliant });
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stderr, '');
  });

  it('warn=baseline lets a privileged pod in with kube\'s warning', async () => {
    await k.ok(['create', 'ns', 'watched']);
    await k.ok(['label', 'ns', 'watched', 'pod-security.kubernetes.io/warn=baseline']);
    const created = await k.run(['apply', '-n', 'watched', '-f', '-'], { input: PRIVILEGED_POD });
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stderr, /Warning: would violate PodSecurity "baseline:latest": privileged \(container "c" must not set securityContext\.privileged=true\)/);
    assert.match(created.stdout, /pod\/root created/);
  });

  it('a versioned level uses that version\'s checks', async () => {
    await k.ok(['create', 'ns', 'older']);
    await k.ok(['label', 'ns', 'older', 'pod-security.kubernetes.io/warn=baseline', 'pod-security.kubernetes.io/warn-version=v1.30']);
    const pod = `${plainPod('engine')}\n    securityContext: {seLinuxOptions: {type: container_engine_t}}\n`;
    const created = await k.run(['apply', '-n', 'older', '-f', '-'], { input: pod });
    assert.equal(created.code, 0, created.stderr);
    // container_engine_t is allowed from v1.31 on
    assert.match(created.stderr, /would violate PodSecurity "baseline:v1\.30": seLinuxOptions \(container "c" set forbidden securityContext\.seLinuxOptions: type "container_engine_t"\)/);
  });

  it('workloads with pod templates are warned, never refused, under enforce', async () => {
    const deployment = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      hostNetwork: true
      containers: [{name: web, image: nginx}]
`;
    const created = await k.run(['apply', '-n', 'locked', '-f', '-'], { input: deployment });
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stderr, /Warning: would violate PodSecurity "restricted:latest": host namespaces \(hostNetwork=true\), allowPrivilegeEscalation != false/);
    const cron = await k.run(['create', 'cronjob', 'tick', '-n', 'locked', '--image=busybox', '--schedule=* * * * *']);
    assert.equal(cron.code, 0, cron.stderr);
    assert.match(cron.stderr, /Warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false \(container "tick" must set securityContext\.allowPrivilegeEscalation=false\)/);
  });

  it('refuses a label value that is not a level or a version, as kube does', async () => {
    const bad = await k.run(['label', 'ns', 'watched', 'pod-security.kubernetes.io/enforce=strict']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /The Namespace "watched" is invalid: metadata\.labels\[pod-security\.kubernetes\.io\/enforce\]: Invalid value: "strict": must be one of privileged, baseline, restricted/);
    const created = await call(creds, 'POST', '/api/v1/namespaces', { body: JSON.stringify({ metadata: { name: 'typo', labels: { 'pod-security.kubernetes.io/audit-version': '1.30' } } }) });
    assert.equal(created.status, 422);
    assert.deepEqual(created.json().details.causes, [{ reason: 'FieldValueInvalid', field: 'metadata.labels[pod-security.kubernetes.io/audit-version]', message: 'Invalid value: "1.30": must be "latest" or "v1.x"' }]);
  });

  it('tightening a namespace\'s enforce level warns about the pods already there', async () => {
    await k.ok(['create', 'ns', 'crowded']);
    await k.ok(['apply', '-n', 'crowded', '-f', '-'], { input: PRIVILEGED_POD });
    await k.ok(['apply', '-n', 'crowded', '-f', '-'], { input: plainPod('plain') });
    const labelled = await k.run(['label', 'ns', 'crowded', 'pod-security.kubernetes.io/enforce=baseline']);
    assert.equal(labelled.code, 0, labelled.stderr);
    assert.match(labelled.stderr, /Warning: existing pods in namespace "crowded" violate the new PodSecurity enforce level "baseline:latest"\n/);
    assert.match(labelled.stderr, /Warning: root: privileged\n/);
    const restricted = await k.run(['label', '--overwrite', 'ns', 'crowded', 'pod-security.kubernetes.io/enforce=restricted']);
    assert.match(restricted.stderr, /Warning: plain: allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile\n/);
    assert.match(restricted.stderr, /Warning: root: privileged, allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile\n/);
    // relaxing it says nothing
    const relaxed = await k.run(['label', '--overwrite', 'ns', 'crowded', 'pod-security.kubernetes.io/enforce=baseline']);
    assert.equal(relaxed.stderr, '');
  });
});

describe('PodSecurity configured by an AdmissionConfiguration', () => {
  let server: TestServer;
  let k: Kubectl;
  const dir = tempDir('podsecurity-config');

  before(async () => {
    const file = join(dir, 'admission.yaml');
    writeFileSync(file, `
apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: PodSecurity
  configuration:
    apiVersion: pod-security.admission.config.k8s.io/v1
    kind: PodSecurityConfiguration
    defaults:
      enforce: baseline
    exemptions:
      namespaces: [sandbox]
      runtimeClasses: [kata]
`);
    server = await startTestServer({ admissionControlConfigFile: file });
    k = kubectl('1.33', server.kubeconfigPath);
  });
  after(async () => {
    await server.dispose();
  });

  it('a namespace without labels gets the default level', async () => {
    await k.ok(['create', 'ns', 'unlabelled']);
    const refused = await k.run(['apply', '-n', 'unlabelled', '-f', '-'], { input: PRIVILEGED_POD });
    assert.match(refused.stderr, /pods "root" is forbidden: violates PodSecurity "baseline:latest": privileged \(container "c" must not set securityContext\.privileged=true\)/);
  });

  it('an exempt namespace lets anything in, and says its labels will be ignored', async () => {
    const created = await k.run(['create', 'ns', 'sandbox']);
    assert.equal(created.stderr, '');
    const labelled = await k.run(['label', 'ns', 'sandbox', 'pod-security.kubernetes.io/enforce=restricted']);
    assert.match(labelled.stderr, /Warning: namespace "sandbox" is exempt from Pod Security, and the policy \(enforce=restricted:latest\) will be ignored/);
    const pod = await k.run(['apply', '-n', 'sandbox', '-f', '-'], { input: PRIVILEGED_POD });
    assert.equal(pod.code, 0, pod.stderr);
  });

  it('a pod of an exempt runtime class is let in', async () => {
    // RuntimeClass admission wants the class to exist
    await k.ok(['apply', '-f', '-'], { input: 'apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata: {name: kata}\nhandler: kata\n' });
    const pod = `${PRIVILEGED_POD.replace('metadata: {name: root}', 'metadata: {name: vm}')}  runtimeClassName: kata\n`;
    const created = await k.run(['apply', '-n', 'unlabelled', '-f', '-'], { input: pod });
    assert.equal(created.code, 0, created.stderr);
  });

  it('a PodSecurityConfiguration kube would refuse stops the server before it starts, with kube\'s message', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, [
      'apiVersion: apiserver.config.k8s.io/v1', 'kind: AdmissionConfiguration', 'plugins:', '- name: PodSecurity', '  configuration:',
      '    apiVersion: pod-security.admission.config.k8s.io/v1', '    kind: PodSecurityConfiguration', '    defaults: {enforce: strict}', '',
    ].join('\n'));
    const failed = await startTestServer({ admissionControlConfigFile: file }).then(async (s) => {
      await s.dispose();
      return undefined;
    }, (e: unknown) => e);
    assert.ok(failed instanceof StartupError);
    assert.deepEqual(failed.outcome.optionErrors, ['couldn\'t init admission plugin "PodSecurity": PodSecurity invalid: defaults.enforce: Invalid value: "strict": must be one of privileged, baseline, restricted']);
  });
});

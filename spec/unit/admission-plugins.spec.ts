// The admission chain's parts on their own: kube's plugin flags and
// AdmissionConfiguration, the actor's phases (order, refusals, a plugin that
// never answers), and each built-in plugin driven directly with the objects
// kube would hand it.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webcrypto } from 'node:crypto';
import { createActor } from 'xstate';
import { loadX509 } from '../../actors/supervisor/pki.js';
import type { KubeObject, UserInfo } from '../../protocol/kube/meta.js';
import type { AdmissionAttributes, AdmissionReviewed } from '../../protocol/messages/admission.js';
import { admissionFlagErrors, enabledPlugins, PLUGINS } from '../../actors/admission/plugins.js';
import { readAdmissionConfiguration } from '../../actors/admission/configuration.js';
import { admissionMachine } from '../../actors/admission/admission-machine.js';
import { ALLOW, type AdmissionPlugin, type PluginContext, type PluginRegistration } from '../../actors/admission/plugin.js';
import { SimulatedClock } from '../../harness/simulated-clock.js';
import { silentLog } from '../../lib/log.js';

const USER: UserInfo = { username: 'alice', groups: ['system:authenticated'] };

function attributes(operation: AdmissionAttributes['operation'], group: string, resource: string, extra: Partial<AdmissionAttributes> = {}): AdmissionAttributes {
  return {
    operation, resource: { group, version: 'v1', resource }, subresource: '', kind: { group, version: 'v1', kind: '' },
    namespace: 'ns', name: 'it', userInfo: USER, dryRun: false, ...extra,
  };
}

function plugin(name: string, context: Partial<PluginContext> = {}): AdmissionPlugin {
  const registration = PLUGINS.find((p) => p.name === name);
  assert.ok(registration, `${name} is registered`);
  return registration.create({ config: undefined, authorize: () => Promise.resolve(false), resourceFor: () => undefined, clock: new SimulatedClock(), logger: silentLog(), watch: () => undefined, ...context });
}

const object = (kind: string, name: string, rest: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind, metadata: { name }, ...rest });

describe('admission flags', () => {
  it('runs kube\'s default-on plugins in kube\'s order, plus what --enable-admission-plugins adds, less what --disable-admission-plugins removes', () => {
    const names = (enable: string[], disable: string[]): string[] => enabledPlugins(enable, disable).map((p) => p.name);
    const defaults = names([], []);
    assert.ok(defaults.indexOf('NamespaceLifecycle') < defaults.indexOf('LimitRanger'));
    assert.ok(defaults.indexOf('LimitRanger') < defaults.indexOf('ServiceAccount'));
    assert.ok(defaults.indexOf('ServiceAccount') < defaults.indexOf('Priority'));
    assert.equal(defaults[defaults.length - 1], 'ResourceQuota');
    assert.ok(!defaults.includes('AlwaysPullImages'), 'AlwaysPullImages is off by default');
    const more = names(['AlwaysPullImages'], ['ServiceAccount']);
    assert.ok(more.includes('AlwaysPullImages'));
    assert.ok(!more.includes('ServiceAccount'));
    // The order in the flag does not matter.
    assert.deepEqual(names(['AlwaysPullImages', 'NamespaceLifecycle'], []), names(['NamespaceLifecycle', 'AlwaysPullImages'], []));
  });

  it('refuses unknown plugins and overlaps with kube\'s messages', () => {
    assert.deepEqual(admissionFlagErrors(['Nope'], ['Neither']), [
      'enable-admission-plugins plugin "Nope" is unknown',
      'disable-admission-plugins plugin "Neither" is unknown',
    ]);
    assert.deepEqual(admissionFlagErrors(['Priority', 'LimitRanger'], ['LimitRanger', 'Priority']), ['[LimitRanger Priority] in enable-admission-plugins and disable-admission-plugins overlapped']);
    assert.deepEqual(admissionFlagErrors(['AlwaysPullImages'], ['ServiceAccount']), []);
  });
});

describe('--admission-control-config-file', () => {
  it('reads each plugin\'s configuration, inline or from a path beside the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'admission-config-'));
    try {
      writeFileSync(join(dir, 'quota.yaml'), 'apiVersion: apiserver.config.k8s.io/v1\nkind: ResourceQuotaConfiguration\nlimitedResources:\n- resource: pods\n  matchContains: [cpu]\n');
      writeFileSync(join(dir, 'admission.yaml'), [
        'apiVersion: apiserver.config.k8s.io/v1', 'kind: AdmissionConfiguration', 'plugins:',
        '- name: ResourceQuota', '  path: quota.yaml',
        '- name: Other', '  configuration:', '    answer: 42',
      ].join('\n'));
      const configs = readAdmissionConfiguration(join(dir, 'admission.yaml'));
      assert.deepEqual(configs.get('Other'), { answer: 42 });
      assert.deepEqual((configs.get('ResourceQuota') as { limitedResources: unknown }).limitedResources, [{ resource: 'pods', matchContains: ['cpu'] }]);
      writeFileSync(join(dir, 'wrong.yaml'), 'apiVersion: v1\nkind: ConfigMap\n');
      assert.throws(() => readAdmissionConfiguration(join(dir, 'wrong.yaml')), /is not an AdmissionConfiguration of apiserver.config.k8s.io\/v1/);
      assert.throws(() => readAdmissionConfiguration(join(dir, 'missing.yaml')), /unable to read admission control configuration from ".*missing.yaml"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the admission actor', () => {
  function startActor(registrations: PluginRegistration[], clock = new SimulatedClock()) {
    const actor = createActor(admissionMachine, {
      input: { plugins: registrations, store: () => undefined, kindOf: () => undefined, clock, logger: silentLog() },
    });
    actor.start();
    const review = (phase: 'mutating' | 'validating', target: KubeObject, deadline?: number): Promise<AdmissionReviewed> => new Promise((resolve) => {
      actor.send({ type: 'admission.review', phase, id: 1, attributes: attributes('CREATE', '', 'configmaps'), object: target, ...(deadline !== undefined ? { deadline } : {}), replyTo: { send: resolve } });
    });
    return { actor, review, clock };
  }
  const registration = (name: string, made: Partial<AdmissionPlugin>): PluginRegistration => ({ name, defaultOn: false, create: () => ({ name, ...made }) });

  it('runs every plugin\'s mutating phase in order, collecting warnings, and stops at the first refusal', async () => {
    const seen: string[] = [];
    const { review } = startActor([
      registration('First', { mutate: (_a, o) => { seen.push('first'); o!.metadata.labels = { first: 'yes' }; return { allowed: true, warnings: ['one'] }; } }),
      registration('Second', { mutate: async (_a, o) => { seen.push(`second saw ${o!.metadata.labels?.first}`); return { allowed: true, warnings: ['two'] }; } }),
      registration('Judge', { validate: () => ({ allowed: false, status: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'no', reason: 'Forbidden', code: 403 } }) }),
    ]);
    const mutated = await review('mutating', object('ConfigMap', 'c'));
    assert.equal(mutated.allowed, true);
    assert.deepEqual(seen, ['first', 'second saw yes']);
    assert.deepEqual(mutated.warnings, ['one', 'two']);
    assert.deepEqual(mutated.allowed && mutated.object?.metadata.labels, { first: 'yes' });
    const judged = await review('validating', object('ConfigMap', 'c'));
    assert.equal(judged.allowed, false);
    assert.equal(!judged.allowed && judged.status.message, 'no');
  });

  it('answers 504 by the request\'s deadline when a plugin never does, and ignores it if it answers later', async () => {
    let release: (() => void) | undefined;
    const { review, clock } = startActor([registration('Hung', { mutate: () => new Promise((resolve) => (release = () => resolve(ALLOW))) })]);
    const answer = review('mutating', object('ConfigMap', 'c'), clock.now() + 60_000);
    clock.advance(59_999);
    let settled = false;
    void answer.then(() => (settled = true));
    await Promise.resolve();
    assert.equal(settled, false);
    clock.advance(1);
    const timedOut = await answer;
    assert.equal(timedOut.allowed, false);
    assert.equal(!timedOut.allowed && timedOut.status.code, 504);
    release!();
  });

  it('turns a plugin that throws into a 500 for that write, and goes on serving', async () => {
    const { review, actor } = startActor([registration('Broken', { validate: () => { throw new Error('boom'); } })]);
    const broken = await review('validating', object('ConfigMap', 'c'));
    assert.equal(!broken.allowed && broken.status.code, 500);
    assert.equal(actor.getSnapshot().value, 'Serving');
  });
});

describe('built-in plugins', () => {
  const pod = (spec: Record<string, unknown> = {}): KubeObject => object('Pod', 'p', { spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec } });

  it('DefaultTolerationSeconds: adds 300 s tolerations for not-ready and unreachable unless the pod tolerates them', () => {
    const p = plugin('DefaultTolerationSeconds');
    const created = pod();
    p.mutate!(attributes('CREATE', '', 'pods'), created, undefined);
    assert.deepEqual((created.spec as { tolerations: unknown }).tolerations, [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
    const tolerant = pod({ tolerations: [{ operator: 'Exists' }] });
    p.mutate!(attributes('CREATE', '', 'pods'), tolerant, undefined);
    assert.deepEqual((tolerant.spec as { tolerations: unknown }).tolerations, [{ operator: 'Exists' }]);
  });

  it('TaintNodesByCondition: a new node is tainted not-ready:NoSchedule', () => {
    const node = object('Node', 'n');
    plugin('TaintNodesByCondition').mutate!(attributes('CREATE', '', 'nodes'), node, undefined);
    assert.deepEqual(node.spec, { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] });
  });

  it('DefaultStorageClass: a claim without a class gets the newest default class; "" stays without one', () => {
    const p = plugin('DefaultStorageClass');
    const klass = (name: string, at: string, isDefault: boolean): KubeObject => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name, creationTimestamp: at, annotations: isDefault ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : {} } });
    p.observe!({ group: 'storage.k8s.io', plural: 'storageclasses' }, { type: 'SYNC', objects: [klass('old', '2024-01-01T00:00:00Z', true), klass('new', '2025-01-01T00:00:00Z', true), klass('plain', '2026-01-01T00:00:00Z', false)] });
    const claim = object('PersistentVolumeClaim', 'c', { spec: {} });
    p.mutate!(attributes('CREATE', '', 'persistentvolumeclaims'), claim, undefined);
    assert.equal((claim.spec as { storageClassName?: string }).storageClassName, 'new');
    const none = object('PersistentVolumeClaim', 'c', { spec: { storageClassName: '' } });
    p.mutate!(attributes('CREATE', '', 'persistentvolumeclaims'), none, undefined);
    assert.equal((none.spec as { storageClassName?: string }).storageClassName, '');
  });

  it('DefaultIngressClass: an ingress naming no class gets the default one', () => {
    const p = plugin('DefaultIngressClass');
    p.observe!({ group: 'networking.k8s.io', plural: 'ingressclasses' }, { type: 'ADDED', object: { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } } });
    const ingress = object('Ingress', 'i', { spec: {} });
    p.mutate!(attributes('CREATE', 'networking.k8s.io', 'ingresses'), ingress, undefined);
    assert.equal((ingress.spec as { ingressClassName?: string }).ingressClassName, 'nginx');
  });

  it('PersistentVolumeClaimResize: more storage only where the class allows expansion', () => {
    const p = plugin('PersistentVolumeClaimResize');
    p.observe!({ group: 'storage.k8s.io', plural: 'storageclasses' }, { type: 'SYNC', objects: [
      { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'grows' }, allowVolumeExpansion: true } as KubeObject,
      { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fixed' } },
    ] });
    const claim = (className: string, storage: string): KubeObject => object('PersistentVolumeClaim', 'c', { spec: { storageClassName: className, resources: { requests: { storage } } } });
    const update = attributes('UPDATE', '', 'persistentvolumeclaims', { name: 'c' });
    assert.equal((p.validate!(update, claim('grows', '2Gi'), claim('grows', '1Gi')) as { allowed: boolean }).allowed, true);
    const refused = p.validate!(update, claim('fixed', '2Gi'), claim('fixed', '1Gi')) as { allowed: false; status: { message: string } };
    assert.equal(refused.status.message, 'persistentvolumeclaims "c" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');
  });

  it('RuntimeClass: overhead, node selector and tolerations from the class; a missing class refused', () => {
    const p = plugin('RuntimeClass');
    p.observe!({ group: 'node.k8s.io', plural: 'runtimeclasses' }, { type: 'ADDED', object: {
      apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'gvisor' }, handler: 'runsc',
      overhead: { podFixed: { cpu: '250m' } }, scheduling: { nodeSelector: { sandbox: 'yes' }, tolerations: [{ key: 'sandbox', operator: 'Exists' }] },
    } as KubeObject });
    const create = attributes('CREATE', '', 'pods', { name: 'p' });
    const sandboxed = pod({ runtimeClassName: 'gvisor' });
    assert.equal((p.mutate!(create, sandboxed, undefined) as { allowed: boolean }).allowed, true);
    assert.deepEqual(sandboxed.spec, { containers: [{ name: 'app', image: 'nginx' }], runtimeClassName: 'gvisor', overhead: { cpu: '250m' }, nodeSelector: { sandbox: 'yes' }, tolerations: [{ key: 'sandbox', operator: 'Exists' }] });
    assert.equal((p.validate!(create, sandboxed, undefined) as { allowed: boolean }).allowed, true);
    const missing = p.mutate!(create, pod({ runtimeClassName: 'kata' }), undefined) as { allowed: false; status: { message: string } };
    assert.equal(missing.status.message, 'pods "p" is forbidden: pod rejected: RuntimeClass "kata" not found');
  });

  it('AlwaysPullImages: sets Always, and refuses any other policy', () => {
    const p = plugin('AlwaysPullImages');
    const created = pod();
    p.mutate!(attributes('CREATE', '', 'pods'), created, undefined);
    assert.equal((created.spec as { containers: { imagePullPolicy: string }[] }).containers[0]!.imagePullPolicy, 'Always');
    const refused = p.validate!(attributes('UPDATE', '', 'pods', { name: 'p' }), pod({ containers: [{ name: 'app', image: 'nginx', imagePullPolicy: 'IfNotPresent' }] }), undefined) as { allowed: false; status: { message: string } };
    assert.equal(refused.status.message, 'pods "p" is forbidden: spec.containers[0].imagePullPolicy: Unsupported value: "IfNotPresent": supported values: "Always"');
  });

  it('CertificateApproval and CertificateSigning: the signer\'s approve and sign verbs, by name or domain wildcard', async () => {
    const asked: string[] = [];
    const authorize: PluginContext['authorize'] = (user, a) => {
      asked.push(`${user.username} ${a.verb} ${a.resource}/${a.name}`);
      return Promise.resolve(a.name === 'example.com/*');
    };
    const csr = (signerName: string, certificate?: string): KubeObject => object('CertificateSigningRequest', 'r', { spec: { signerName }, ...(certificate ? { status: { certificate } } : {}) });
    const approval = plugin('CertificateApproval', { authorize });
    const approve = attributes('UPDATE', 'certificates.k8s.io', 'certificatesigningrequests', { subresource: 'approval', name: 'r' });
    assert.equal(((await approval.validate!(approve, csr('example.com/mine'), undefined)) as { allowed: boolean }).allowed, true);
    assert.deepEqual(asked, ['alice approve signers/example.com/mine', 'alice approve signers/example.com/*']);
    const refused = (await approval.validate!(approve, csr('other.io/theirs'), undefined)) as { allowed: false; status: { message: string } };
    assert.equal(refused.status.message, 'certificatesigningrequests.certificates.k8s.io "r" is forbidden: user not permitted to approve requests with signerName "other.io/theirs"');
    const signing = plugin('CertificateSigning', { authorize });
    const sign = attributes('UPDATE', 'certificates.k8s.io', 'certificatesigningrequests', { subresource: 'status', name: 'r' });
    const unsigned = (await signing.validate!(sign, csr('other.io/theirs', 'Y2VydA=='), csr('other.io/theirs'))) as { allowed: false; status: { message: string } };
    assert.equal(unsigned.status.message, 'certificatesigningrequests.certificates.k8s.io "r" is forbidden: user not permitted to sign requests with signerName "other.io/theirs"');
    // A status write that leaves the certificate as it was needs no right to sign.
    assert.equal(((await signing.validate!(sign, csr('other.io/theirs'), csr('other.io/theirs'))) as { allowed: boolean }).allowed, true);
  });

  it('OwnerReferencesPermissionEnforcement: changing owner references needs delete on the object; blockOwnerDeletion, update on the owner\'s finalizers', async () => {
    const allowed = new Set<string>();
    const p = plugin('OwnerReferencesPermissionEnforcement', {
      authorize: (_user, a) => Promise.resolve(allowed.has(`${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ''}`)),
      resourceFor: (group, _version, kind) => (group === 'apps' && kind === 'Deployment' ? 'deployments' : undefined),
    });
    const owned = (block: boolean, kind = 'Deployment'): KubeObject => object('ConfigMap', 'it', { metadata: { name: 'it', ownerReferences: [{ apiVersion: 'apps/v1', kind, name: 'web', uid: 'u1', ...(block ? { blockOwnerDeletion: true } : {}) }] } });
    const verdict = async (a: AdmissionAttributes, o: KubeObject, old?: KubeObject): Promise<string> => {
      const v = (await p.validate!(a, o, old)) as { allowed: boolean; status?: { message: string } };
      return v.allowed ? 'allowed' : v.status!.message;
    };
    const create = attributes('CREATE', '', 'configmaps');
    const update = attributes('UPDATE', '', 'configmaps');
    assert.equal(await verdict(create, owned(false)), 'allowed');
    assert.equal(await verdict(update, owned(false), object('ConfigMap', 'it')), 'configmaps "it" is forbidden: cannot set an ownerRef on a resource you can\'t delete: , <nil>');
    allowed.add('delete configmaps');
    assert.equal(await verdict(update, owned(false), object('ConfigMap', 'it')), 'allowed');
    assert.equal(await verdict(create, owned(true)), 'configmaps "it" is forbidden: cannot set blockOwnerDeletion if an ownerReference refers to a resource you can\'t set finalizers on: , <nil>');
    allowed.add('update deployments/finalizers');
    assert.equal(await verdict(create, owned(true)), 'allowed');
    assert.equal(await verdict(create, owned(true, 'Gadget')), 'configmaps "it" is forbidden: cannot set blockOwnerDeletion in this case because cannot find RESTMapping for APIVersion apps/v1 Kind Gadget: no matches for kind "Gadget" in version "apps/v1"');
  });

  it('CertificateSubjectRestriction: no system:masters through the kube-apiserver-client signer', async () => {
    const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const { Pkcs10CertificateRequestGenerator } = await loadX509();
    const request = async (subject: string): Promise<string> => Buffer.from((await Pkcs10CertificateRequestGenerator.create({ name: subject, keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } })).toString('pem')).toString('base64');
    const p = plugin('CertificateSubjectRestriction');
    const create = attributes('CREATE', 'certificates.k8s.io', 'certificatesigningrequests', { name: 'r' });
    const csr = async (subject: string, signerName = 'kubernetes.io/kube-apiserver-client'): Promise<KubeObject> => object('CertificateSigningRequest', 'r', { spec: { signerName, request: await request(subject) } });
    const masters = (await p.validate!(create, await csr('CN=root, O=system:masters'), undefined)) as { allowed: false; status: { message: string } };
    assert.equal(masters.status.message, 'certificatesigningrequests.certificates.k8s.io "r" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed');
    assert.equal(((await p.validate!(create, await csr('CN=dev, O=developers'), undefined)) as { allowed: boolean }).allowed, true);
    assert.equal(((await p.validate!(create, await csr('CN=root, O=system:masters', 'example.com/other'), undefined)) as { allowed: boolean }).allowed, true);
  });
});

describe('NodeRestriction', () => {
  const NODE: UserInfo = { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
  const as = (operation: AdmissionAttributes['operation'], group: string, resource: string, extra: Partial<AdmissionAttributes> = {}): AdmissionAttributes =>
    attributes(operation, group, resource, { userInfo: NODE, ...extra });
  const message = (verdict: ReturnType<NonNullable<AdmissionPlugin['admitRequest']>>): string => (verdict.allowed ? 'allowed' : verdict.status.message ?? '');
  const request = {} as Parameters<NonNullable<AdmissionPlugin['admitRequest']>>[0];

  it('leaves users that are not nodes alone, and refuses a node user it cannot name', () => {
    const p = plugin('NodeRestriction');
    assert.equal(p.wantsObject!(attributes('UPDATE', '', 'nodes')), false);
    assert.equal(message(p.admitRequest!(request, attributes('UPDATE', '', 'nodes', { name: 'n2' }))), 'allowed');
    const nameless = { username: 'system:node:', groups: ['system:nodes'] };
    assert.equal(message(p.admitRequest!(request, attributes('UPDATE', '', 'nodes', { name: 'n2', userInfo: nameless }))), 'nodes "n2" is forbidden: could not determine node from user "system:node:"');
  });

  it('keeps a node to its own lease in kube-node-lease, its own CSINode, and its claims\' status capacity and conditions', () => {
    const p = plugin('NodeRestriction');
    assert.equal(message(p.admitRequest!(request, as('UPDATE', 'coordination.k8s.io', 'leases', { namespace: 'default', name: 'n1' }))), 'leases.coordination.k8s.io "n1" is forbidden: can only access leases in the "kube-node-lease" system namespace');
    assert.equal(message(p.admitRequest!(request, as('UPDATE', 'coordination.k8s.io', 'leases', { namespace: 'kube-node-lease', name: 'n2' }))), 'leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same name as the requesting node');
    const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n2', namespace: 'kube-node-lease' } };
    assert.equal(message(p.mutate!(as('CREATE', 'coordination.k8s.io', 'leases', { namespace: 'kube-node-lease', name: 'n2' }), lease, undefined) as never), 'leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same name as the requesting node');
    assert.equal(message(p.admitRequest!(request, as('DELETE', 'storage.k8s.io', 'csinodes', { namespace: '', name: 'n2' }))), 'csinodes.storage.k8s.io "n2" is forbidden: can only access CSINode with the same name as the requesting node');
    assert.equal(message(p.admitRequest!(request, as('UPDATE', '', 'persistentvolumeclaims', { name: 'c' }))), 'persistentvolumeclaims "c" is forbidden: may only update PVC status');
    const claim = (capacity: string, labels: Record<string, string> = {}): KubeObject => object('PersistentVolumeClaim', 'c', { metadata: { name: 'c', labels }, status: { capacity: { storage: capacity } } });
    const status = as('UPDATE', '', 'persistentvolumeclaims', { name: 'c', subresource: 'status' });
    assert.equal(message(p.mutate!(status, claim('2Gi'), claim('1Gi')) as never), 'allowed');
    assert.match(message(p.mutate!(status, claim('2Gi', { a: 'b' }), claim('1Gi')) as never), /node "n1" is not allowed to update fields other than status.capacity and status.conditions/);
  });

  it('lets a node evict only its own pods, known from the pods it watches', () => {
    const p = plugin('NodeRestriction');
    const pod = (name: string, node: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', uid: name }, spec: { nodeName: node } });
    p.observe!({ group: '', plural: 'pods' }, { type: 'SYNC', objects: [pod('mine', 'n1'), pod('theirs', 'n2')] });
    const evict = (name: string) => p.admitRequest!(request, as('CREATE', '', 'pods', { name, subresource: 'eviction' }));
    assert.equal(message(evict('mine')), 'allowed');
    assert.equal(message(evict('theirs')), 'pods "theirs" is forbidden: node n1 can only evict pods with spec.nodeName set to itself');
    assert.equal(message(evict('gone')), 'pods "gone" not found');
    assert.equal(message(p.admitRequest!(request, as('CREATE', '', 'pods', { name: 'mine', subresource: 'binding' }))), 'pods "mine" is forbidden: unexpected pod subresource "binding", only \'status\' and \'eviction\' are allowed');
  });

  it('refuses relabelling a pod through its status, and a new node with restricted labels', () => {
    const p = plugin('NodeRestriction');
    const pod = (labels: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels }, spec: { nodeName: 'n1' } });
    assert.equal(message(p.mutate!(as('UPDATE', '', 'pods', { name: 'p', subresource: 'status' }), pod({ a: 'c' }), pod({ a: 'b' })) as never), 'pods "p" is forbidden: node "n1" cannot update labels through pod status');
    const node = object('Node', 'n1', { metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1', 'node-role.kubernetes.io/master': '', 'example.com/x': 'y' } } });
    assert.equal(message(p.mutate!(as('CREATE', '', 'nodes', { name: 'n1' }), node, undefined) as never), 'nodes "n1" is forbidden: node "n1" is not allowed to set the following labels: node-role.kubernetes.io/master');
  });
});

// PodSecurity's decisions, without a server: the policy a namespace's labels
// ask for, which checks each level and version runs, audit annotations,
// exemptions, pod updates, and the configuration's errors.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../protocol/kube/meta.js';
import type { AdmissionAttributes } from '../../protocol/messages/admission.js';
import type { ApiRequest } from '../../protocol/messages/request.js';
import type { PluginVerdict } from '../../actors/admission/plugin.js';
import { podSecurityPlugin } from '../../actors/admission/pod-security.js';
import { ALL_PRIVILEGED, levelVersionString, policyToEvaluate } from '../../actors/admission/pod-security/levels.js';
import { Evaluator } from '../../actors/admission/pod-security/registry.js';
import { parseConfiguration } from '../../actors/admission/pod-security/configuration.js';

describe('the policy a namespace\'s labels ask for', () => {
  const cases: { name: string; labels: Record<string, string>; policy: string; errors?: string[] }[] = [
    { name: 'no labels: the defaults', labels: {}, policy: 'privileged:latest privileged:latest privileged:latest' },
    { name: 'warn follows a stricter enforce, with its version', labels: { 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/enforce-version': 'v1.29' }, policy: 'baseline:v1.29 privileged:latest baseline:v1.29' },
    { name: 'an explicit warn stays', labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'privileged' }, policy: 'restricted:latest privileged:latest privileged:latest' },
    {
      name: 'a bad enforce level fails closed, and warn does not follow it',
      labels: { 'pod-security.kubernetes.io/enforce': 'strict' },
      policy: 'restricted:latest privileged:latest privileged:latest',
      errors: ['pod-security.kubernetes.io/enforce=strict: must be one of privileged, baseline, restricted'],
    },
    {
      name: 'bad audit and warn levels fail open; a bad version means latest',
      labels: { 'pod-security.kubernetes.io/audit': 'x', 'pod-security.kubernetes.io/warn': 'y', 'pod-security.kubernetes.io/warn-version': 'v2.0' },
      policy: 'privileged:latest privileged:latest privileged:latest',
      errors: ['pod-security.kubernetes.io/audit=x: must be one of privileged, baseline, restricted', 'pod-security.kubernetes.io/warn=y: must be one of privileged, baseline, restricted', 'pod-security.kubernetes.io/warn-version=v2.0: must be "latest" or "v1.x"'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { policy, errors } = policyToEvaluate(c.labels, ALL_PRIVILEGED);
      assert.equal([policy.enforce, policy.audit, policy.warn].map(levelVersionString).join(' '), c.policy);
      assert.deepEqual(errors.map((e) => `${e.label}=${e.value}: ${e.message}`), c.errors ?? []);
    });
  }
});

describe('which checks a level runs at a version', () => {
  const evaluator = new Evaluator();
  const bare = { containers: [{ name: 'c', image: 'x' }] };
  const reasons = (level: 'baseline' | 'restricted', version: 'latest' | { minor: number }) => evaluator.evaluate({ level, version }, {}, bare).reasons;
  it('baseline finds nothing wrong with a bare pod', () => assert.deepEqual(reasons('baseline', 'latest'), []));
  it('restricted at latest', () => assert.deepEqual(reasons('restricted', 'latest'), ['allowPrivilegeEscalation != false', 'unrestricted capabilities', 'runAsNonRoot != true', 'seccompProfile']));
  it('restricted before v1.22 has no capabilities check, before v1.19 no seccomp check', () => {
    assert.deepEqual(reasons('restricted', { minor: 21 }), ['allowPrivilegeEscalation != false', 'runAsNonRoot != true', 'seccompProfile']);
    assert.deepEqual(reasons('restricted', { minor: 18 }), ['allowPrivilegeEscalation != false', 'runAsNonRoot != true']);
  });
  it('a version newer than any check means the newest checks', () => assert.deepEqual(reasons('restricted', { minor: 99 }), reasons('restricted', 'latest')));
  it('restricted replaces the baseline capabilities check from v1.22', () => {
    const spec = { containers: [{ name: 'c', securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }] };
    assert.deepEqual(evaluator.evaluate({ level: 'restricted', version: { minor: 21 } }, {}, spec).reasons, ['non-default capabilities', 'allowPrivilegeEscalation != false', 'runAsNonRoot != true', 'seccompProfile']);
    assert.deepEqual(evaluator.evaluate({ level: 'restricted', version: { minor: 22 } }, {}, spec).reasons, ['allowPrivilegeEscalation != false', 'unrestricted capabilities', 'runAsNonRoot != true', 'seccompProfile']);
  });
});

const user = { username: 'alice', groups: ['system:authenticated'] };
const attributes = (resource: string, operation: 'CREATE' | 'UPDATE', namespace: string, name: string, group = ''): AdmissionAttributes => ({
  operation, resource: { group, version: 'v1', resource }, subresource: '', kind: { group, version: 'v1', kind: '' }, namespace, name, userInfo: user, dryRun: false,
});
const namespace = (name: string, labels: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
const pod = (name: string, image = 'busybox', securityContext?: Record<string, unknown>): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns' }, spec: { containers: [{ name: 'c', image, ...(securityContext ? { securityContext } : {}) }] } });

function plugin(labels: Record<string, string>, config?: unknown) {
  const p = podSecurityPlugin(config);
  p.observe?.({ group: '', plural: 'namespaces' }, { type: 'SYNC', objects: [namespace('ns', labels)] });
  return p;
}
const validate = (p: ReturnType<typeof plugin>, a: AdmissionAttributes, object: KubeObject, old?: KubeObject) => p.validate!(a, object, old) as PluginVerdict;

describe('PodSecurity\'s verdicts', () => {
  it('a pod in a namespace privileged at every mode is let in before its object is computed, with the enforce-policy audit annotation', () => {
    const p = plugin({});
    const a = attributes('pods', 'CREATE', 'ns', '');
    assert.equal(p.wantsObject!(a), false);
    assert.deepEqual(p.admitRequest!({} as ApiRequest, a), { allowed: true, auditAnnotations: { 'pod-security.kubernetes.io/enforce-policy': 'privileged:latest' } });
  });

  it('records enforce-policy and audit-violations as audit annotations', () => {
    const p = plugin({ 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/warn': 'privileged' });
    const verdict = validate(p, attributes('pods', 'CREATE', 'ns', 'p'), pod('p'));
    assert.deepEqual(verdict, {
      allowed: true, warnings: [],
      auditAnnotations: {
        'pod-security.kubernetes.io/enforce-policy': 'baseline:latest',
        'pod-security.kubernetes.io/audit-violations': 'would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
      },
    });
  });

  it('a refused pod carries no warning', () => {
    const p = plugin({ 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/warn': 'restricted' });
    const verdict = validate(p, attributes('pods', 'CREATE', 'ns', 'p'), pod('p', 'busybox', { privileged: true }));
    assert.equal(verdict.allowed, false);
    assert.deepEqual(verdict.warnings, []);
  });

  it('an update that changes no image is not evaluated; one that does is', () => {
    const p = plugin({ 'pod-security.kubernetes.io/enforce': 'baseline' });
    const old = pod('p', 'busybox', { privileged: true });
    const relabelled = { ...old, metadata: { ...old.metadata, labels: { a: 'b' } } };
    assert.equal(validate(p, attributes('pods', 'UPDATE', 'ns', 'p'), relabelled, old).allowed, true);
    assert.equal(validate(p, attributes('pods', 'UPDATE', 'ns', 'p'), pod('p', 'busybox:2', { privileged: true }), old).allowed, false);
  });

  it('pod status and binding writes are none of its business', () => {
    const p = plugin({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    assert.equal(p.wantsObject!({ ...attributes('pods', 'UPDATE', 'ns', 'p'), subresource: 'status' }), false);
    assert.equal(p.wantsObject!({ ...attributes('pods', 'UPDATE', 'ns', 'p'), subresource: 'ephemeralcontainers' }), true);
    assert.equal(p.wantsObject!(attributes('configmaps', 'CREATE', 'ns', 'c')), false);
  });

  it('exempts the configured users, with the exempt audit annotation', () => {
    const p = plugin({ 'pod-security.kubernetes.io/enforce': 'restricted' }, { apiVersion: 'pod-security.admission.config.k8s.io/v1', kind: 'PodSecurityConfiguration', exemptions: { usernames: ['alice'] } });
    assert.deepEqual(validate(p, attributes('pods', 'CREATE', 'ns', 'p'), pod('p')), { allowed: true, warnings: [], auditAnnotations: { 'pod-security.kubernetes.io/exempt': 'user' } });
  });

  it('a namespace whose bad label was already there may be updated', () => {
    const p = plugin({});
    const old = namespace('x', { 'pod-security.kubernetes.io/enforce': 'strict' });
    const next = namespace('x', { 'pod-security.kubernetes.io/enforce': 'strict', team: 'a' });
    assert.equal(validate(p, attributes('namespaces', 'UPDATE', '', 'x'), next, old).allowed, true);
  });

  it('tightening enforce groups the pods that share violations', () => {
    const p = plugin({});
    p.observe?.({ group: '', plural: 'pods' }, { type: 'SYNC', objects: [pod('b'), pod('a'), pod('c', 'x', { privileged: true })] });
    const verdict = validate(p, attributes('namespaces', 'UPDATE', '', 'ns'), namespace('ns', { 'pod-security.kubernetes.io/enforce': 'restricted' }), namespace('ns', {}));
    assert.deepEqual(verdict.warnings, [
      'existing pods in namespace "ns" violate the new PodSecurity enforce level "restricted:latest"',
      'a (and 1 other pod): allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile',
      'c: privileged, allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile',
    ]);
  });
});

describe('PodSecurityConfiguration', () => {
  const config = (body: Record<string, unknown>) => ({ apiVersion: 'pod-security.admission.config.k8s.io/v1', kind: 'PodSecurityConfiguration', ...body });
  it('defaults each mode to privileged:latest', () => {
    assert.deepEqual(parseConfiguration(config({})).defaults, ALL_PRIVILEGED);
  });
  it('refuses a bad level, version, namespace and duplicate user in kube\'s words', () => {
    assert.throws(() => parseConfiguration(config({ defaults: { enforce: 'strict', 'warn-version': '1.30' }, exemptions: { namespaces: ['Bad_NS'], usernames: ['a', 'a'] } })), {
      message: 'PodSecurity invalid: [defaults.enforce: Invalid value: "strict": must be one of privileged, baseline, restricted, defaults.warn-version: Invalid value: "1.30": must be "latest" or "v1.x", '
        + 'exemptions.namespaces[0]: Invalid value: "Bad_NS": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character (e.g. \'my-name\',  or \'123-abc\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?\'), '
        + 'exemptions.usernames[1]: Duplicate value: "a"]',
    });
  });
  it('refuses another kind', () => {
    assert.throws(() => parseConfiguration({ apiVersion: 'v1', kind: 'ConfigMap' }), /no kind "ConfigMap" is registered for version "v1"/);
  });
});

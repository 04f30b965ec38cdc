// ValidatingAdmissionPolicy type checking, as kube-controller-manager's
// validatingadmissionpolicy-status-controller reports it: each generation of a
// policy is checked against the kinds its rules match (built-in or custom),
// and status.typeChecking.expressionWarnings names each expression that does
// not check, at kube's fieldRef, with the kind and cel-go's issue; a correct
// policy gets none; status.observedGeneration follows the policy's changes;
// the status subresource's writes leave metadata.generation alone. Read with
// @kubernetes/client-node and kubectl, as users read it.

import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { kubectl, type Kubectl } from '../support/kubectl.js';
import { suiteServer } from '../support/server.js';
import { call } from '../support/http.js';
import { settle } from '../../harness/client.js';

const POLICIES = '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies';

interface PolicyStatus {
  observedGeneration?: number;
  typeChecking?: { expressionWarnings?: { fieldRef: string; warning: string }[] };
}

const rule = (apiGroups: string[], resources: string[]) => ({ apiGroups, apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources });

const policy = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name }, spec });

describe('ValidatingAdmissionPolicy type checking (status.typeChecking)', () => {
  const suite = suiteServer();
  let k: Kubectl;
  let admission: k8s.AdmissionregistrationV1Api;

  const create = async (body: unknown): Promise<void> => {
    const r = await call(suite.creds, 'POST', POLICIES, { body: JSON.stringify(body) });
    assert.equal(r.status, 201, r.body);
  };
  /** The policy once its status has observed `generation`: what the controller reported for it. */
  const observed = async (name: string, generation: number): Promise<k8s.V1ValidatingAdmissionPolicy> => {
    let read: k8s.V1ValidatingAdmissionPolicy | undefined;
    await settle(async () => {
      read = await admission.readValidatingAdmissionPolicyStatus({ name });
      return (read.status?.observedGeneration ?? 0) >= generation;
    }, `the status of ${name} to observe generation ${generation}`);
    return read as k8s.V1ValidatingAdmissionPolicy;
  };
  /** The status as plain data (the client's model classes, with what they leave unset dropped). */
  const statusOf = (p: k8s.V1ValidatingAdmissionPolicy): PolicyStatus => JSON.parse(JSON.stringify(p.status)) as PolicyStatus;

  before(() => {
    k = kubectl('1.33', suite.server.kubeconfigPath);
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(suite.server.kubeconfigPath);
    admission = kc.makeApiClient(k8s.AdmissionregistrationV1Api);
  });

  it('a comparison of an int with a string, for apps/v1 Deployments: kube\'s fieldRef and warning, and observedGeneration', async () => {
    await create(policy('replicas-as-string', { matchConstraints: { resourceRules: [rule(['apps'], ['deployments'])] }, validations: [{ expression: 'object.spec.replicas == "3"' }] }));
    const read = await observed('replicas-as-string', 1);
    assert.deepEqual(statusOf(read), {
      observedGeneration: 1,
      typeChecking: {
        expressionWarnings: [{
          fieldRef: 'spec.validations[0].expression',
          warning: 'apps/v1, Kind=Deployment: ERROR: <input>:1:22: found no matching overload for \'_==_\' applied to \'(int, string)\'\n | object.spec.replicas == "3"\n | .....................^\n',
        }],
      },
    });
    // Writing status did not move the policy's generation; the controller applied it as kube's does.
    assert.equal(read.metadata?.generation, 1);
    const entry = read.metadata?.managedFields?.find((m) => m.manager === 'validatingadmissionpolicy-status');
    assert.equal(entry?.operation, 'Apply');
    assert.equal(entry?.subresource, 'status');
  });

  it('a field the kind does not have, one paragraph per matched kind it fails on, a messageExpression too', async () => {
    await create(policy('no-such-field', {
      paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
      matchConstraints: { resourceRules: [rule(['apps'], ['replicasets', 'deployments']), rule([''], ['pods', 'pods/status'])] },
      validations: [{ expression: 'object.spec.replicas > 0', messageExpression: 'params.dta.message' }],
    }));
    const warnings = statusOf(await observed('no-such-field', 1)).typeChecking?.expressionWarnings;
    assert.deepEqual(warnings?.map((w) => w.fieldRef), ['spec.validations[0].expression', 'spec.validations[0].messageExpression']);
    // Pods have no spec.replicas; Deployments and ReplicaSets do.
    assert.equal(warnings?.[0]?.warning, '/v1, Kind=Pod: ERROR: <input>:1:12: undefined field \'replicas\'\n | object.spec.replicas > 0\n | ...........^\n');
    const undefinedDta = (kind: string) => `${kind}: ERROR: <input>:1:7: undefined field 'dta'\n | params.dta.message\n | ......^\n`;
    assert.equal(warnings?.[1]?.warning, ['/v1, Kind=Pod', 'apps/v1, Kind=Deployment', 'apps/v1, Kind=ReplicaSet'].map(undefinedDta).join('\n'));
  });

  it('a correct policy gets none: params, variables, namespaceObject, request and authorizer all check', async () => {
    await create(policy('correct', {
      paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
      matchConstraints: { resourceRules: [rule(['apps'], ['deployments'])] },
      variables: [{ name: 'limit', expression: 'int(params.data.maxReplicas)' }, { name: 'images', expression: 'object.spec.template.spec.containers.map(c, c.image)' }],
      validations: [
        { expression: 'object.spec.replicas <= variables.limit', messageExpression: '"at most " + string(variables.limit) + " replicas"' },
        { expression: 'variables.images.all(i, i.startsWith("registry.example/"))', message: 'images from the registry only' },
        { expression: 'oldObject == null || object.spec.selector == oldObject.spec.selector' },
        { expression: 'namespaceObject.metadata.labels["team"] == object.metadata.labels["team"] || request.userInfo.username == "admin"' },
        { expression: 'authorizer.group("apps").resource("deployments").namespace(request.namespace).check("update").allowed()' },
      ],
    }));
    const read = await observed('correct', 1);
    assert.deepEqual(statusOf(read), { observedGeneration: 1, typeChecking: {} });
  });

  it('a change of the policy is checked again: the new generation is observed and its warnings replace the old', async () => {
    const fixed = policy('replicas-as-string', { matchConstraints: { resourceRules: [rule(['apps'], ['deployments'])] }, validations: [{ expression: 'object.spec.replicas == 3' }] });
    await k.ok(['apply', '-f', '-'], { input: JSON.stringify(fixed) });
    const read = await observed('replicas-as-string', 2);
    assert.equal(read.metadata?.generation, 2);
    // Applying no warnings over the controller's own removes them (and the map they emptied, as structured-merge-diff does).
    assert.deepEqual(statusOf(read), { observedGeneration: 2 });
    // And kubectl shows it.
    const out = await k.ok(['get', 'validatingadmissionpolicy', 'replicas-as-string', '-o', 'jsonpath={.status.observedGeneration}']);
    assert.equal(out.trim(), '2');
  });

  it('a custom resource kind is checked against its CRD\'s schema', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [{
          name: 'v1', served: true, storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' }, color: { type: 'string' }, extra: { 'x-kubernetes-preserve-unknown-fields': true } } } } } },
        }],
      },
    };
    const r = await call(suite.creds, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: JSON.stringify(crd) });
    assert.equal(r.status, 201, r.body);
    await settle(async () => (await call(suite.creds, 'GET', '/apis/example.com/v1/widgets')).status === 200, 'widgets to be served');
    await create(policy('widgets', {
      matchConstraints: { resourceRules: [rule(['example.com'], ['widgets'])] },
      validations: [{ expression: 'object.spec.size == "big"' }, { expression: 'object.spec.color.startsWith("b") && object.metadata.labels["x"] == "y"' }],
    }));
    assert.deepEqual(statusOf(await observed('widgets', 1)).typeChecking, {
      expressionWarnings: [{
        fieldRef: 'spec.validations[0].expression',
        warning: 'example.com/v1, Kind=Widget: ERROR: <input>:1:18: found no matching overload for \'_==_\' applied to \'(int, string)\'\n | object.spec.size == "big"\n | .................^\n',
      }],
    });
  });

  it('rules with wildcards name no kind to check: the generation is observed with no warnings', async () => {
    await create(policy('everything', { matchConstraints: { resourceRules: [{ apiGroups: ['*'], apiVersions: ['*'], operations: ['CREATE'], resources: ['*'] }] }, validations: [{ expression: 'object.nothing == 1' }] }));
    assert.deepEqual(statusOf(await observed('everything', 1)), { observedGeneration: 1, typeChecking: {} });
  });

  it('validatingadmissionpolicies/status is served: a status write changes status alone, and not the generation', async () => {
    const path = `${POLICIES}/everything/status`;
    const current = (await call(suite.creds, 'GET', path)).json();
    const written = await call(suite.creds, 'PUT', path, { body: JSON.stringify({ ...current, spec: { ...current.spec, failurePolicy: 'Ignore' }, status: { ...current.status, typeChecking: { expressionWarnings: [{ fieldRef: 'spec.validations[0].expression', warning: 'by hand' }] } } }) });
    assert.equal(written.status, 200, written.body);
    const afterStatus = written.json();
    assert.equal(afterStatus.metadata.generation, 1);
    assert.deepEqual(afterStatus.spec, current.spec, 'a status write leaves spec as it was');
    assert.equal(afterStatus.status.typeChecking.expressionWarnings[0].warning, 'by hand');
  });
});

// CEL for admission policies: the variables kube declares (object, oldObject,
// request, params, namespaceObject, authorizer, variables), type-check errors
// as kube reports them, and lazily evaluated variables.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PolicyCompiler, type PolicyInput, type PolicyRequest } from '../../lib/cel/policy.js';

const request: PolicyRequest = {
  uid: 'u-1',
  kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
  resource: { group: 'apps', version: 'v1', resource: 'deployments' },
  subResource: '',
  requestKind: { group: 'apps', version: 'v1', kind: 'Deployment' },
  requestResource: { group: 'apps', version: 'v1', resource: 'deployments' },
  requestSubResource: '',
  name: 'web',
  namespace: 'prod',
  operation: 'CREATE',
  userInfo: { username: 'jane', groups: ['devs', 'system:authenticated'] },
  dryRun: false,
};

const object = { metadata: { name: 'web', labels: { tier: 'front' } }, spec: { replicas: 5 } };

function evaluate(compiler: PolicyCompiler, expression: string, input: Partial<PolicyInput> = {}): unknown {
  const compiled = compiler.compile(expression);
  if ('error' in compiled) assert.fail(compiled.error);
  return compiled.program.run(compiler.activation({ request, object, ...input }), 1_000_000).value;
}

describe('CEL for admission policies', () => {
  it('reads the object, the request and its user, and the namespace', () => {
    const c = new PolicyCompiler({ hasParams: false });
    assert.equal(evaluate(c, 'object.spec.replicas > 3'), true);
    assert.equal(evaluate(c, 'request.operation == "CREATE" && request.kind.kind == "Deployment"'), true);
    assert.equal(evaluate(c, '"devs" in request.userInfo.groups'), true);
    assert.equal(evaluate(c, 'oldObject == null'), true);
    assert.equal(evaluate(c, 'namespaceObject.metadata.labels.env == "prod"', { namespaceObject: { metadata: { name: 'prod', labels: { env: 'prod' } } } }), true);
  });

  it('params is declared only when the policy has a paramKind', () => {
    const without = new PolicyCompiler({ hasParams: false });
    const refused = without.compile('params.data.max == "3"');
    assert.ok('error' in refused);
    assert.equal(refused.error, "compilation failed: ERROR: <input>:1:1: undeclared reference to 'params' (in container '')\n | params.data.max == \"3\"\n | ^");
    const withParams = new PolicyCompiler({ hasParams: true });
    assert.equal(evaluate(withParams, 'int(params.data.max) < object.spec.replicas', { params: { data: { max: '3' } } }), true);
  });

  it('request has kube\'s fields only: an unknown one is a compile error', () => {
    const c = new PolicyCompiler({ hasParams: false });
    const refused = c.compile('request.nope == ""');
    assert.ok('error' in refused && refused.error.includes("undefined field 'nope'"));
  });

  it('validations must be bool, message expressions strings', () => {
    const c = new PolicyCompiler({ hasParams: false });
    assert.deepEqual(c.compile('"a" + "b"', 'bool'), { error: 'cel expression must evaluate to a bool' });
    assert.ok('program' in c.compile('object.metadata.name', 'bool'), 'object is dyn, which may be a bool');
    assert.deepEqual(c.compile('1 + 1', 'string'), { error: 'must evaluate to string' });
  });

  it('variables are typed in order, may use the ones before them, and are evaluated once, when first read', () => {
    const c = new PolicyCompiler({
      hasParams: false,
      variables: [
        { name: 'replicas', expression: 'object.spec.replicas' },
        { name: 'tooMany', expression: 'variables.replicas > 3' },
        { name: 'broken', expression: 'variables.later' },
      ],
    });
    assert.equal(c.variables[0]?.program?.type, 'dyn');
    assert.equal(c.variables[1]?.program?.type, 'bool');
    assert.match(c.variables[2]?.error ?? '', /undefined field 'later'/);
    assert.equal(evaluate(c, 'variables.tooMany'), true);
    assert.equal(evaluate(c, 'variables.replicas + 1'), 6n);
  });

  it('authorizer asks the callback with the request\'s user, and requestResource is the request\'s own resource', () => {
    const asked: unknown[] = [];
    const c = new PolicyCompiler({ hasParams: false });
    const authorize = (user: { username: string }, attributes: { verb: string; resource?: string }) => {
      asked.push({ user: user.username, ...attributes });
      return { allowed: attributes.verb === 'get', reason: 'rbac says so' };
    };
    assert.equal(evaluate(c, 'authorizer.group("").resource("secrets").namespace("prod").name("db").check("get").allowed()', { authorize }), true);
    assert.deepEqual(asked[0], { user: 'jane', verb: 'get', apiGroup: '', resource: 'secrets', subresource: '', namespace: 'prod', name: 'db' });
    assert.equal(evaluate(c, 'authorizer.requestResource.check("delete").allowed()', { authorize }), false);
    assert.deepEqual(asked[1], { user: 'jane', verb: 'delete', apiGroup: 'apps', resource: 'deployments', subresource: '', namespace: 'prod', name: 'web' });
    assert.equal(evaluate(c, 'authorizer.path("/healthz").check("get").reason()', { authorize }), 'rbac says so');
    assert.equal(evaluate(c, 'authorizer.serviceAccount("kube-system", "ctrl").group("").resource("pods").check("get").allowed()', { authorize }), true);
    assert.equal((asked[3] as { user: string }).user, 'system:serviceaccount:kube-system:ctrl');
  });

  it('a run past the cost limit stops with cel-go\'s error', () => {
    const c = new PolicyCompiler({ hasParams: false });
    const compiled = c.compile('[1,2,3,4,5,6,7,8,9,10].all(x, [1,2,3,4,5,6,7,8,9,10].all(y, x + y > 0))');
    assert.ok('program' in compiled);
    assert.throws(() => compiled.program.run(c.activation({ request, object }), 50), /operation cancelled: actual cost limit exceeded/);
  });
});

// --runtime-config turns built-in group versions and resources on and off,
// in kube's syntax; a bad value is one line and exit status 2.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, tempDir, type TestServer } from '../support/server.js';
import { call, credentialsOf, type Credentials } from '../support/http.js';
import { kubectl } from '../support/kubectl.js';
import { exitOf } from '../support/process.js';

function withRuntimeConfig(runtimeConfig: string[]): { server: TestServer; creds: Credentials } {
  const suite = {} as { server: TestServer; creds: Credentials };
  before(async () => {
    suite.server = await startTestServer({ runtimeConfig });
    suite.creds = credentialsOf(suite.server.kubeconfigPath);
  });
  after(() => suite.server.dispose());
  return suite;
}

const groupsOf = async (creds: Credentials): Promise<string[]> =>
  ((await call(creds, 'GET', '/apis')).json() as { groups: { name: string; versions: { groupVersion: string }[] }[] }).groups.flatMap((g) => g.versions.map((v) => v.groupVersion));

describe('--runtime-config', () => {
  describe('api/all=false,api/v1=true', () => {
    const suite = withRuntimeConfig(['api/all=false', 'api/v1=true']);
    it('serves the core group alone', async () => {
      assert.deepEqual(await groupsOf(suite.creds), []);
      assert.equal((await kubectl('1.33', suite.server.kubeconfigPath).ok(['api-versions'])).trim(), 'v1');
      assert.equal((await call(suite.creds, 'GET', '/api/v1/namespaces/default/configmaps')).status, 200);
      assert.equal((await call(suite.creds, 'GET', '/apis/apps/v1/namespaces/default/deployments')).status, 404);
    });
  });

  describe('apps/v1=false and batch/v1/cronjobs=false', () => {
    const suite = withRuntimeConfig(['apps/v1=false', 'batch/v1/cronjobs=false']);
    it('leaves the group version and the resource out of discovery and routing', async () => {
      const served = await groupsOf(suite.creds);
      assert.ok(!served.includes('apps/v1'));
      assert.ok(served.includes('batch/v1'));
      assert.equal((await call(suite.creds, 'GET', '/apis/apps/v1')).status, 404);
      const batch = (await call(suite.creds, 'GET', '/apis/batch/v1')).json() as { resources: { name: string }[] };
      assert.deepEqual(batch.resources.map((r) => r.name), ['jobs', 'jobs/status']);
      assert.equal((await call(suite.creds, 'GET', '/apis/batch/v1/namespaces/default/cronjobs')).status, 404);
    });
  });

  describe('api/beta=true', () => {
    const suite = withRuntimeConfig(['api/beta=true']);
    it('serves the beta versions 1.33 leaves off, after the GA version of each group', async () => {
      const served = await groupsOf(suite.creds);
      for (const gv of ['coordination.k8s.io/v1beta1', 'networking.k8s.io/v1beta1', 'resource.k8s.io/v1beta1']) assert.ok(served.includes(gv), `${gv} in ${served.join(',')}`);
      assert.ok(served.indexOf('networking.k8s.io/v1') < served.indexOf('networking.k8s.io/v1beta1'));
      assert.ok(!served.some((gv) => gv.includes('alpha')));
      const lease = { apiVersion: 'coordination.k8s.io/v1beta1', kind: 'LeaseCandidate', metadata: { name: 'c1' }, spec: { leaseName: 'l', binaryVersion: '1.33.0', strategy: 'OldestEmulationVersion' } };
      const created = await call(suite.creds, 'POST', '/apis/coordination.k8s.io/v1beta1/namespaces/default/leasecandidates', { body: JSON.stringify(lease) });
      assert.equal(created.status, 201, created.body);
    });
  });

  it('exits 2 with one line for a bad value, an unknown version of a known group, or an upper-case resource', async () => {
    for (const [flag, message] of [
      ['--runtime-config=api/all=maybe', 'Error: --runtime-config: invalid value api/all=maybe'],
      ['--runtime-config=apps/v7=true', 'Error: --runtime-config: group version apps/v7 that has not been registered'],
      ['--runtime-config=apps/v1=yes', 'Error: --runtime-config: invalid value of apps/v1: yes, err: strconv.ParseBool: parsing "yes": invalid syntax'],
      ['--runtime-config=apps/v1/Deployments=false', 'Error: --runtime-config: invalid key apps/v1/Deployments: group/version/resource and resource is always lowercase plural, not "Deployments"'],
    ] as const) {
      const result = await exitOf([flag, `--data-dir=${tempDir('runtime-config')}`, '--secure-port=0']);
      assert.equal(result.code, 2, flag);
      assert.deepEqual(result.errors, [message]);
    }
  });
});

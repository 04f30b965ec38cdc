// --runtime-config, as a pure function of its entries and the registered kinds.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { selectKinds } from '../../scheme/runtime-config.js';
import { allKinds, isGeneralAvailability } from '../../scheme/kinds/index.js';

const served = (entries: string[]): string[] => {
  const result = selectKinds(entries, allKinds, isGeneralAvailability);
  if ('error' in result) throw new Error(result.error);
  return [...new Set(result.kinds.map((k) => (k.group ? `${k.group}/${k.version}` : k.version)))];
};

describe('--runtime-config', () => {
  it('serves every GA version, and nothing else, by default', () => {
    const gvs = served([]);
    assert.ok(gvs.includes('v1') && gvs.includes('apps/v1') && gvs.includes('autoscaling/v2'));
    assert.ok(!gvs.some((gv) => /alpha|beta/.test(gv)));
  });

  it('applies api/all, api/ga, api/beta and api/alpha first, then group versions, then resources', () => {
    assert.deepEqual(served(['api/all=false', 'api/v1=true']), ['v1']);
    assert.deepEqual(served(['api/ga=false', 'apps/v1']), ['apps/v1']);
    assert.ok(served(['api/alpha=true']).includes('storagemigration.k8s.io/v1alpha1'));
    assert.ok(!served(['api/beta=true', 'resource.k8s.io/v1beta1=false']).includes('resource.k8s.io/v1beta1'));
    const withoutCronJobs = selectKinds(['batch/v1/cronjobs=false'], allKinds, isGeneralAvailability);
    assert.ok('kinds' in withoutCronJobs && !withoutCronJobs.kinds.some((k) => k.plural === 'cronjobs') && withoutCronJobs.kinds.some((k) => k.plural === 'jobs'));
    const onlyLeases = selectKinds(['api/all=false', 'coordination.k8s.io/v1/leases=true'], allKinds, isGeneralAvailability);
    assert.ok('kinds' in onlyLeases);
    assert.deepEqual(onlyLeases.kinds.map((k) => k.plural), ['leases']);
  });

  it('ignores a group it does not know, and refuses what kube refuses', () => {
    assert.deepEqual(served(['example.com/v1=true']), served([]));
    const error = (entries: string[]): string => {
      const result = selectKinds(entries, allKinds, isGeneralAvailability);
      return 'error' in result ? result.error : '';
    };
    assert.equal(error(['api/beta=yes']), '--runtime-config: invalid value api/beta=yes');
    assert.equal(error(['api/all']), '--runtime-config: invalid value api/all=');
    assert.equal(error(['batch/v9=true']), '--runtime-config: group version batch/v9 that has not been registered');
    assert.match(error(['batch/v1=maybe']), /invalid value of batch\/v1: maybe/);
  });
});

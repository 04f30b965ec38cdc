// kube's /debug/pprof on Node's inspector: a CPU profile over ?seconds=N and a
// heap snapshot, for callers granted the URLs (system:masters) and not at all
// with --profiling=false.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { call } from '../support/http.js';
import { suiteServer, tempDir } from '../support/server.js';

const tokens = join(tempDir('pprof-tokens'), 'tokens.csv');
writeFileSync(tokens, 'dev-token,jane,101,"devs"\n');

describe('/debug/pprof', () => {
  const suite = suiteServer({ tokenAuthFile: tokens });

  it('profile?seconds=1 is a .cpuprofile covering that second, taken while the server keeps serving', async () => {
    const profiling = call(suite.creds, 'GET', '/debug/pprof/profile?seconds=1');
    // Served meanwhile: the profile does not hold the supervisor, which also answers health.
    assert.equal((await call(suite.creds, 'GET', '/readyz')).status, 200);
    assert.equal((await call(suite.creds, 'GET', '/api/v1/namespaces/default')).status, 200);
    const reply = await profiling;
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-type'], 'application/octet-stream');
    assert.match(String(reply.headers['content-disposition']), /filename="profile\.cpuprofile"/);
    const profile = reply.json<{ nodes: unknown[]; startTime: number; endTime: number; samples: number[] }>();
    assert.ok(profile.nodes.length > 0);
    const micros = profile.endTime - profile.startTime;
    assert.ok(micros >= 950_000 && micros < 5_000_000, `profiled ${micros} µs`);
  });

  it("refuses a duration the request could not outlive, with Go pprof's words", async () => {
    const reply = await call(suite.creds, 'GET', '/debug/pprof/profile?seconds=600');
    assert.equal(reply.status, 400);
    assert.equal(reply.body, "profile duration exceeds server's WriteTimeout\n");
    assert.equal((await call(suite.creds, 'GET', '/debug/pprof/profile?seconds=abc')).status, 400);
  });

  it('heap is a heap snapshot', async () => {
    const reply = await call(suite.creds, 'GET', '/debug/pprof/heap');
    assert.equal(reply.status, 200);
    const snapshot = reply.json<{ snapshot: { meta: { node_fields: string[] }; node_count: number } }>();
    assert.ok(snapshot.snapshot.meta.node_fields.includes('name'));
    assert.ok(snapshot.snapshot.node_count > 1000);
  });

  it('is forbidden to users not granted the URLs', async () => {
    const reply = await call(suite.creds, 'GET', '/debug/pprof/heap', { token: 'dev-token' });
    assert.equal(reply.status, 403);
    assert.equal(reply.json().message, 'forbidden: User "jane" cannot get path "/debug/pprof/heap"');
  });
});

describe('--profiling=false', () => {
  const suite = suiteServer({ profiling: false });

  it('serves no /debug/pprof', async () => {
    assert.equal((await call(suite.creds, 'GET', '/debug/pprof/profile?seconds=1')).status, 404);
    assert.equal((await call(suite.creds, 'GET', '/debug/pprof/heap')).status, 404);
  });
});

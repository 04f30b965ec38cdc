// #18's overload figure: one user floods a server limited to 8 seats with 4×
// the concurrency those seats serve (LISTs of 300 ConfigMaps), while the admin
// (system:masters, the exempt level) GETs one ConfigMap and an anonymous client
// asks /readyz. The flooder's FlowSchema puts it in a priority level of its own
// that may not borrow, with 4 short queues, as an operator would fence a
// noisy client.
// Reported: the flood's share of 429s, and the admin's and /readyz's p99
// latency against the same server unloaded (goal: p99 under 50 ms).
//
//   node dist/bench/run.js --overload-only

import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wrk, type WrkResult } from './measure.js';
import { call, CONFIGMAPS, startKubeactor, stopKubeactor, type Settings } from './scenarios.js';

const FLOOD_TOKEN = 'flood-token';
const SEATS = { readOnly: 4, mutating: 4 };
const FLOOD_CONNECTIONS = 4 * (SEATS.readOnly + SEATS.mutating);

interface Row {
  scenario: string;
  ours: string;
  baseline: string;
  ratio: string;
}

/** A wrk run that may see non-2xx answers (the flood's 429s): requests made and how many were not 2xx. */
function flood(url: string, seconds: number, cpu: number): Promise<{ requests: number; refused: number }> {
  const args = ['-c', String(cpu), 'wrk', '-t1', `-c${FLOOD_CONNECTIONS}`, `-d${seconds}s`, '-H', `Authorization: Bearer ${FLOOD_TOKEN}`, url];
  return new Promise((resolve, reject) => {
    execFile('taskset', args, { timeout: (seconds + 30) * 1000 }, (error, stdout) => {
      if (error) return reject(error);
      const requests = /(\d+) requests in/.exec(stdout);
      if (!requests) return reject(new Error(`could not parse wrk output:\n${stdout}`));
      resolve({ requests: Number(requests[1]), refused: Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0) });
    });
  });
}

export async function overload(bin: string, settings: Settings): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-overload-'));
  const tokens = join(dir, 'tokens.csv');
  writeFileSync(tokens, `${FLOOD_TOKEN},flooder,300,"devs"\n`);
  const k = await startKubeactor(bin, settings, join(dir, 'data'), [`--token-auth-file=${tokens}`, `--max-requests-inflight=${SEATS.readOnly}`, `--max-mutating-requests-inflight=${SEATS.mutating}`]);
  try {
    const binding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'flooder-view' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'flooder', apiGroup: 'rbac.authorization.k8s.io' }] };
    if ((await call(k, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', binding)).status !== 201) throw new Error('could not bind the flooder');
    const FC = '/apis/flowcontrol.apiserver.k8s.io/v1';
    const level = { apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'PriorityLevelConfiguration', metadata: { name: 'fenced' }, spec: { type: 'Limited', limited: { nominalConcurrencyShares: 5, borrowingLimitPercent: 0, limitResponse: { type: 'Queue', queuing: { queues: 4, handSize: 2, queueLengthLimit: 4 } } } } };
    const schema = { apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'FlowSchema', metadata: { name: 'flooder' }, spec: { priorityLevelConfiguration: { name: 'fenced' }, matchingPrecedence: 50, distinguisherMethod: { type: 'ByUser' }, rules: [{ subjects: [{ kind: 'User', user: { name: 'flooder' } }], resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true }] }] } };
    if ((await call(k, 'POST', `${FC}/prioritylevelconfigurations`, level)).status !== 201 || (await call(k, 'POST', `${FC}/flowschemas`, schema)).status !== 201) throw new Error('could not fence the flooder');
    for (let i = 0; i < 300; i++) await call(k, 'POST', CONFIGMAPS, { metadata: { name: `load-${i}` }, data: { i: String(i) } });
    const probes = async (): Promise<{ admin: WrkResult; readyz: WrkResult }> => {
      const [admin, readyz] = await Promise.all([
        wrk(`${k.base}${CONFIGMAPS}/load-1`, { seconds: settings.seconds, connections: 2, headers: [k.auth], cpu: settings.loadCpu }),
        wrk(`${k.base}/readyz`, { seconds: settings.seconds, connections: 1, cpu: settings.loadCpu }),
      ]);
      return { admin, readyz };
    };
    const calm = await probes();
    // A LIST served from memory finishes within the event-loop turn that dispatched it and never holds a seat past it; one
    // that waits for a resourceVersion the server has not reached holds its seat, as a slow storage read would.
    const [loaded, flooded] = await Promise.all([probes(), flood(`${k.base}${CONFIGMAPS}?resourceVersion=999999999&resourceVersionMatch=NotOlderThan`, settings.seconds, settings.loadCpu)]);
    const ms = (n: number): string => `${n.toFixed(1)} ms`;
    const share = flooded.requests > 0 ? flooded.refused / flooded.requests : 0;
    return [
      { scenario: `Overload: ${FLOOD_CONNECTIONS} connections of one user LISTing ConfigMaps at a future resourceVersion (each holds its seat) against ${SEATS.readOnly}+${SEATS.mutating} seats, share refused (429)`, ours: `${(share * 100).toFixed(0)}% of ${flooded.requests}`, baseline: '—', ratio: '—' },
      { scenario: 'Overload: the admin\'s GET (exempt level) p99 during the flood (goal < 50 ms)', ours: ms(loaded.admin.p99ms), baseline: `${ms(calm.admin.p99ms)} (no flood)`, ratio: `${(loaded.admin.p99ms / calm.admin.p99ms).toFixed(2)}×` },
      { scenario: 'Overload: /readyz p99 during the flood (goal < 50 ms)', ours: ms(loaded.readyz.p99ms), baseline: `${ms(calm.readyz.p99ms)} (no flood)`, ratio: `${(loaded.readyz.p99ms / calm.readyz.p99ms).toFixed(2)}×` },
    ];
  } finally {
    await stopKubeactor(k);
  }
}

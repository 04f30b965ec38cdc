// Server-side apply against a JSON merge patch making the same change (a new
// image for one container) to a typical Deployment that carries managedFields,
// measured side by side in one process: the store's own work per PATCH (decode
// the body, compute the new object, maintain managedFields), without the
// HTTP, TLS and commit costs both share. Deployments are described by the
// generated 1.33 schema facts, the same the store uses.
//
//   node dist/bench/apply.js            prints the figures as JSON

import { fileURLToPath } from 'node:url';
import { definitions } from '../scheme/definitions.js';
import { mergeSchema } from '../scheme/merge/atoms.js';
import { FieldSet } from '../scheme/merge/field-set.js';
import { recordApply, recordUpdate, type FieldManagerScope } from '../scheme/merge/managed-fields.js';
import { applyJsonMergePatch } from '../actors/store/strategic-merge-patch.js';
import type { KubeObject } from '../protocol/kube/meta.js';
import { median } from './measure.js';

const scope: FieldManagerScope = {
  schema: mergeSchema(definitions),
  node: { $ref: '#/definitions/io.k8s.api.apps.v1.Deployment' },
  apiVersion: 'apps/v1',
  subresource: '',
  ignored: FieldSet.of([{ f: 'status' }]),
};

function manifest(image: string): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web', tier: 'frontend' }, annotations: { 'team': 'shop' } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'web', tier: 'frontend' } },
        spec: {
          containers: [
            {
              name: 'web', image, imagePullPolicy: 'IfNotPresent',
              ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
              env: [{ name: 'MODE', value: 'production' }, { name: 'LOG_LEVEL', value: 'info' }],
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
              readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 },
              volumeMounts: [{ name: 'config', mountPath: '/etc/web' }],
            },
            { name: 'proxy', image: 'envoy:1.30', ports: [{ name: 'admin', containerPort: 9901, protocol: 'TCP' }] },
          ],
          volumes: [{ name: 'config', configMap: { name: 'web-config' } }],
          terminationGracePeriodSeconds: 30,
        },
      },
    },
  };
}

const NOW = '2026-01-01T00:00:00Z';

export interface ApplyFigures {
  applyUs: number;
  mergePatchUs: number;
  ratio: number;
  /** Serialized bytes of the stored Deployment, without and with its managedFields. */
  bytesWithout: number;
  bytesWith: number;
  /** What recording managedFields adds to the CREATE of a small ConfigMap. */
  createTrackingUs: number;
}

const configMaps: FieldManagerScope = { ...scope, node: { $ref: '#/definitions/io.k8s.api.core.v1.ConfigMap' }, apiVersion: 'v1', ignored: undefined };

function createTracking(runs: number, n: number): number {
  const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default', uid: 'u', creationTimestamp: NOW }, data: { key: 'value'.repeat(20) } });
  const samples: number[] = [];
  for (let r = 0; r < runs + 1; r++) {
    const objects = Array.from({ length: n }, () => JSON.parse(body) as KubeObject);
    const started = performance.now();
    for (const object of objects) recordUpdate(configMaps, undefined, object, 'kubectl-create', NOW);
    if (r > 0) samples.push(((performance.now() - started) * 1000) / n);
  }
  return median(samples);
}

export function applyVersusMergePatch(runs = 5, n = 2_000): ApplyFigures {
  // The stored object: created by one apply, so it carries managedFields as a real one does.
  const created = recordApply(scope, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' } }, manifest('web:1'), 'kubectl', false, NOW);
  if (!created.ok) throw new Error('the first apply conflicted');
  const stored = JSON.stringify(created.object);
  const applyBody = JSON.stringify(manifest('web:2'));
  // JSON merge patch replaces a list whole: the same change sends both containers.
  const containers = ((manifest('web:2').spec as { template: { spec: { containers: unknown[] } } }).template.spec.containers);
  const patchBody = JSON.stringify({ spec: { template: { spec: { containers } } } });

  const viaApply = (): KubeObject => {
    const result = recordApply(scope, JSON.parse(stored) as KubeObject, JSON.parse(applyBody) as KubeObject, 'kubectl', false, NOW);
    if (!result.ok) throw new Error('conflict');
    return result.object;
  };
  const viaMergePatch = (): KubeObject => {
    const live = JSON.parse(stored) as KubeObject;
    const next = applyJsonMergePatch(live, JSON.parse(patchBody)) as KubeObject;
    recordUpdate(scope, live, next, 'kubectl-patch', NOW);
    return next;
  };
  const a = viaApply();
  const m = viaMergePatch();
  if (JSON.stringify(a.spec) !== JSON.stringify(m.spec)) throw new Error('apply and merge patch disagree on the result');

  // Rounds alternate the two, so that the shared machine's noise falls on both alike.
  for (let i = 0; i < n / 4; i++) {
    viaApply();
    viaMergePatch();
  }
  const batch = (f: () => unknown): number => {
    const started = performance.now();
    for (let i = 0; i < n; i++) f();
    return ((performance.now() - started) * 1000) / n;
  };
  const applies: number[] = [];
  const patches: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < runs; r++) {
    patches.push(batch(viaMergePatch));
    applies.push(batch(viaApply));
    ratios.push(applies[r]! / patches[r]!);
  }
  const applyUs = median(applies);
  const mergePatchUs = median(patches);
  const { managedFields: _, ...metadata } = created.object.metadata;
  return {
    applyUs, mergePatchUs, ratio: median(ratios),
    createTrackingUs: createTracking(runs, n),
    bytesWithout: JSON.stringify({ ...created.object, metadata }).length, bytesWith: stored.length,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${JSON.stringify(applyVersusMergePatch())}\n`);
}

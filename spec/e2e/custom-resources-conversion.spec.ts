// Conversion Webhook: a custom resource served in two versions whose shapes
// differ, converted by a webhook the spec runs on loopback over HTTPS (its CA
// given as the CRD's caBundle). Objects going in and coming out, lists and
// watch events are converted; a webhook that refuses or is gone gets kube's
// 500 and the server goes on serving. A webhook addressed by a Service is
// reached at an endpoint of that Service.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { settle } from '../../harness/start-server.js';
import { suiteServer } from '../support/server.js';
import { makeTestCa, startTestWebhook, type TestWebhook } from '../support/webhook-server.js';
import { eventually } from '../support/eventually.js';

const GROUP = 'convert.example.com';
const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const path = (version: string): string => `/apis/${GROUP}/${version}/namespaces/default/things`;

type Thing = { apiVersion: string; kind: string; metadata: Record<string, unknown>; spec?: Record<string, unknown> };

/** v1 keeps `spec.size`; v2 calls it `spec.replicas`. */
function convert(object: Thing, to: string): Thing {
  const { size, replicas, ...rest } = object.spec ?? {};
  const count = size ?? replicas;
  return { ...object, apiVersion: to, spec: { ...rest, ...(count === undefined ? {} : to.endsWith('/v2') ? { replicas: count } : { size: count }) } };
}

/** A CRD of things in `group`, v1 stored, v2 served through the conversion webhook at `clientConfig`. */
function thingsCrd(group: string, clientConfig: Record<string, unknown>): Record<string, unknown> {
  const schema = (field: string) => ({ openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { [field]: { type: 'integer' } } } } } });
  return {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `things.${group}` },
    spec: {
      group, scope: 'Namespaced', names: { plural: 'things', singular: 'thing', kind: 'Thing' },
      versions: [{ name: 'v1', served: true, storage: true, schema: schema('size') }, { name: 'v2', served: true, storage: false, schema: schema('replicas') }],
      conversion: { strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'], clientConfig } },
    },
  };
}

/** A webhook answer converting every object of the review. */
function converted(body: unknown): unknown {
  const { request } = body as { request: { uid: string; desiredAPIVersion: string; objects: Thing[] } };
  return { apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview', response: { uid: request.uid, result: { status: 'Success' }, convertedObjects: request.objects.map((o) => convert(o, request.desiredAPIVersion)) } };
}

describe('custom resources with a conversion webhook', () => {
  const suite = suiteServer();
  let webhook: TestWebhook;
  let failing = false;

  before(async () => {
    const ca = await makeTestCa();
    webhook = await startTestWebhook(ca, {
      handler: (body) => {
        if (!failing) return converted(body);
        const { request } = body as { request: { uid: string } };
        return { apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview', response: { uid: request.uid, result: { status: 'Failure', message: 'nope' }, convertedObjects: [] } };
      },
    });
    const crd = thingsCrd(GROUP, { url: webhook.url('/convert'), caBundle: Buffer.from(ca.certPem).toString('base64') });
    assert.equal((await suite.server.client.request('POST', CRDS, crd)).status, 201);
    await settle(async () => (await suite.server.client.request('GET', path('v2'))).status === 200, 'the CRD to be served');
  });
  after(async () => {
    await webhook.close();
  });

  it('stores what v2 writes in v1, and serves each version its own shape, lists and watches included', async () => {
    const client = suite.server.client;
    const watch = await client.watch(`${path('v2')}?watch=true`);
    const created = await client.request('POST', path('v2'), { apiVersion: `${GROUP}/v2`, kind: 'Thing', metadata: { name: 'one' }, spec: { replicas: 3 } });
    assert.equal(created.status, 201, created.body);
    assert.deepEqual(JSON.parse(created.body).spec, { replicas: 3 });
    const v1 = JSON.parse((await client.request('GET', `${path('v1')}/one`)).body);
    assert.deepEqual([v1.apiVersion, v1.spec], [`${GROUP}/v1`, { size: 3 }]);
    const list = JSON.parse((await client.request('GET', path('v2'))).body);
    assert.deepEqual(list.items.map((i: Thing) => [i.apiVersion, i.spec]), [[`${GROUP}/v2`, { replicas: 3 }]]);
    await settle(() => watch.events.length >= 1, 'the watch event');
    assert.deepEqual(watch.events[0]!.object.spec, { replicas: 3 });
    watch.close();
    const review = webhook.seen.at(-1)!.body as { apiVersion: string; kind: string; request: { desiredAPIVersion: string } };
    assert.deepEqual([review.apiVersion, review.kind], ['apiextensions.k8s.io/v1', 'ConversionReview']);
  });

  it('answers a failing webhook with kube\'s 500, and goes on serving', async () => {
    failing = true;
    try {
      const reply = await suite.server.client.request('GET', `${path('v2')}/one`);
      assert.equal(reply.status, 500);
      assert.equal(JSON.parse(reply.body).message, `Internal error occurred: conversion webhook for ${GROUP}/v2, Kind=Thing returned failure: nope`);
    } finally {
      failing = false;
    }
    assert.equal((await suite.server.client.request('GET', `${path('v2')}/one`)).status, 200);
    assert.equal((await suite.server.client.request('GET', `${path('v1')}/one`)).status, 200);
  });
});

describe('custom resources with a conversion webhook addressed by a Service', () => {
  const suite = suiteServer();
  const group = 'convert-svc.example.com';
  const at = (version: string): string => `/apis/${group}/${version}/namespaces/default/things`;

  it('reaches the webhook at an endpoint of its Service, checks its certificate for <service>.<namespace>.svc, and answers kube\'s 500 when the Service has no endpoints', async () => {
    const client = suite.server.client;
    const ca = await makeTestCa();
    const webhook = await startTestWebhook(ca, { dns: ['converter.default.svc'], ips: [], handler: converted });
    try {
      assert.equal((await client.request('POST', '/api/v1/namespaces/default/services', { metadata: { name: 'converter' }, spec: { ports: [{ name: 'https', port: 443, targetPort: 8443 }] } })).status, 201);
      const endpoints = { metadata: { name: 'converter' }, subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: webhook.port }] }] };
      assert.equal((await client.request('POST', '/api/v1/namespaces/default/endpoints', endpoints)).status, 201);
      const crd = thingsCrd(group, { service: { namespace: 'default', name: 'converter', path: '/convert' }, caBundle: Buffer.from(ca.certPem).toString('base64') });
      const created = await client.request('POST', CRDS, crd);
      assert.equal(created.status, 201, created.body);
      // kube's v1 default for a Service's port.
      assert.equal(JSON.parse(created.body).spec.conversion.webhook.clientConfig.service.port, 443);
      await settle(async () => (await client.request('GET', at('v2'))).status === 200, 'the CRD to be served');
      const made = await client.request('POST', at('v2'), { apiVersion: `${group}/v2`, kind: 'Thing', metadata: { name: 'one' }, spec: { replicas: 2 } });
      assert.equal(made.status, 201, made.body);
      assert.deepEqual(JSON.parse((await client.request('GET', `${at('v1')}/one`)).body).spec, { size: 2 });
      assert.equal(webhook.seen.at(-1)?.path, '/convert?timeout=30s');
      assert.equal(webhook.seen.at(-1)?.headers.host, 'converter.default.svc:443');

      assert.equal((await client.request('DELETE', '/api/v1/namespaces/default/endpoints/converter')).status, 200);
      const failed = await eventually(async () => {
        const reply = await client.request('GET', `${at('v2')}/one`);
        assert.equal(reply.status, 500);
        return JSON.parse(reply.body) as { message: string };
      });
      assert.equal(failed.message, `Internal error occurred: conversion webhook for ${group}/v2, Kind=Thing failed: Post "https://converter.default.svc:443/convert?timeout=30s": no endpoints available for service "converter"`);
    } finally {
      await webhook.close();
    }
  });

  it('validates a Service reference as kube validates a webhook\'s', async () => {
    const crd = thingsCrd('convert-bad.example.com', { service: { namespace: '', name: 'converter', path: 'convert', port: 70000 } });
    const refused = await suite.server.client.request('POST', CRDS, crd);
    assert.equal(refused.status, 422);
    const causes = (JSON.parse(refused.body).details.causes as { field: string; message: string }[]).map((c) => `${c.field}: ${c.message}`);
    assert.deepEqual(causes, [
      'spec.conversion.webhook.clientConfig.service.namespace: Required value',
      'spec.conversion.webhook.clientConfig.service.port: Invalid value: 70000: port is not valid: must be between 1 and 65535, inclusive',
      "spec.conversion.webhook.clientConfig.service.path: Invalid value: \"convert\": must start with a '/'",
    ]);
  });
});

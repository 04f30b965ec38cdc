// Conversion Webhook: a custom resource served in two versions whose shapes
// differ, converted by a webhook the spec runs on loopback over HTTPS (its CA
// given as the CRD's caBundle). Objects going in and coming out, lists and
// watch events are converted; a webhook that refuses or is gone gets kube's
// 500 and the server goes on serving.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { settle } from '../../harness/start-server.js';
import { suiteServer } from '../support/server.js';
import { makeTestCa, startTestWebhook, type TestWebhook } from '../support/webhook-server.js';

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

describe('custom resources with a conversion webhook', () => {
  const suite = suiteServer();
  let webhook: TestWebhook;
  let failing = false;

  before(async () => {
    const ca = await makeTestCa();
    webhook = await startTestWebhook(ca, {
      handler: (body) => {
        const { request } = body as { request: { uid: string; desiredAPIVersion: string; objects: Thing[] } };
        const result = failing ? { status: 'Failure', message: 'nope' } : { status: 'Success' };
        return { apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview', response: { uid: request.uid, result, convertedObjects: failing ? [] : request.objects.map((o) => convert(o, request.desiredAPIVersion)) } };
      },
    });
    const schema = (field: string) => ({ openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { [field]: { type: 'integer' } } } } } });
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `things.${GROUP}` },
      spec: {
        group: GROUP, scope: 'Namespaced', names: { plural: 'things', singular: 'thing', kind: 'Thing' },
        versions: [{ name: 'v1', served: true, storage: true, schema: schema('size') }, { name: 'v2', served: true, storage: false, schema: schema('replicas') }],
        conversion: { strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'], clientConfig: { url: webhook.url('/convert'), caBundle: Buffer.from(ca.certPem).toString('base64') } } },
      },
    };
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

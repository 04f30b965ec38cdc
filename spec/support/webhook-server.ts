// A webhook the spec runs itself: an HTTPS server on 127.0.0.1 whose
// certificate a CA made in the spec signs. The handler sees the decoded
// JSON body and answers with JSON (or, to misbehave, with anything).

import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KeyObject, randomBytes, webcrypto } from 'node:crypto';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { after, before } from 'node:test';
import { WebhookClient } from '../../lib/webhook-client.js';

export interface TestCa {
  certPem: string;
  keyPem: string;
  /** Signs a serving certificate for these DNS names and IPs (or, with `client`, a client certificate for that CN). */
  issue(sans: { dns?: string[]; ips?: string[] }, validity?: { notBefore: Date; notAfter: Date }, client?: { commonName: string }): Promise<{ certPem: string; keyPem: string }>;
}

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const HOUR = 3_600_000;

async function x509(): Promise<typeof import('@peculiar/x509')> {
  await import('reflect-metadata');
  const lib = await import('@peculiar/x509');
  lib.cryptoProvider.set(webcrypto as never);
  return lib;
}

const pemOfKey = (key: webcrypto.CryptoKey): string => KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }) as string;
const serial = (): string => `0${randomBytes(15).toString('hex')}`;

/** A fresh CA, good for a day. */
export async function makeTestCa(name = 'webhook-test-ca'): Promise<TestCa> {
  const lib = await x509();
  const caKeys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const caCert = await lib.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(), name: `CN=${name}`, notBefore: new Date(now - HOUR), notAfter: new Date(now + 24 * HOUR), keys: caKeys, signingAlgorithm: SIGNING,
    extensions: [new lib.BasicConstraintsExtension(true, undefined, true), new lib.KeyUsagesExtension(lib.KeyUsageFlags.keyCertSign, true)],
  });
  return {
    certPem: caCert.toString('pem'),
    keyPem: pemOfKey(caKeys.privateKey),
    async issue(sans, validity, client) {
      const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
      const names = [...(sans.dns ?? []).map((value) => ({ type: 'dns' as const, value })), ...(sans.ips ?? []).map((value) => ({ type: 'ip' as const, value }))];
      const cert = await lib.X509CertificateGenerator.create({
        serialNumber: serial(), subject: `CN=${client?.commonName ?? 'webhook'}`, issuer: caCert.subjectName,
        notBefore: validity?.notBefore ?? new Date(now - HOUR), notAfter: validity?.notAfter ?? new Date(now + 24 * HOUR),
        publicKey: keys.publicKey, signingKey: caKeys.privateKey, signingAlgorithm: SIGNING,
        extensions: [
          new lib.KeyUsagesExtension(lib.KeyUsageFlags.digitalSignature, true),
          new lib.ExtendedKeyUsageExtension([client ? lib.ExtendedKeyUsage.clientAuth : lib.ExtendedKeyUsage.serverAuth]),
          ...(names.length > 0 ? [new lib.SubjectAlternativeNameExtension(names)] : []),
        ],
      });
      return { certPem: cert.toString('pem'), keyPem: pemOfKey(keys.privateKey) };
    },
  };
}

export type WebhookHandler = (body: unknown, request: IncomingMessage, response: ServerResponse) => unknown;

export interface TestWebhook {
  port: number;
  url(path?: string): string;
  /** Every request seen: path (with query), decoded body, headers, and the client certificate's CN when one was asked for. */
  seen: { path: string; body: unknown; headers: IncomingMessage['headers']; clientName?: string }[];
  handle(handler: WebhookHandler): void;
  close(): Promise<void>;
}

/**
 * Serves on 127.0.0.1 with a certificate `ca` signs (for 127.0.0.1 and `dns`).
 * A handler's return value is sent as JSON with 200; a handler that wrote
 * the response itself returns undefined.
 */
export async function startTestWebhook(ca: TestCa, options: { dns?: string[]; ips?: string[]; handler?: WebhookHandler; clientCa?: string } = {}): Promise<TestWebhook> {
  const serving = await ca.issue({ dns: options.dns ?? ['localhost'], ips: options.ips ?? ['127.0.0.1'] });
  let handler: WebhookHandler = options.handler ?? (() => ({}));
  const seen: TestWebhook['seen'] = [];
  // With `clientCa`, the TLS handshake itself refuses a client without a certificate that CA signed.
  const clientAuth = options.clientCa ? { requestCert: true, rejectUnauthorized: true, ca: options.clientCa } : {};
  const server: Server = createServer({ cert: serving.certPem, key: serving.keyPem, keepAliveTimeout: 30_000, ...clientAuth }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
      const peer = options.clientCa ? (request.socket as import('node:tls').TLSSocket).getPeerCertificate() : undefined;
      seen.push({ path: request.url ?? '', body, headers: request.headers, ...(peer?.subject ? { clientName: peer.subject.CN } : {}) });
      const answer = handler(body, request, response);
      if (answer === undefined || answer === response || response.headersSent) return;
      const json = JSON.stringify(answer);
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
      response.end(json);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (path = '/') => `https://127.0.0.1:${port}${path}`,
    seen,
    handle: (h) => { handler = h; },
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** An AdmissionReview answer for the request in `review`. */
export function admissionAnswer(review: unknown, response: Record<string, unknown>): unknown {
  const uid = (review as { request?: { uid?: string } }).request?.uid;
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid, ...response } };
}

/** A fresh CA and a webhook it certifies, for a suite's before(). */
export async function loopbackWebhook(options: Parameters<typeof startTestWebhook>[1] = {}): Promise<{ ca: TestCa; webhook: TestWebhook }> {
  const ca = await makeTestCa();
  return { ca, webhook: await startTestWebhook(ca, options) };
}

/** For a describe block: a CA, a webhook it certifies and a client, made before its tests and closed after. */
export function loopbackWebhookSuite(): { ca: TestCa; webhook: TestWebhook; client: WebhookClient } {
  const suite = { client: new WebhookClient() } as { ca: TestCa; webhook: TestWebhook; client: WebhookClient };
  before(async () => Object.assign(suite, await loopbackWebhook()));
  after(async () => {
    suite.client.close();
    await suite.webhook.close();
  });
  return suite;
}

/** A loopback port nothing listens on (a webhook that refuses connections). */
export async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}


export { eventually } from './eventually.js';

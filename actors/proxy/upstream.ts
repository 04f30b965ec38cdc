// The proxy's side effects: HTTPS to extension API servers with node:https,
// presenting the front proxy's client certificate and carrying the user in
// kube's request-header names. The only module that opens connections to them.

import { Agent, request as httpsRequest } from 'node:https';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { UserInfo } from '../../protocol/kube/meta.js';
import type { Backend, ServiceReference } from '../aggregator/apiservices.js';
import type { Clock } from '../../lib/clock.js';

/** kube's default request-header names (--requestheader-username-headers and the others). */
export const REMOTE_USER = 'X-Remote-User';
export const REMOTE_GROUP = 'X-Remote-Group';
export const REMOTE_EXTRA_PREFIX = 'X-Remote-Extra-';

/** The front proxy's client certificate, PEM. */
export interface ProxyClientCertificate {
  certPem: string;
  keyPem: string;
}

/** How to reach one APIService's extension server. */
export interface UpstreamTarget {
  name: string;
  service: ServiceReference;
  caBundle: string | undefined;
  insecureSkipTLSVerify: boolean;
}

/** client-go's SetAuthProxyHeaders: the user, each group, and each extra value under its URL-escaped key. */
export function frontProxyHeaders(user: UserInfo): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = { [REMOTE_USER]: user.username };
  if (user.groups.length > 0) headers[REMOTE_GROUP] = [...user.groups];
  for (const [key, values] of Object.entries(user.extra ?? {})) headers[`${REMOTE_EXTRA_PREFIX}${encodeURIComponent(key)}`] = [...values];
  return headers;
}

/** How Go's net/http words a failed round trip, as kube's 503 body and FailedDiscoveryCheck message show it. */
export function goError(error: unknown, method: string, url: string, backend: Backend): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  const dial = `dial tcp ${backend.host}:${backend.port}`;
  const cause = code === 'ECONNREFUSED' ? `${dial}: connect: connection refused`
    : code === 'EHOSTUNREACH' ? `${dial}: connect: no route to host`
      : code === 'ECONNRESET' ? 'read: connection reset by peer'
        : code === 'ETIMEDOUT' ? 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)'
          : code?.startsWith('ERR_TLS') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || code === 'SELF_SIGNED_CERT_IN_CHAIN'
            ? `tls: failed to verify certificate: x509: certificate signed by unknown authority`
            : error instanceof Error ? error.message : String(error);
  return `${method[0]}${method.slice(1).toLowerCase()} "${url}": ${cause}`;
}

/** An ETIMEDOUT error, for a request its deadline ended. */
export function timedOut(): Error {
  return Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' });
}

/** Who kube-aggregator is to extension servers in its own calls (availability checks, discovery): kube's system:masters identity. */
export const AGGREGATOR_USER: UserInfo = { username: 'system:kube-aggregator', groups: ['system:masters'] };

export interface Fetched {
  status: number;
  contentType: string;
  body: Buffer;
}

export class Upstreams {
  /** One keep-alive agent per APIService and TLS trust, so connections are reused across requests. */
  private readonly agents = new Map<string, { trust: string; agent: Agent; secureContext: SecureContext }>();

  constructor(private readonly client: ProxyClientCertificate) {}

  private connectionFor(target: UpstreamTarget): { agent: Agent; secureContext: SecureContext } {
    const trust = `${target.insecureSkipTLSVerify}|${target.caBundle ?? ''}`;
    const known = this.agents.get(target.name);
    if (known && known.trust === trust) return known;
    known?.agent.destroy();
    // kube's BuildTransportConfig: the caBundle verifies the server, or nothing does with insecureSkipTLSVerify.
    const ca = target.insecureSkipTLSVerify || !target.caBundle ? undefined : Buffer.from(target.caBundle, 'base64').toString('utf8');
    // One secure context per agent: passing the PEMs instead would make node fold them into every request's pool key.
    const secureContext = createSecureContext({ cert: this.client.certPem, key: this.client.keyPem, ...(ca ? { ca } : {}) });
    const agent = new Agent({ keepAlive: true, maxSockets: 256, secureContext, rejectUnauthorized: !target.insecureSkipTLSVerify });
    const connection = { trust, agent, secureContext };
    this.agents.set(target.name, connection);
    return connection;
  }

  /** The TLS options of a connection of its own to `target` (a WebSocket's): the agent's trust and client certificate. */
  tlsFor(target: UpstreamTarget): { secureContext: SecureContext; rejectUnauthorized: boolean; servername: string } {
    return { secureContext: this.connectionFor(target).secureContext, rejectUnauthorized: !target.insecureSkipTLSVerify, servername: serverNameOf(target) };
  }

  /** Forgets the agents of APIServices no longer proxied to. */
  retain(names: ReadonlySet<string>): void {
    for (const [name, { agent }] of this.agents) {
      if (names.has(name)) continue;
      agent.destroy();
      this.agents.delete(name);
    }
  }

  /** Starts a request to `backend`; the caller writes the body and ends it. */
  open(target: UpstreamTarget, backend: Backend, method: string, path: string, headers: Record<string, string | string[]>, onResponse: (res: IncomingMessage) => void): ClientRequest {
    return httpsRequest({
      host: backend.host,
      port: backend.port,
      method,
      path,
      headers,
      agent: this.connectionFor(target).agent,
      servername: serverNameOf(target),
    }, onResponse);
  }

  /** A GET as kube-aggregator itself; rejects with Go's error text when the server fails or takes longer than `timeoutMs`. */
  get(target: UpstreamTarget, backend: Backend, path: string, accept: string, timeoutMs: number, clock: Clock): Promise<Fetched> {
    return new Promise((resolve, reject) => {
      const fail = (error: unknown): void => {
        clock.clearTimeout(timer);
        reject(new Error(goError(error, 'GET', urlOf(backend, path), backend)));
      };
      const upstream = this.open(target, backend, 'GET', path, { accept, ...frontProxyHeaders(AGGREGATOR_USER) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', fail);
        res.once('end', () => {
          clock.clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks) });
        });
      });
      const timer = clock.setTimeout(() => upstream.destroy(timedOut()), timeoutMs);
      upstream.on('error', fail);
      upstream.end();
    });
  }

  close(): void {
    for (const { agent } of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}

/** kube dials the endpoint but verifies the certificate for the Service's DNS name. */
function serverNameOf(target: UpstreamTarget): string {
  return `${target.service.name}.${target.service.namespace}.svc`;
}

/** The URL a request to `backend` names, as Go prints it in errors. */
export function urlOf(backend: Backend, path: string): string {
  return `https://${isIP(backend.host) === 6 ? `[${backend.host}]` : backend.host}:${backend.port}${path}`;
}

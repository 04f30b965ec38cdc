// kube's webhook client (k8s.io/apiserver/pkg/util/webhook): one HTTPS POST
// of a JSON body to a webhook named by URL or by Service, verified against
// the configuration's caBundle (or the system roots when it has none), with
// a client timeout, over one pool of kept-alive connections shared by every
// webhook (admission, CRD conversion, authentication and authorization
// webhooks).
//
// A Service is reached the way kube-apiserver reaches it with no kube-proxy:
// the caller's resolver picks an endpoint address (lib/service-endpoints.ts
// does it from EndpointSlices and Endpoints), the connection goes there, and
// TLS checks the certificate against `<service>.<namespace>.svc`.
//
// Failures carry the texts kube's client produces, so a user reads the same
// message either way:
//   failed calling webhook "<name>": failed to call webhook: Post "<url>?timeout=10s": <Go's error>
// with Go's wording for a refused connection, a timeout, a certificate the
// caBundle does not sign, a name the certificate does not cover, and a body
// that is not JSON.

import { Agent, request as httpsRequest } from 'node:https';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { failure, type Status, type StatusReason } from '../protocol/kube/status.js';
import { systemClock, type Clock } from './clock.js';

/** Where a webhook is: admissionregistration's WebhookClientConfig (and apiextensions' and the kubeconfig-file webhooks'). */
export interface WebhookClientConfig {
  url?: string;
  service?: { namespace: string; name: string; path?: string; port?: number };
  /** PEM, as the API carries it base64-encoded; absent or empty: the system roots. */
  caBundle?: string;
  /** The server's own credentials, from a webhook kubeconfig's user (lib/webhook-kubeconfig.ts): a client certificate and key (PEM), a bearer token. */
  clientCert?: string;
  clientKey?: string;
  bearerToken?: string;
}

/** Picks the address behind a Service's port; throws an Error whose message is kube's (`services "x" not found`, `no endpoints available for service "x"`). */
export type ServiceResolver = (namespace: string, name: string, port: number) => { host: string; port: number };

export interface WebhookCall {
  /** The webhook's name, for the error texts. */
  name: string;
  config: WebhookClientConfig;
  body: string | Buffer;
  /** The client timeout; it also becomes the `?timeout=` kube's client sends. */
  timeoutMs: number;
  /** The request's own end (its client went away, its deadline passed): the call stops with `context canceled`. */
  signal?: AbortSignal;
  /** Finds a Service's endpoint for this call (the caller's view of the cluster); else the client's. */
  resolveService?: ServiceResolver;
}

export interface WebhookAnswer {
  statusCode: number;
  /** The decoded JSON body. */
  body: unknown;
}

/** A failed call: kube's ErrCallingWebhook. `detail` is what follows `failed to call webhook: `. */
export class WebhookCallError extends Error {
  constructor(
    readonly webhook: string,
    readonly detail: string,
    /** The Status kube attaches: the webhook's own error Status, or 503 "error calling webhook". */
    readonly status: Status,
  ) {
    super(`failed calling webhook "${webhook}": failed to call webhook: ${detail}`);
  }
}

/** Answers bigger than this are refused: a webhook's reply is held in memory whole. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;
const USER_AGENT = 'kube-apiserver-admission';

/** Go's time.Duration.String for whole seconds: 10s, 1m0s, 1h0m0s. */
export function goSeconds(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

const hostPort = (host: string, port: number): string => (isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`);

interface Target {
  /** What Go prints: the host as written (a port of 443 kept), the path, kube's `?timeout=`. */
  printed: string;
  /** The Host header and, unless it is an IP, the name TLS asks for and checks. */
  host: string;
  port: number;
  path: string;
  service?: NonNullable<WebhookClientConfig['service']>;
}

/** The URL kube's client prints and requests: the Service's DNS name stands for the Service. */
function targetOf(config: WebhookClientConfig, timeoutMs: number): Target {
  // kube's rest client tells the webhook its deadline, rounded up to the second.
  const query = `?timeout=${goSeconds(Math.ceil(timeoutMs / 1000))}`;
  if (config.service) {
    const { namespace, name, path, port } = config.service;
    const host = `${name}.${namespace}.svc`;
    const at = `${host}:${port ?? 443}`;
    const pathname = path || '/';
    return { printed: `https://${at}${pathname}${query}`, host, port: port ?? 443, path: `${pathname}${query}`, service: config.service };
  }
  const url = new URL(config.url ?? '');
  const rawHost = /^[a-z]+:\/\/([^/?#]*)/i.exec(config.url ?? '')?.[1] ?? url.host;
  const path = `${url.pathname}${query}`;
  return { printed: `${url.protocol}//${rawHost}${path}`, host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 443), path };
}

// ---------------------------------------------------------------- Go's wording

/** `x509: certificate is valid for a, b, not c`, or the IP-less variant, as Go's VerifyHostname says it. */
function hostnameMismatch(host: string, cert: PeerCertificate): string {
  const sans = (cert.subjectaltname ?? '').split(', ').filter(Boolean);
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare)) {
    const ips = sans.filter((s) => s.startsWith('IP Address:')).map((s) => s.slice(11));
    if (ips.length === 0) return `x509: cannot validate certificate for ${bare} because it doesn't contain any IP SANs`;
    return `x509: certificate is valid for ${ips.join(', ')}, not ${bare}`;
  }
  const names = sans.filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4));
  if (names.length === 0) return 'x509: certificate relies on legacy Common Name field, use SANs instead';
  return `x509: certificate is valid for ${names.join(', ')}, not ${bare}`;
}

const UNKNOWN_AUTHORITY = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
]);

/** A Node socket or TLS error in the words of Go's net/http and crypto/tls. */
function goTransportError(error: NodeJS.ErrnoException & { reason?: string }, dialed: string): string {
  const code = error.code ?? '';
  if (error.name === 'HostnameMismatch') return `tls: failed to verify certificate: ${error.message}`;
  if (UNKNOWN_AUTHORITY.has(code)) return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid';
  switch (code) {
    case 'ECONNREFUSED': return `dial tcp ${dialed}: connect: connection refused`;
    case 'EHOSTUNREACH': return `dial tcp ${dialed}: connect: no route to host`;
    case 'ENETUNREACH': return `dial tcp ${dialed}: connect: network is unreachable`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN': return `dial tcp: lookup ${dialed.replace(/:\d+$/, '')}: no such host`;
    case 'ECONNRESET': return error.message === 'socket hang up' ? 'EOF' : `read tcp ${dialed}: read: connection reset by peer`;
    case 'EPIPE': return `write tcp ${dialed}: write: broken pipe`;
    default:
      if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS')) return `remote error: tls: ${error.reason ?? error.message}`;
      return error.message;
  }
}

/** encoding/json's message for a body that does not parse (the common cases). */
function goJsonError(text: string): string {
  const first = text.trimStart()[0];
  if (first === undefined) return 'unexpected end of JSON input';
  if (!'{["-0123456789tfn'.includes(first)) return `invalid character '${first}' looking for beginning of value`;
  const at = /position (\d+)/.exec((() => {
    try {
      JSON.parse(text);
      return '';
    } catch (e) {
      return (e as Error).message;
    }
  })());
  const c = at ? text[Number(at[1])] : undefined;
  return c === undefined ? 'unexpected end of JSON input' : `invalid character '${c}' after top-level value`;
}

/** apimachinery's NewGenericServerResponse: what a non-2xx answer that is no Status becomes. */
function genericServerResponse(code: number, serverMessage: string): Status {
  const known: Record<number, [StatusReason, string]> = {
    400: ['BadRequest', 'the server rejected our request for an unknown reason'],
    401: ['Unauthorized', 'the server has asked for the client to provide credentials'],
    403: ['Forbidden', serverMessage],
    404: ['NotFound', 'the server could not find the requested resource'],
    405: ['MethodNotAllowed', 'the server does not allow this method on the requested resource'],
    406: ['NotAcceptable', serverMessage === '' || serverMessage === 'unknown' ? 'the server was unable to respond with a content type that the client supports' : serverMessage],
    409: ['AlreadyExists', 'the server reported a conflict'],
    415: ['UnsupportedMediaType', serverMessage],
    422: ['Invalid', 'the server rejected our request due to an error in our request'],
    429: ['TooManyRequests', 'the server has received too many requests and has asked us to try again later'],
    503: ['ServiceUnavailable', 'the server is currently unable to handle the request'],
    504: ['Timeout', 'the server was unable to return a response in the time allotted, but may still be processing the request'],
  };
  const [reason, message] = known[code]
    ?? (code >= 500
      ? ['InternalError', `an error on the server (${JSON.stringify(serverMessage)}) has prevented the request from succeeding`]
      : ['', `the server responded with the status code ${code} but did not return more information`]);
  const status = failure((reason || 'BadRequest') as StatusReason, message, { causes: [{ reason: 'UnexpectedServerResponse', message: serverMessage }] }, code);
  if (!reason) status.reason = '';
  return status;
}

const isText = (contentType: string | undefined): boolean => !contentType || contentType.trim().toLowerCase().startsWith('text/');
const isJson = (contentType: string | undefined): boolean => !contentType || /^application\/json\s*(;|$)/i.test(contentType.trim());

const CALLING_FAILED = (): Status => failure('ServiceUnavailable', 'error calling webhook');

/** What kube's rest client makes of an answer: the decoded body, or the error it reports. */
function interpret(response: IncomingMessage, text: string): { body: unknown } | { detail: string; status: Status } {
  const code = response.statusCode ?? 0;
  const contentType = response.headers['content-type'];
  if (code < 200 || code > 206) {
    if (isJson(contentType) && text) {
      try {
        const parsed = JSON.parse(text) as Partial<Status>;
        if (parsed && parsed.kind === 'Status' && parsed.status !== 'Success') {
          const status = failure('InternalError', parsed.message ?? '', parsed.details, typeof parsed.code === 'number' ? parsed.code : code);
          status.reason = parsed.reason ?? '';
          return { detail: parsed.message ?? '', status };
        }
      } catch {
        // Not a Status: the generic answer below.
      }
    }
    const status = genericServerResponse(code, isText(contentType) ? text.trim().slice(0, 1024) : 'unknown');
    return { detail: status.message ?? '', status };
  }
  if (text.length === 0) return { detail: `0-length response with status code: ${code} and content type: ${contentType ?? 'application/json'}`, status: CALLING_FAILED() };
  try {
    return { body: JSON.parse(text) };
  } catch {
    return { detail: `couldn't get version/kind; json parse error: ${goJsonError(text)}`, status: CALLING_FAILED() };
  }
}

// ---------------------------------------------------------------- the client

export interface WebhookClientOptions {
  /** Finds a Service's endpoint; without one, a Service-addressed webhook fails as kube's does with no resolver. */
  resolveService?: ServiceResolver;
  clock?: Clock;
}

export class WebhookClient {
  /** One pool for every webhook: Node keys its sockets by host, port, servername and CA, so each configuration gets its own. */
  private readonly agent = new Agent({ keepAlive: true, maxFreeSockets: 16, scheduling: 'lifo' });
  private readonly clock: Clock;

  constructor(private readonly options: WebhookClientOptions = {}) {
    this.clock = options.clock ?? systemClock;
  }

  /** POSTs the body; resolves with the decoded answer, or rejects with a WebhookCallError in kube's words. */
  post(call: WebhookCall): Promise<WebhookAnswer> {
    let target: Target;
    try {
      target = targetOf(call.config, call.timeoutMs);
    } catch {
      return Promise.reject(new WebhookCallError(call.name, `Unparsable URL: ${call.config.url ?? ''}`, CALLING_FAILED()));
    }
    const printed = target.printed;
    const fail = (detail: string, status: Status = CALLING_FAILED()): WebhookCallError => new WebhookCallError(call.name, detail, status);

    let { host, port } = target;
    if (target.service) {
      const resolve = call.resolveService ?? this.options.resolveService;
      if (!resolve) return Promise.reject(fail(`Post "${printed}": no service resolver`));
      try {
        ({ host, port } = resolve(target.service.namespace, target.service.name, target.service.port ?? 443));
      } catch (e) {
        return Promise.reject(fail(`Post "${printed}": ${(e as Error).message}`));
      }
    }
    const dialed = hostPort(host, port);
    const nameToCheck = target.host;
    const servername = isIP(nameToCheck) ? undefined : nameToCheck;
    const hostHeader = target.service ? `${target.host}:${target.port}` : /^[a-z]+:\/\/([^/?#]*)/i.exec(printed)?.[1] ?? target.host;

    return new Promise<WebhookAnswer>((resolve, reject) => {
      let settled = false;
      const timer = this.clock.setTimeout(() => end(fail(`Post "${printed}": context deadline exceeded`)), call.timeoutMs);
      const onAbort = (): void => end(fail(`Post "${printed}": context canceled`));
      const end = (outcome: WebhookCallError | WebhookAnswer): void => {
        if (settled) return;
        settled = true;
        this.clock.clearTimeout(timer);
        call.signal?.removeEventListener('abort', onAbort);
        if (outcome instanceof WebhookCallError) {
          req.destroy();
          reject(outcome);
        } else resolve(outcome);
      };
      let req: ReturnType<typeof httpsRequest>;
      try {
        req = httpsRequest({
          agent: this.agent,
          host,
          port,
          method: 'POST',
          path: target.path,
          servername,
          ca: call.config.caBundle || undefined,
          cert: call.config.clientCert,
          key: call.config.clientKey,
          headers: {
            ...(call.config.bearerToken ? { authorization: `Bearer ${call.config.bearerToken}` } : {}),
            host: hostHeader,
            'content-type': 'application/json',
            accept: 'application/json, */*',
            'user-agent': USER_AGENT,
            'content-length': Buffer.byteLength(call.body),
          },
          checkServerIdentity: (_name, cert) => {
            const error = checkServerIdentity(nameToCheck, cert);
            if (!error) return undefined;
            const mismatch = new Error(hostnameMismatch(nameToCheck, cert));
            mismatch.name = 'HostnameMismatch';
            return mismatch;
          },
        });
      } catch (e) {
        // Options Node refuses outright (a CA that is no certificate): the call fails, it does not throw.
        this.clock.clearTimeout(timer);
        return reject(fail(`Post "${printed}": ${(e as Error).message}`));
      }
      if (call.signal?.aborted) return onAbort();
      call.signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (e) => end(fail(`Post "${printed}": ${goTransportError(e as NodeJS.ErrnoException, dialed)}`)));
      req.on('response', (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) return end(fail(`Post "${printed}": http: response body too large`));
          chunks.push(chunk);
        });
        response.on('error', (e) => end(fail(`Post "${printed}": ${goTransportError(e as NodeJS.ErrnoException, dialed)}`)));
        response.on('end', () => {
          const result = interpret(response, Buffer.concat(chunks).toString('utf8'));
          if ('body' in result) end({ statusCode: response.statusCode ?? 0, body: result.body });
          else end(fail(result.detail, result.status));
        });
      });
      req.end(call.body);
    });
  }

  /** Closes the pooled connections (server shutdown). */
  close(): void {
    this.agent.destroy();
  }
}

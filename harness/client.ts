// A small HTTPS client for tests that drive a server through its lifecycle:
// plain requests, requests held in flight on purpose (headers and half the
// body sent, the rest when released), and open watches. Each request opens its
// own connection, as a new client would, so a server that stopped accepting
// refuses it.

import { request as httpsRequest, type RequestOptions } from 'node:https';
import { KubeconfigError, readKubeconfig } from '../lib/kubeconfig.js';
import { JsonLines } from '../lib/json-lines.js';

export interface Credentials {
  server: string;
  token: string;
  ca: string;
}

/** The server, token and CA of a kubeconfig's current context (kubeactor's admin kubeconfig has one). */
export function credentialsOf(kubeconfigPath: string): Credentials {
  const access = readKubeconfig(kubeconfigPath);
  if (!access.token || !access.ca) throw new KubeconfigError(`${kubeconfigPath}: the harness client needs a token and a CA`);
  return { server: access.server, token: access.token, ca: access.ca };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface HeldRequest {
  /** Sends the rest of the body and resolves with the server's answer. */
  release(): Promise<Reply>;
}

export interface WatchEvent {
  type: string;
  object: { metadata?: { name?: string; resourceVersion?: string }; [key: string]: unknown };
}

export interface OpenWatch {
  /** Every event received so far, in order. */
  readonly events: WatchEvent[];
  /** Resolves when the server ends the stream (or the connection fails). */
  readonly ended: Promise<void>;
  close(): void;
}

export class ServerClient {
  constructor(private readonly creds: Credentials) {}

  /** The server's address, e.g. https://127.0.0.1:34567. */
  get baseUrl(): string {
    return this.creds.server;
  }

  /** The PEM of the CA that signed the server's certificate. */
  get ca(): string {
    return this.creds.ca;
  }

  /** The admin bearer token. */
  get token(): string {
    return this.creds.token;
  }

  private options(method: string, path: string, headers: Record<string, string>): [URL, RequestOptions] {
    const url = new URL(path, this.creds.server);
    return [url, { method, ca: this.creds.ca, agent: false, headers: { authorization: `Bearer ${this.creds.token}`, ...headers } }];
  }

  request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Reply> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = payload ? { 'content-type': contentType, 'content-length': String(payload.length) } : {};
    const [url, options] = this.options(method, path, headers);
    return new Promise((resolve, reject) => {
      const req = httpsRequest(url, options, (res) => collect(res, resolve));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Starts a request and stops halfway through its body: the server holds it in flight until release(). */
  startHeld(method: string, path: string, body: unknown): HeldRequest {
    const payload = Buffer.from(JSON.stringify(body));
    const half = Math.max(1, Math.floor(payload.length / 2));
    const [url, options] = this.options(method, path, { 'content-type': 'application/json', 'content-length': String(payload.length) });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const answer = new Promise<Reply>((resolve, reject) => {
      const req = httpsRequest(url, options, (res) => collect(res, resolve));
      req.on('error', reject);
      req.write(payload.subarray(0, half));
      void released.then(() => req.end(payload.subarray(half)));
    });
    return {
      release: () => {
        release();
        return answer;
      },
    };
  }

  /** Opens a watch; resolves once the server has sent the response headers. */
  watch(path: string): Promise<OpenWatch> {
    const [url, options] = this.options('GET', path, {});
    return new Promise((resolve, reject) => {
      const events: WatchEvent[] = [];
      let endStream!: () => void;
      const ended = new Promise<void>((r) => {
        endStream = r;
      });
      const req = httpsRequest(url, options, (res) => {
        const lines = new JsonLines<WatchEvent>();
        res.setEncoding('utf8');
        res.on('data', (text: string) => events.push(...lines.push(text)));
        res.on('end', endStream);
        res.on('close', endStream);
        resolve({ events, ended, close: () => req.destroy() });
      });
      req.on('error', (e) => {
        endStream();
        reject(e);
      });
      req.end();
    });
  }
}

function collect(res: import('node:http').IncomingMessage, resolve: (reply: Reply) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
}

/**
 * Waits for real I/O, never for time: checks `ready()` on every event-loop turn.
 * The wall-clock bound only turns a hang into a clear failure.
 */
export async function settle(ready: () => boolean | Promise<boolean>, what: string, boundMs = 15_000): Promise<void> {
  const giveUp = Date.now() + boundMs;
  while (!(await ready())) {
    if (Date.now() > giveUp) throw new Error(`still waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

// A minimal HTTPS client for specs that check wire details kubectl hides.

import { request } from 'node:https';
import type { Credentials } from '../../harness/client.js';

export { credentialsOf, type Credentials } from '../../harness/client.js';

export interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  // Specs poke into documents of many shapes; loose typing keeps them readable.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json<T = Record<string, any>>(): T;
}

export function call(creds: Credentials, method: string, path: string, options: { body?: string | Buffer; headers?: Record<string, string>; token?: string | null } = {}): Promise<Response> {
  const url = new URL(path, creds.server);
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? creds.token : options.token;
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  // Node frames a DELETE's (or GET's) body only when told its length; unframed, the server reads it as the next request.
  if (options.body !== undefined && !headers['content-length']) headers['content-length'] = String(Buffer.byteLength(options.body));
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, ca: creds.ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
      });
    });
    req.on('error', reject);
    if (options.body !== undefined) req.end(options.body);
    else req.end();
  });
}

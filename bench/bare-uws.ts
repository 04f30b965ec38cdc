// The physical-limit baselines: a bare uWebSockets.js SSLApp, with the same
// certificate as kubeactor, that either answers every request with the same
// bytes or, given --parse, reads each request's body, parses it as JSON and
// answers it encoded again (201 for a POST; a DELETE, which has no body, gets a
// small Status): the HTTP write limit, with no storage at all.
// Run as its own process: node dist/bench/bare-uws.js <cert> <key> <body-file | --parse>

import { readFileSync } from 'node:fs';
import { loadNativeUws } from '../actors/listener/uws.js';

const [certFile, keyFile, mode] = process.argv.slice(2);
const uws = loadNativeUws();
const app = uws.SSLApp({ cert_file_name: certFile!, key_file_name: keyFile! });

if (mode === '--parse') {
  const deleted = JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Success' });
  app.any('/*', (res, req) => {
    const method = req.getMethod();
    const status = method === 'post' ? '201 Created' : '200 OK';
    let aborted = false;
    res.onAborted(() => (aborted = true));
    const chunks: Buffer[] = [];
    res.onData((chunk, last) => {
      // uWS reuses the chunk's memory once this returns: copy it.
      chunks.push(Buffer.from(Buffer.from(chunk)));
      if (!last || aborted) return;
      const text = Buffer.concat(chunks).toString('utf8');
      const answer = text.length > 0 ? JSON.stringify(JSON.parse(text)) : deleted;
      res.cork(() => {
        res.writeStatus(status).writeHeader('content-type', 'application/json').end(answer);
      });
    });
  });
} else {
  const body = readFileSync(mode!);
  app.any('/*', (res) => {
    res.cork(() => {
      res.writeStatus('200 OK').writeHeader('content-type', 'application/json').writeHeader('cache-control', 'no-cache, private').end(body);
    });
  });
}

app.listen('127.0.0.1', 0, (socket) => {
  if (!socket) process.exit(1);
  process.stdout.write(`port=${uws.us_socket_local_port(socket)}\n`);
});

// The physical-limit baselines of the node:http2 transport: a bare
// node:http2 secure server (HTTP/1.1 by ALPN fallback, as kubeactor's node
// transport), with kubeactor's certificate, that either answers every request
// with the same bytes or, given --broadcast, holds every GET open as a stream
// and writes one watch-event line to all of them on each POST.
// Run as its own process: node dist/bench/bare-node.js <cert> <key> <body-file | --broadcast>

import { readFileSync } from 'node:fs';
import { createSecureServer, type Http2ServerResponse } from 'node:http2';

const [certFile, keyFile, mode] = process.argv.slice(2);
const server = createSecureServer({ cert: readFileSync(certFile!), key: readFileSync(keyFile!), allowHTTP1: true });

if (mode === '--broadcast') {
  const streams = new Set<Http2ServerResponse>();
  server.on('request', (req, res) => {
    if (req.method === 'GET') {
      streams.add(res);
      res.on('close', () => streams.delete(res));
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private' });
      res.write('\n');
      return;
    }
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const name = (JSON.parse(body) as { metadata: { name: string } }).metadata.name;
      const line = `${JSON.stringify({ type: 'ADDED', object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name, namespace: 'fanout' } } })}\n`;
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end('{}');
      for (const stream of streams) stream.write(line);
    });
  });
} else {
  const body = readFileSync(mode!);
  const length = String(body.length);
  server.on('request', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private', 'content-length': length });
    res.end(body);
  });
}

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`port=${typeof address === 'object' && address ? address.port : 0}\n`);
});

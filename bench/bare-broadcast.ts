// The physical-limit baseline for watch fan-out: a bare uWebSockets.js SSLApp
// that holds every GET open as a stream and, on each POST, writes one
// watch-event line to all of them: no storage, no actors, the same TLS.
// Run as its own process: node dist/bench/bare-broadcast.js <cert> <key>

import { loadNativeUws } from '../actors/listener/uws.js';
import type * as Uws from 'uWebSockets.js';

const [certFile, keyFile] = process.argv.slice(2);
const uws = loadNativeUws();
const streams = new Set<Uws.HttpResponse>();

uws
  .SSLApp({ cert_file_name: certFile!, key_file_name: keyFile! })
  .get('/*', (res) => {
    streams.add(res);
    res.onAborted(() => streams.delete(res));
    res.cork(() => {
      res.writeStatus('200 OK').writeHeader('content-type', 'application/json').writeHeader('cache-control', 'no-cache, private');
      // uWS sends the headers only with body bytes: a newline, as kubeactor's listener writes when a watch opens.
      res.write('\n');
    });
  })
  .post('/*', (res) => {
    let body = '';
    res.onAborted(() => undefined);
    res.onData((chunk, last) => {
      body += Buffer.from(chunk).toString('utf8');
      if (!last) return;
      const name = (JSON.parse(body) as { metadata: { name: string } }).metadata.name;
      const line = `${JSON.stringify({ type: 'ADDED', object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name, namespace: 'fanout' } } })}\n`;
      res.cork(() => res.writeStatus('201 Created').writeHeader('content-type', 'application/json').end('{}'));
      for (const stream of streams) stream.cork(() => stream.write(line));
    });
  })
  .listen('127.0.0.1', 0, (socket) => {
    if (!socket) process.exit(1);
    process.stdout.write(`port=${uws.us_socket_local_port(socket)}\n`);
  });

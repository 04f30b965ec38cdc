// The physical-limit baseline: a bare uWebSockets.js SSLApp that answers
// every request with the same bytes, with the same certificate as kubeactor.
// Run as its own process: node dist/bench/bare-uws.js <cert> <key> <body-file>

import { readFileSync } from 'node:fs';
import { loadNativeUws } from '../actors/listener/uws.js';

const [certFile, keyFile, bodyFile] = process.argv.slice(2);
const body = readFileSync(bodyFile!);
const uws = loadNativeUws();
uws
  .SSLApp({ cert_file_name: certFile!, key_file_name: keyFile! })
  .any('/*', (res) => {
    res.cork(() => {
      res.writeStatus('200 OK').writeHeader('content-type', 'application/json').writeHeader('cache-control', 'no-cache, private').end(body);
    });
  })
  .listen('127.0.0.1', 0, (socket) => {
    if (!socket) process.exit(1);
    process.stdout.write(`port=${uws.us_socket_local_port(socket)}\n`);
  });

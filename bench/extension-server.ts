// The benchmark's extension API server, in its own process: the specs'
// metrics.k8s.io server (spec/support/metrics-server.ts), trusting the
// request-header CA in the ConfigMap data given as JSON in argv[2], and, for
// the direct baseline, plain X-Remote-User headers. Prints `port <n>` and its
// CA bundle (base64) on one line once listening.

import { MetricsServer } from '../spec/support/metrics-server.js';

const authentication = JSON.parse(process.argv[2] ?? '{}') as Record<string, string>;
const server = await MetricsServer.start({
  authentication,
  service: { namespace: 'kube-system', name: 'metrics-server' },
  nodes: { 'node-1': { cpu: '250m', memory: '512Mi' } },
  pods: { default: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`web-${i}`, { cpu: `${100 + i}m`, memory: '64Mi' }])) },
  trustHeadersWithoutCertificate: true,
});
// Nothing to record in a benchmark: the list of seen requests would only grow.
server.seen.push = () => 0;
process.stdout.write(`port ${server.port} ${server.caBundle}\n`);
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));

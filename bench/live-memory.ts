// Live memory of a whole kubeactor over a data directory: started in this
// process, then measured after full garbage collections, so the figure is what
// the objects hold, not what the heap kept from loading them.
// Run as its own process: node --expose-gc dist/bench/live-memory.js <data-dir>

import { startServer } from '../harness/start-server.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const server = await startServer({ securePort: 0, dataDir: process.argv[2]!, quiet: true });
gc();
gc();
const { heapUsed, arrayBuffers } = process.memoryUsage();
process.stdout.write(`${JSON.stringify({ heapUsed, arrayBuffers })}\n`);
await server.stop();

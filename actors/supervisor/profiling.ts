// kube's /debug/pprof, with Node's inspector instead of Go's runtime/pprof:
//   /debug/pprof/profile?seconds=N   a CPU profile over N seconds (default 30), as a .cpuprofile
//                                    (Chrome DevTools' format; open it in DevTools or speedscope)
//   /debug/pprof/heap                a heap snapshot (.heapsnapshot)
// Authorized as non-resource URLs, so only callers granted them (system:masters, through
// cluster-admin) may take one; --profiling=false leaves both unserved, as in kube.
// Both are asynchronous: the supervisor keeps serving while a profile runs.

import { Session } from 'node:inspector';
import type { Clock } from '../../lib/clock.js';

export const PPROF_PATHS = /^\/debug\/pprof\/(profile|heap)$/;

/** Go's pprof default. */
const DEFAULT_SECONDS = 30;

export type ProfileRequest = { seconds: number } | { error: string };

/** The profile's duration from `?seconds=`, refused as Go's pprof refuses it when it would outlive the request. */
export function profileSeconds(query: Record<string, string>, requestTimeoutMs: number): ProfileRequest {
  const raw = query.seconds;
  const seconds = raw === undefined || raw === '' ? DEFAULT_SECONDS : Number(raw);
  if (!Number.isInteger(seconds) || seconds <= 0) return { error: 'bad seconds' };
  if (seconds * 1000 >= requestTimeoutMs) return { error: "profile duration exceeds server's WriteTimeout" };
  return { seconds };
}

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result as T))));
}

export async function cpuProfile(seconds: number, clock: Clock): Promise<string> {
  const session = new Session();
  session.connect();
  try {
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.start');
    await new Promise<void>((resolve) => clock.setTimeout(resolve, seconds * 1000));
    const { profile } = await post<{ profile: unknown }>(session, 'Profiler.stop');
    return JSON.stringify(profile);
  } finally {
    session.disconnect();
  }
}

export async function heapSnapshot(): Promise<string> {
  const session = new Session();
  session.connect();
  const chunks: string[] = [];
  session.on('HeapProfiler.addHeapSnapshotChunk', (message) => chunks.push((message.params as { chunk: string }).chunk));
  try {
    await post(session, 'HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    return chunks.join('');
  } finally {
    session.disconnect();
  }
}

// componentstatuses (core v1, deprecated since 1.19, still served by 1.33):
// not stored, but worked out at each read, as kube's componentstatus REST
// does. kube probes `controller-manager` on 127.0.0.1:10257, `scheduler` on
// 127.0.0.1:10259 (both HTTPS /healthz) and one `etcd-N` per storage server.
// Here the controller manager runs in this process (healthy while its
// controllers are on), the storage is the revision log (SQLite or etcd), and
// the scheduler port is probed for real: with no scheduler running, it is
// Unhealthy with Go's connection-refused wording, as kube 1.33 shows it.

import { request as httpsRequest } from 'node:https';
import type { KubeObject } from '../../protocol/kube/meta.js';
import type { ApiRequest, ResourceRequestInfo } from '../../protocol/messages/request.js';
import { jsonResponse, statusResponse } from '../../protocol/messages/http.js';
import { methodNotAllowed, type Status } from '../../protocol/kube/status.js';
import type { KindDescription } from '../../scheme/kind-description.js';
import { table } from '../store/table.js';

/** kube's warning on every read of the deprecated API. */
const DEPRECATION_WARNING = { warning: '299 - "v1 ComponentStatus is deprecated in v1.19+"' };

export const SCHEDULER_PORT = 10259;
const PROBE_TIMEOUT_MS = 2_000;

/** What a component's check found: probe.Success, Failure or Unknown in kube's terms. */
interface Probe {
  result: 'True' | 'False' | 'Unknown';
  message: string;
  error: string;
}

export interface Components {
  /** The storage's health: undefined when healthy, else why not; one entry per storage server (etcd-0, etcd-1, …). */
  storage: readonly (() => string | undefined)[];
  /** Whether kube-controller-manager's controllers run in this server. */
  controllersRunning: boolean;
  schedulerPort?: number;
}

/** An HTTPS GET of /healthz, as kube's HTTP prober reports it: any answer but 2xx/3xx, or none, is a failure. */
function probeHealthz(port: number): Promise<Probe> {
  const url = `https://127.0.0.1:${port}/healthz`;
  return new Promise((resolve) => {
    const req = httpsRequest(url, { rejectUnauthorized: false, timeout: PROBE_TIMEOUT_MS }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        const ok = (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 400;
        resolve({ result: ok ? 'True' : 'False', message: ok ? body : `HTTP probe failed with statuscode: ${res.statusCode}`, error: '' });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'ECONNREFUSED' ? `dial tcp 127.0.0.1:${port}: connect: connection refused` : e.message;
      resolve({ result: 'False', message: `Get "${url}": ${why}`, error: '' });
    });
    req.end();
  });
}

function componentStatus(name: string, probe: Probe): KubeObject {
  const condition: Record<string, string> = { type: 'Healthy', status: probe.result };
  if (probe.message) condition.message = probe.message;
  if (probe.error) condition.error = probe.error;
  return { kind: 'ComponentStatus', apiVersion: 'v1', metadata: { name, creationTimestamp: null }, conditions: [condition] } as unknown as KubeObject;
}

async function probeAll(components: Components): Promise<KubeObject[]> {
  const statuses: [string, Promise<Probe> | Probe][] = [
    ['controller-manager', components.controllersRunning
      ? { result: 'True', message: 'ok', error: '' }
      : probeHealthz(10257)],
    ['scheduler', probeHealthz(components.schedulerPort ?? SCHEDULER_PORT)],
    ...components.storage.map((check, i): [string, Probe] => {
      const why = check();
      return [`etcd-${i}`, why === undefined ? { result: 'True', message: 'ok', error: '' } : { result: 'False', message: '', error: why }];
    }),
  ];
  const objects = await Promise.all(statuses.map(async ([name, probe]) => componentStatus(name, await probe)));
  return objects.sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
}

/** GET of one component or LIST of all; every other verb is refused as kube's REST (get, list only) refuses it. */
export function serveComponentStatuses(request: ApiRequest, kind: KindDescription, components: Components): void {
  const info = request.info as ResourceRequestInfo;
  if (info.verb !== 'get' && info.verb !== 'list') return request.replyTo.send(statusResponse(request.id, methodNotAllowed()));
  void probeAll(components).then((objects) => {
    const selected = info.verb === 'get' ? objects.filter((o) => o.metadata.name === info.name) : objects;
    if (info.verb === 'get' && selected.length === 0) {
      // kube's REST returns a plain error here, which the API renders as an unknown-reason 500.
      const notFound: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `Component not found: ${info.name}`, reason: '', code: 500 };
      return request.replyTo.send(statusResponse(request.id, notFound, DEPRECATION_WARNING));
    }
    const shape = request.shape;
    if (shape.as === 'Table') return request.replyTo.send(jsonResponse(request.id, 200, table(kind, selected, shape, {}), DEPRECATION_WARNING));
    const body = info.verb === 'get' ? selected[0] : { kind: 'ComponentStatusList', apiVersion: 'v1', metadata: {}, items: selected };
    request.replyTo.send(jsonResponse(request.id, 200, body, DEPRECATION_WARNING));
  });
}

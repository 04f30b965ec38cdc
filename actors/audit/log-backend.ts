// kube's audit log backend: one JSON Event per line, appended to
// --audit-log-path ("-" is standard output).
//   blocking: each event is written before the request goes on (kube's default).
//   batch:    events are buffered and written together, when 400 are waiting,
//             a second after the first, or on flush (InFlightRequestsDrained, stop).

import { closeSync, openSync, writeSync } from 'node:fs';
import type { AuditEvent } from '../../protocol/kube/audit.js';
import type { Clock } from '../../lib/clock.js';

export type AuditLogMode = 'blocking' | 'batch';

const BATCH_MAX_SIZE = 400;
const BATCH_MAX_WAIT_MS = 1_000;

export class AuditLogBackend {
  private readonly fd: number;
  private buffered: string[] = [];
  private timer: unknown;

  constructor(path: string, private readonly mode: AuditLogMode, private readonly clock: Clock) {
    this.fd = path === '-' ? 1 : openSync(path, 'a', 0o600);
  }

  process(event: AuditEvent): void {
    const line = `${JSON.stringify(event)}\n`;
    if (this.mode === 'blocking') {
      writeSync(this.fd, line);
      return;
    }
    this.buffered.push(line);
    if (this.buffered.length >= BATCH_MAX_SIZE) this.flush();
    else if (this.timer === undefined) this.timer = this.clock.setTimeout(() => this.flush(), BATCH_MAX_WAIT_MS);
  }

  /** Writes whatever is buffered. */
  flush(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffered.length === 0) return;
    const text = this.buffered.join('');
    this.buffered = [];
    writeSync(this.fd, text);
  }

  close(): void {
    this.flush();
    if (this.fd !== 1) closeSync(this.fd);
  }
}

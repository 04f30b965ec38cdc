// HTTP/1.x over a raw TLS socket, byte for byte: for the specs that send what
// no well-behaved client library would (malformed request lines, split header
// blocks, repeated headers) and read exactly what came back.

import { connect, type TLSSocket } from 'node:tls';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export class RawConnection {
  private buffer = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  private ended = false;
  /** Resolves when the server closes the connection. */
  readonly closed: Promise<void>;

  private constructor(private readonly socket: TLSSocket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake?.();
    });
    this.closed = new Promise((resolve) => {
      const end = (): void => {
        this.ended = true;
        this.wake?.();
        resolve();
      };
      socket.on('close', end);
      socket.on('error', end);
    });
  }

  /** A TLS connection offering only HTTP/1.1 in ALPN. */
  static open(port: number, ca: Buffer): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, ca, ALPNProtocols: ['http/1.1'] }, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Writes each part as its own TLS record, `gapMs` apart, so the server reads them separately. */
  async writeInParts(parts: (string | Buffer)[], gapMs = 50): Promise<void> {
    for (const part of parts) {
      this.socket.write(part);
      await new Promise((r) => setTimeout(r, gapMs));
    }
  }

  /** Bytes received and not yet read as a response. */
  get unread(): string {
    return this.buffer.toString('latin1');
  }

  /**
   * The next response, read by its framing (Content-Length, chunked, or
   * until close); a HEAD response has no body. Rejects after `timeoutMs`
   * or when the connection closes before a whole response arrived.
   */
  async response(options: { head?: boolean; timeoutMs?: number } = {}): Promise<RawResponse> {
    const deadline = Date.now() + (options.timeoutMs ?? 3000);
    for (;;) {
      const parsed = this.parse(options.head ?? false);
      if (parsed) return parsed;
      if (this.ended) throw new Error(`connection closed before a whole response; received ${JSON.stringify(this.unread)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no whole response within ${options.timeoutMs ?? 3000} ms; received ${JSON.stringify(this.unread)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private parse(head: boolean): RawResponse | undefined {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const lines = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0]!)?.[1]);
    if (!status) throw new Error(`not a status line: ${JSON.stringify(lines[0])}`);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const bodyStart = end + 4;
    let bodyEnd: number;
    let body: string;
    if (head) {
      bodyEnd = bodyStart;
      body = '';
    } else if (headers['content-length'] !== undefined) {
      bodyEnd = bodyStart + Number(headers['content-length']);
      if (this.buffer.length < bodyEnd) return undefined;
      body = this.buffer.subarray(bodyStart, bodyEnd).toString('utf8');
    } else if (headers['transfer-encoding'] === 'chunked') {
      const chunks: Buffer[] = [];
      let at = bodyStart;
      for (;;) {
        const lineEnd = this.buffer.indexOf('\r\n', at);
        if (lineEnd < 0) return undefined;
        const size = parseInt(this.buffer.subarray(at, lineEnd).toString('latin1'), 16);
        if (this.buffer.length < lineEnd + 2 + size + 2) return undefined;
        if (size === 0) {
          bodyEnd = lineEnd + 4;
          break;
        }
        chunks.push(this.buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
      }
      body = Buffer.concat(chunks).toString('utf8');
    } else {
      if (!this.ended) return undefined;
      bodyEnd = this.buffer.length;
      body = this.buffer.subarray(bodyStart).toString('utf8');
    }
    this.buffer = this.buffer.subarray(bodyEnd);
    return { status, headers, body };
  }

  close(): void {
    this.socket.destroy();
  }
}

/** One request's bytes, written in one piece, and the one response it gets. */
export async function exchange(port: number, ca: Buffer, request: string | (string | Buffer)[], options: { head?: boolean; timeoutMs?: number } = {}): Promise<RawResponse & { closed: boolean }> {
  const connection = await RawConnection.open(port, ca);
  try {
    if (typeof request === 'string') connection.write(request);
    else await connection.writeInParts(request);
    const response = await connection.response(options);
    const closed = await Promise.race([connection.closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 200))]);
    return { ...response, closed };
  } finally {
    connection.close();
  }
}

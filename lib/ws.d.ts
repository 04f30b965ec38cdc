// The part of `ws` (the WebSocket client the proxy speaks to extension
// servers with) that kubeactor uses; the package ships no types of its own.

declare module 'ws' {
  import { EventEmitter } from 'node:events';
  import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
  import type { Duplex } from 'node:stream';
  import type { SecureContext } from 'node:tls';

  export interface ClientOptions {
    headers?: OutgoingHttpHeaders;
    perMessageDeflate?: boolean;
    maxPayload?: number;
    followRedirects?: boolean;
    secureContext?: SecureContext;
    rejectUnauthorized?: boolean;
    servername?: string;
    /** Specs' clients: the server's CA. */
    ca?: string | Buffer;
  }

  export class WebSocket extends EventEmitter {
    constructor(address: string, protocols?: string[], options?: ClientOptions);
    /** The subprotocol the server chose ('' for none). */
    readonly protocol: string;
    /** Bytes sent but not yet handed to the socket, and those the socket holds. */
    readonly bufferedAmount: number;
    send(data: Uint8Array, options: { binary: boolean }, written?: (error?: Error) => void): void;
    /** Stops (or goes on) reading the connection: no 'message' once what was read is handled. */
    pause(): void;
    resume(): void;
    readonly isPaused: boolean;
    readonly readyState: number;
    static readonly OPEN: number;
    close(code?: number): void;
    terminate(): void;
    on(event: 'open', listener: () => void): this;
    on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this;
    on(event: 'close', listener: (code: number) => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
    on(event: 'unexpected-response', listener: (request: ClientRequest, response: IncomingMessage) => void): this;
  }

  /** Specs' extension servers: a WebSocket endpoint on a server of their own. */
  export class WebSocketServer extends EventEmitter {
    constructor(options: { noServer: true; handleProtocols?: (protocols: Set<string>) => string | false });
    handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, done: (ws: WebSocket) => void): void;
    close(): void;
  }
}

// Replies to a request, sent to its `replyTo` (normally the listener).
// Sent by: any actor that serves or rejects a request.
// A watch is a stream: one `stream.open`, then `stream.chunk`s (one chunk can
// serve many watchers at once, encoded once), then `stream.close`.
// An upgraded connection is a tunnel: one `tunnel.open` (the 101's headers),
// then `tunnel.data` both ways (the listener sends the client's to the
// tunnel's peer), ended by `stream.close` from the peer or `stream.cancelled`
// from the listener. Each end tells the other `tunnel.paused` when its writer
// holds more than TUNNEL_HIGH_WATER_BYTES unsent, and `tunnel.resumed` once it
// has caught up, so a slow side holds the other's reader back.

export interface HttpResponse {
  type: 'http.response';
  id: number;
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | string;
}

export interface StreamOpen {
  type: 'stream.open';
  id: number;
  headers: Record<string, string>;
  /** Who to tell when the client goes away. */
  owner: { send(message: StreamCancelled): void };
  /**
   * Who to tell when the client stops reading and when it has caught up, for a stream whose source
   * can wait (a proxied watch): it pauses at `stream.paused` and resumes at `stream.resumed`.
   * Without it the listener buffers, and ends a stream that falls too far behind.
   */
  flow?: { send(message: StreamFlow): void };
}

export interface StreamChunk {
  type: 'stream.chunk';
  /** Every stream this chunk goes to. */
  ids: number[];
  chunk: Uint8Array;
}

export interface StreamClose {
  type: 'stream.close';
  id: number;
}

export interface TunnelOpen {
  type: 'tunnel.open';
  id: number;
  /** The upgrade answer's headers (101 Switching Protocols). */
  headers: Record<string, string>;
  /** Who gets the client's data, and `stream.cancelled` when the client goes away. */
  peer: { send(message: TunnelData | TunnelFlow | StreamCancelled): void };
}

export interface TunnelData {
  type: 'tunnel.data';
  id: number;
  data: Uint8Array;
  /** For a tunnel of WebSocket messages: a binary message, else text. Bytes tunnels ignore it. */
  binary: boolean;
}

/**
 * Sent by either end of a tunnel to the other (the listener to the peer, the peer to the request's replyTo):
 * `tunnel.paused` when what it writes to its side has backed up (stop reading yours), `tunnel.resumed` once
 * that has drained.
 */
export interface TunnelFlow {
  type: 'tunnel.paused' | 'tunnel.resumed';
  id: number;
}

/** How much a tunnel's writer holds unsent before it pauses the other side's reader. */
export const TUNNEL_HIGH_WATER_BYTES = 256 * 1024;

export type HttpReply = HttpResponse | StreamOpen | StreamChunk | StreamClose | TunnelOpen | TunnelData | TunnelFlow;

/** Sent by the listener to a stream's owner when the client disconnects or is too slow. */
export interface StreamCancelled {
  type: 'stream.cancelled';
  id: number;
  why: 'client-closed' | 'too-slow' | 'shutdown';
}

/** Sent by the listener to a stream's `flow` address: the transport buffered a chunk, or has sent what it buffered. */
export interface StreamFlow {
  type: 'stream.paused' | 'stream.resumed';
  id: number;
}

// Pure constructors for the common replies.

const JSON_TYPE = { 'content-type': 'application/json' };

export function jsonResponse(id: number, status: number, body: unknown, headers?: Record<string, string>): HttpResponse {
  const encoded = body instanceof Uint8Array || typeof body === 'string' ? body : JSON.stringify(body);
  return { type: 'http.response', id, status, headers: headers ? { ...JSON_TYPE, ...headers } : JSON_TYPE, body: encoded };
}

export function statusResponse(id: number, status: { code: number; details?: { retryAfterSeconds?: number } }, headers?: Record<string, string>): HttpResponse {
  const retryAfter = status.details?.retryAfterSeconds;
  const extra = retryAfter !== undefined ? { 'retry-after': String(retryAfter), ...headers } : headers;
  return jsonResponse(id, status.code, status, extra);
}

export function textResponse(id: number, status: number, body: string, headers?: Record<string, string>): HttpResponse {
  return { type: 'http.response', id, status, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', ...headers }, body };
}

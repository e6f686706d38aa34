/**
 * gRPC over HTTP/2, as much of it as go-plugin uses: unary calls, and streams that stay open and
 * silent until shutdown (GRPCStdio, GRPCBroker). Built on node:http2 directly: a general gRPC
 * server (grpc-js) spent ~250 µs of CPU per call on interceptors, call tracking and metadata, this
 * one ~150 µs (5,000 health checks, 10 at a time, on the project's machine), and terraform makes
 * three to four calls per resource in every command.
 *
 * The wire (grpc/PROTOCOL-HTTP2.md): a request is POST <path> with content-type application/grpc;
 * each message is a 5-byte prefix (compressed flag, big-endian length) and the bytes; the status
 * travels in trailers (grpc-status, grpc-message percent-encoded), or alone in the headers when
 * the call fails before any message (trailers-only).
 */
import * as http2 from 'node:http2';

/** gRPC status codes the provider answers with. */
export const Status = { OK: 0, NOT_FOUND: 5, RESOURCE_EXHAUSTED: 8, UNIMPLEMENTED: 12, INTERNAL: 13 } as const;

export interface GrpcMethod {
  /** e.g. /tfplugin6.Provider/PlanResourceChange */
  readonly path: string;
  readonly requestDeserialize: (bytes: Buffer) => unknown;
  readonly responseSerialize: (value: never) => Buffer;
}

/** One request, one response. A rejection with `code` answers with that status. */
export interface UnaryHandler { readonly kind: 'unary'; readonly method: GrpcMethod; readonly handle: (request: unknown) => Promise<unknown> }
/** A stream held open, its requests drained, until the server shuts down. */
export interface HeldStream { readonly kind: 'held'; readonly method: GrpcMethod }
export type Handler = UnaryHandler | HeldStream;

export interface GrpcTls {
  readonly keyPem: string;
  readonly certPem: string;
  /** The only client certificate accepted (go-plugin's AutoMTLS). */
  readonly clientCertPem: string;
}

/** Terraform sends messages as large as the state; go-plugin providers accept 256 MiB. */
export const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;
/** How much terraform may send before the provider acknowledges it, per stream and per connection. */
const WINDOW_BYTES = 4 * 1024 * 1024;

export class GrpcServer {
  private readonly handlers = new Map<string, Handler>();
  private readonly held = new Set<http2.ServerHttp2Stream>();
  private readonly sessions = new Set<http2.Http2Session>();
  private readonly server: http2.Http2Server | http2.Http2SecureServer;

  constructor(handlers: readonly Handler[], tls?: GrpcTls) {
    for (const h of handlers) this.handlers.set(h.method.path, h);
    const options: http2.ServerOptions = {
      // In MB: room for the largest message both ways (nghttp2's default of 10 would refuse a large state).
      maxSessionMemory: 1024,
      settings: { initialWindowSize: WINDOW_BYTES },
    };
    this.server = tls
      ? http2.createSecureServer({
        ...options, key: tls.keyPem, cert: tls.certPem, ca: tls.clientCertPem,
        requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2', ALPNProtocols: ['h2'],
      })
      : http2.createServer(options);
    this.server.on('session', (session) => {
      // The connection's window too (the setting above is each stream's): a large state arrives without a round trip per 64 KiB.
      session.setLocalWindowSize(WINDOW_BYTES);
      this.sessions.add(session);
      session.on('close', () => this.sessions.delete(session));
      session.on('error', () => undefined);
    });
    this.server.on('stream', (stream, headers) => this.onStream(stream, headers));
  }

  public listen(socketPath: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(socketPath, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** Ends the held streams, stops accepting, and calls `done` once every session has closed. */
  public shutdown(done: () => void): void {
    for (const stream of this.held) if (!stream.destroyed) stream.end();
    this.held.clear();
    this.server.close(() => done());
    for (const session of this.sessions) session.close();
  }

  private onStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    stream.on('error', () => undefined); // a stream reset by terraform: nothing to answer
    const handler = this.handlers.get(String(headers[':path']));
    if (!handler) return endWith(stream, Status.UNIMPLEMENTED, `unknown method ${String(headers[':path'])}`);
    if (handler.kind === 'held') {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': String(Status.OK) }));
      stream.on('data', () => undefined);
      this.held.add(stream);
      stream.on('close', () => this.held.delete(stream));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_MESSAGE_BYTES + 5) {
        endWith(stream, Status.RESOURCE_EXHAUSTED, `request larger than ${MAX_MESSAGE_BYTES} bytes`);
        return;
      }
      chunks.push(chunk);
    });
    stream.on('end', () => {
      if (stream.headersSent) return;
      let request: unknown;
      try {
        request = handler.method.requestDeserialize(firstMessage(Buffer.concat(chunks, size)));
      } catch (e) {
        return endWith(stream, e instanceof Unsupported ? Status.UNIMPLEMENTED : Status.INTERNAL, messageOf(e));
      }
      handler.handle(request).then((response) => {
        let framed: Buffer;
        try {
          framed = frame((handler.method.responseSerialize as (v: unknown) => Buffer)(response));
        } catch (e) {
          return endWith(stream, Status.INTERNAL, `cannot encode the response: ${messageOf(e)}`);
        }
        if (!open(stream)) return;
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': String(Status.OK) }));
        stream.end(framed);
      }, (e: { code?: unknown }) => endWith(stream, statusOf(e), messageOf(e)))
        // A stream terraform reset meanwhile: nobody to answer, and no reason to end the provider.
        .catch(() => undefined);
    });
  }
}

/** The one message of a unary request's body. */
export function firstMessage(body: Buffer): Buffer {
  if (body.length < 5) throw new Error('the request carries no message');
  if (body[0] !== 0) throw new Unsupported('compressed messages are not supported');
  const length = body.readUInt32BE(1);
  if (body.length < 5 + length) throw new Error('the request\'s message is cut short');
  return body.subarray(5, 5 + length);
}

/** A message as gRPC sends it: uncompressed, its length before it. */
export function frame(message: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  message.copy(out, 5);
  return out;
}

/** grpc-message: UTF-8, each byte outside printable ASCII and "%" itself percent-encoded (as the spec says; some clients decode no more). */
export function grpcMessage(text: string): string {
  let out = '';
  for (const b of Buffer.from(text, 'utf8')) out += b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/** A request in a form this server does not take (UNIMPLEMENTED, not INTERNAL). */
class Unsupported extends Error {}

const messageOf = (e: unknown) => String((e as Error)?.message ?? e);

/** An error's gRPC status: its own when it carries one (pg's SQLSTATEs and Node's error codes are strings, not statuses). */
const statusOf = (e: { code?: unknown }) => (Number.isInteger(e?.code) && (e.code as number) > 0 && (e.code as number) <= 16 ? e.code as number : Status.INTERNAL);

/** Whether the stream can still be answered. */
const open = (stream: http2.ServerHttp2Stream) => !stream.destroyed && !stream.closed && !stream.headersSent;

/** Ends a call that sent nothing yet with a status alone (trailers-only). */
function endWith(stream: http2.ServerHttp2Stream, code: number, message: string): void {
  if (!open(stream)) return;
  stream.respond({
    ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(code), 'grpc-message': grpcMessage(message),
  }, { endStream: true });
}

/**
 * The provider's gRPC server (provider/protocol/grpc-server.ts) as a stock gRPC client (grpc-js)
 * sees it: answers, statuses and their messages, large messages, streams held until shutdown.
 * terraform's own client (grpc-go) is exercised by every test that runs terraform.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { serviceDefinition } from '../provider/protocol/descriptors';
import { GrpcServer, Status, firstMessage, frame, grpcMessage } from '../provider/protocol/grpc-server';

describe('gRPC framing', () => {
  it('frames a message with its length and reads it back', () => {
    const message = Buffer.from('hello');
    expect([...frame(message).subarray(0, 5)]).toEqual([0, 0, 0, 0, 5]);
    expect(firstMessage(frame(message)).toString()).toBe('hello');
    expect(firstMessage(frame(Buffer.alloc(0))).length).toBe(0);
  });

  it('refuses bodies without a whole uncompressed message, saying why', () => {
    expect(() => firstMessage(Buffer.alloc(0))).toThrow('the request carries no message');
    expect(() => firstMessage(Buffer.from([1, 0, 0, 0, 0]))).toThrow('compressed messages are not supported');
    expect(() => firstMessage(Buffer.from([0, 0, 0, 0, 9, 1]))).toThrow('cut short');
  });

  it('percent-encodes status messages so any text survives a header', () => {
    expect(grpcMessage('100% "t": naïve\nnext')).toBe('100%25 "t": na%C3%AFve%0Anext');
    expect(grpcMessage('a\nb')).not.toMatch(/\n/);
  });
});

describe('GrpcServer with a stock gRPC client', () => {
  const dir = mkdtempSync(join(tmpdir(), 'grpc-server-'));
  const socket = join(dir, 's.sock');
  const health = serviceDefinition('grpc.health.v1.Health');
  const stdio = serviceDefinition('plugin.GRPCStdio');
  const controller = serviceDefinition('plugin.GRPCController');
  let server: GrpcServer;
  let client: grpc.Client;
  let received = '';

  beforeAll(async () => {
    server = new GrpcServer([
      {
        kind: 'unary', method: health.Check,
        handle: async (req) => {
          const service = String((req as { service?: string }).service ?? '');
          received = service;
          if (service === 'fail') throw Object.assign(new Error('100% broken: "naïve"\nsee the log'), { code: Status.NOT_FOUND });
          if (service === 'crash') throw new Error('no code');
          if (service === 'pg') throw Object.assign(new Error('terminating connection'), { code: '57P01' });
          // Answers that differ by request, so one given to the wrong call shows.
          return { status: service.endsWith('odd') ? 'NOT_SERVING' : 'SERVING' };
        },
      },
      {
        kind: 'unary', method: { ...controller.Shutdown, responseSerialize: () => { throw new Error('bad response'); } },
        handle: async () => ({}),
      },
      { kind: 'held', method: stdio.StreamStdio },
    ]);
    await server.listen(socket);
    const Ctor = grpc.makeGenericClientConstructor({ ...health, ...stdio, ...controller }, 'test');
    client = new Ctor(`unix:${socket}`, grpc.credentials.createInsecure());
  });
  let closed: Promise<void> | undefined;
  afterAll(async () => {
    client.close();
    await (closed ?? new Promise<void>((ok) => server.shutdown(ok)));
    rmSync(dir, { recursive: true, force: true });
  });

  const check = (service: string) => new Promise<Record<string, unknown>>((ok, fail) =>
    (client as unknown as Record<string, Function>).Check({ service }, (err: Error | null, res: Record<string, unknown>) => (err ? fail(err) : ok(res))));

  it('answers a unary call', async () => {
    expect(await check('plugin')).toEqual({ status: 1 });
  });

  it('answers many calls at once, each with its own answer', async () => {
    const names = Array.from({ length: 50 }, (_, i) => `s${i}${i % 2 ? 'odd' : ''}`);
    expect(await Promise.all(names.map((n) => check(n)))).toEqual(names.map((n) => ({ status: n.endsWith('odd') ? 2 : 1 })));
  });

  it('takes a request of several megabytes', async () => {
    const big = 'x'.repeat(8 * 1024 * 1024);
    expect(await check(big)).toEqual({ status: 1 });
    expect(received.length).toBe(big.length);
  });

  it('fails a call with the handler\'s status code and its message intact', async () => {
    await expect(check('fail')).rejects.toMatchObject({ code: Status.NOT_FOUND, details: '100% broken: "naïve"\nsee the log' });
    await expect(check('crash')).rejects.toMatchObject({ code: Status.INTERNAL, details: 'no code' });
    // A code that is not a gRPC status (a SQLSTATE) is INTERNAL, not a malformed grpc-status.
    await expect(check('pg')).rejects.toMatchObject({ code: Status.INTERNAL, details: 'terminating connection' });
  });

  it('answers a response it cannot encode with INTERNAL, and keeps serving', async () => {
    await expect(new Promise((ok, fail) => (client as unknown as Record<string, Function>).Shutdown({}, (err: Error | null, res: unknown) => (err ? fail(err) : ok(res)))))
      .rejects.toMatchObject({ code: Status.INTERNAL, details: 'cannot encode the response: bad response' });
    expect(await check('plugin')).toEqual({ status: 1 });
  });

  it('answers a method it does not serve with UNIMPLEMENTED', async () => {
    const Other = grpc.makeGenericClientConstructor(serviceDefinition('tfplugin6.Provider'), 'other');
    const other = new Other(`unix:${socket}`, grpc.credentials.createInsecure());
    try {
      await expect(new Promise((ok, fail) => (other as unknown as Record<string, Function>).GetMetadata({}, (err: Error | null, res: unknown) => (err ? fail(err) : ok(res)))))
        .rejects.toMatchObject({ code: Status.UNIMPLEMENTED });
    } finally {
      other.close();
    }
  });

  it('holds a stream open until shutdown, then ends it with OK and closes', async () => {
    const stream = (client as unknown as Record<string, Function>).StreamStdio({}) as grpc.ClientReadableStream<unknown>;
    const ended = new Promise<grpc.StatusObject>((ok) => stream.on('status', ok));
    stream.on('data', () => undefined);
    let settled = false;
    void ended.then(() => { settled = true; });
    await check('plugin'); // the stream is open meanwhile
    expect(settled).toBe(false);
    closed = new Promise<void>((ok) => server.shutdown(ok));
    expect((await ended).code).toBe(Status.OK);
    client.close();
    await closed;
  });
});

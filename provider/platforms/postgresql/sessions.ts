/**
 * The database sessions this provider process has open, so that a provider whose terraform is
 * gone can end them at once. Closing the socket is not enough: a session waiting on a lock (or
 * on the transactions a replication slot waits for) does not read from its client until the wait
 * is over, so it would hold its place in the lock queue, and its advisory locks, until then. A
 * cancel request ends the wait; the session then finds its client gone and ends.
 */
import * as net from 'node:net';

/** What a node-postgres Client knows about its session once connected. */
export interface TrackedSession {
  readonly host: string;
  readonly port: number;
  /** The server's backend pid and cancel key (BackendKeyData); null until connected. */
  readonly processID?: number | null;
  readonly secretKey?: number | null;
  once(event: 'end', listener: () => void): unknown;
}

const open = new Set<TrackedSession>();

/** Remembers a connected session until it ends. */
export function trackSession(session: TrackedSession): void {
  open.add(session);
  session.once('end', () => open.delete(session));
}

/** The protocol's CancelRequest: length 16, code 80877102, backend pid, cancel key. */
export function cancelRequest(processID: number, secretKey: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeInt32BE(16, 0);
  b.writeInt32BE(80877102, 4);
  b.writeUInt32BE(processID >>> 0, 8); // node-postgres reads both as signed int32s
  b.writeUInt32BE(secretKey >>> 0, 12);
  return b;
}

/** Asks the server of every open session to cancel what it runs; resolves when sent, or after `withinMs`. */
export async function cancelOpenSessions(withinMs: number): Promise<void> {
  const sends = [...open].map((s) => sendCancel(s, withinMs));
  await Promise.all(sends);
}

function sendCancel(s: TrackedSession, withinMs: number): Promise<void> {
  if (s.processID == null || s.secretKey == null) return Promise.resolve();
  const request = cancelRequest(s.processID, s.secretKey);
  return new Promise((resolve) => {
    // A host that starts with / is a unix socket folder, as in libpq.
    const socket = s.host.startsWith('/')
      ? net.connect(`${s.host}/.s.PGSQL.${s.port}`)
      : net.connect(s.port, s.host);
    const done = () => {
      socket.destroy();
      resolve();
    };
    socket.setTimeout(withinMs, done);
    socket.on('error', done);
    socket.on('connect', () => socket.end(request));
    socket.on('close', done);
  });
}

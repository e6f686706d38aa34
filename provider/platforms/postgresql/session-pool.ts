/**
 * The sessions of one platform that the provider process keeps between steps. Each step of a
 * route or a protection runs on a session of its own (terraform applies resources in parallel),
 * and opening one costs a login (SCRAM, a server process, the session's settings): about ten per
 * route change. A step's session goes back here when the step is done and serves the next one.
 *
 * A session comes back clean or not at all: its transaction rolled back, its settings reset to
 * the provider's (cleanStatement), its advisory locks released; a step that failed, or a session
 * whose cleaning failed, is closed instead (it may be in the middle of anything). At most `maxIdle`
 * wait, each closed after `idleMs` unused, all when the provider stops. Idle sessions are still
 * tracked (sessions.ts): a provider whose terraform is gone cancels and ends them with the rest.
 */
import { Client } from 'pg';

export interface SessionPoolOptions {
  /** How many unused sessions wait for the next step. @default 10 */
  readonly maxIdle?: number;
  /** How long an unused session waits before it is closed, in milliseconds. @default 10000 */
  readonly idleMs?: number;
}

/** The defaults of SessionPoolOptions. */
export const DEFAULT_MAX_IDLE = 10;
export const DEFAULT_IDLE_MS = 10_000;

/**
 * What returns a session to the state `open` left it in, as one round trip: ROLLBACK ends a
 * transaction a step left open (outside one it only warns), RESET ALL undoes its SETs (the
 * startup parameters stay), pg_advisory_unlock_all its session-level advisory locks; then the
 * provider's own settings again.
 */
export function cleanStatement(settings: readonly string[]): string {
  return ['ROLLBACK', 'RESET ALL', 'SELECT pg_catalog.pg_advisory_unlock_all()', ...settings].join('; ');
}

interface Idle { readonly db: Client; readonly timer: NodeJS.Timeout }

export class SessionPool {
  private idle: Idle[] = [];
  private closed = false;
  /** Sessions that ended or failed outside a step (the server ended them, the network dropped). */
  private readonly broken = new WeakSet<Client>();
  private readonly watched = new WeakSet<Client>();
  private readonly maxIdle: number;
  private readonly idleMs: number;

  constructor(
    private readonly open: () => Promise<Client>,
    /** The statements `open` runs on a new session (SET ...), run again when a session comes back. */
    private readonly settings: readonly string[],
    options: SessionPoolOptions = {},
  ) {
    this.maxIdle = options.maxIdle ?? DEFAULT_MAX_IDLE;
    this.idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
  }

  /** Runs `work` on a session of its own: an idle one, or a new one. */
  public async use<T>(work: (db: Client) => Promise<T>): Promise<T> {
    const db = this.take() ?? await this.open();
    let result: T;
    try {
      result = await work(db);
    } catch (e) {
      end(db);
      throw e;
    }
    // Awaited (one round trip): the caller's next step finds the session waiting.
    await this.giveBack(db);
    return result;
  }

  /** How many sessions wait unused now. */
  public idleCount(): number {
    return this.idle.length;
  }

  /** Closes the idle sessions; sessions in use are closed when their step is done. */
  public async close(): Promise<void> {
    this.closed = true;
    const idle = this.idle;
    this.idle = [];
    await Promise.all(idle.map(({ db, timer }) => {
      clearTimeout(timer);
      return db.end().catch(() => undefined);
    }));
  }

  private take(): Client | undefined {
    const found = this.idle.pop();
    if (!found) return undefined;
    clearTimeout(found.timer);
    return found.db;
  }

  private async giveBack(db: Client): Promise<void> {
    if (this.closed || this.broken.has(db) || this.idle.length >= this.maxIdle) return end(db);
    this.watch(db);
    try {
      await db.query(cleanStatement(this.settings));
    } catch {
      return end(db);
    }
    if (this.closed || this.broken.has(db) || this.idle.length >= this.maxIdle) return end(db);
    const timer = setTimeout(() => {
      this.idle = this.idle.filter((i) => i.db !== db);
      end(db);
    }, this.idleMs);
    // An idle session must not keep the provider process alive.
    timer.unref();
    this.idle.push({ db, timer });
  }

  /** A session that drops while it waits leaves the pool at once: it must not be handed out. */
  private watch(db: Client): void {
    if (this.watched.has(db)) return;
    this.watched.add(db);
    const gone = () => {
      this.broken.add(db);
      const found = this.idle.find((i) => i.db === db);
      if (found) clearTimeout(found.timer);
      this.idle = this.idle.filter((i) => i.db !== db);
    };
    db.on('error', gone);
    db.once('end', gone);
  }
}

function end(db: Client): void {
  void db.end().catch(() => undefined);
}

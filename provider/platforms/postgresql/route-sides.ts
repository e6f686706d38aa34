/**
 * The two sides of a sync route and how a failed step is reported: always naming the platform
 * that actually failed. A step run on one side may touch the other (a settle reads the
 * authority's rows while it writes the copy's), and the copy's server itself connects to the
 * authority (CREATE SUBSCRIPTION, REFRESH, DROP SUBSCRIPTION): a refusal there is the authority
 * being unreachable as seen from the copy, and says so.
 */
import { Client } from 'pg';
import { Diagnostic, DiagnosticError } from '../../framework';
import { PlatformUnreachableError } from '../errors';
import type { PostgresConnection } from './connection';
import { Run, runOn } from './catalog';

export type Side = 'authority' | 'copy';

/** An error raised on `side`'s connection inside a step that runs on the other side. */
export class SideError extends Error {
  constructor(public readonly side: Side, public readonly cause: unknown) {
    super((cause as Error)?.message ?? String(cause));
  }
}

/** A query runner on `db` whose errors say they happened on `side`. */
export function marked(side: Side, db: Client): Run {
  return markedRun(side, runOn(db));
}

/** `run`, its errors saying they happened on `side`. */
export function markedRun(side: Side, run: Run): Run {
  return async (sql, params, name) => {
    try {
      return await run(sql, params, name);
    } catch (e) {
      throw new SideError(side, e);
    }
  };
}

/** SQLSTATEs of a server going away or refusing connections: admin/crash shutdown, cannot connect now, connection exceptions. */
const GONE_CODES = /^(57P0[1-3]|08...)$/;

interface ErrorText { message: string; code?: string; detail?: string; hint?: string }

/** What went wrong, in the platform's words, and which side it was. */
export function failure(o: {
  side: Side; doing: string; error: unknown;
  authority: string; copy: string;
  /** Scrubs passwords from text. */
  scrub: (s: string) => string;
  advice?: (e: unknown) => string | undefined;
}): Diagnostic {
  let side = o.side;
  let e = o.error;
  if (e instanceof SideError) {
    side = e.side;
    e = e.cause;
  }
  const err = e as ErrorText;
  // An unreachable platform names itself (the connection that failed is that platform's).
  if (e instanceof PlatformUnreachableError && (e.platform === o.authority || e.platform === o.copy)) {
    const which: Side = e.platform === o.authority ? 'authority' : 'copy';
    return { severity: 'error', summary: `Platform "${e.platform}" is unreachable`, detail: o.scrub(e.message), attribute: [which] };
  }
  const name = side === 'authority' ? o.authority : o.copy;
  const text = `${o.scrub(err.message ?? String(e))}${err.detail ? ` (${o.scrub(err.detail)})` : ''}${err.hint ? ` (hint: ${o.scrub(err.hint)})` : ''}`;
  if (side === 'copy' && /could not connect to (the )?publisher/i.test(err.message ?? '')) {
    return {
      severity: 'error',
      summary: `Platform "${o.authority}" (the authority) is unreachable from "${o.copy}" (the copy): the copy could not ${o.doing}`,
      detail: `${text}. The copy's server connects to ${o.authority} itself, at the host and port of its provider configuration ` +
        '(replication_host and replication_port when set). Check that it runs, is reachable from the copy\'s server, and has a WAL ' +
        'sender free (max_wal_senders) and a pg_hba.conf entry for replication connections from there.',
      attribute: ['authority'],
    };
  }
  if (/Connection terminated|connection.*(closed|ended)|not queryable|ECONNRESET|EPIPE/i.test(err.message ?? '') || GONE_CODES.test(err.code ?? '')) {
    return {
      severity: 'error',
      summary: `Platform "${name}" (the ${side}) went away while the provider was to ${o.doing}`,
      detail: `${text}. The server stopped or dropped the connection. Check that it runs, and apply again: the next apply continues from what exists.`,
      attribute: [side],
    };
  }
  const advice = o.advice?.(e);
  return {
    severity: 'error',
    summary: `Platform "${name}" (the ${side}) refused to ${o.doing}`,
    detail: `${text}.${advice ? ` ${advice}` : ''}`,
    attribute: [side],
  };
}

/** The two platforms of a route, each step's failures reported against the side that failed. */
export class RouteSides {
  constructor(public readonly authority: PostgresConnection, public readonly copy: PostgresConnection) {}

  public pg(side: Side): PostgresConnection {
    return side === 'authority' ? this.authority : this.copy;
  }

  /** One query on a side's shared connection. */
  public run(side: Side): Run {
    return (sql, params, name) => this.pg(side).query(sql, params, name);
  }

  public version(side: Side): Promise<number> {
    return this.on(side, 'read its version', () => this.pg(side).serverVersion());
  }

  /** Text with both platforms' passwords blanked out. */
  public scrub(s: string): string {
    return this.authority.redact(this.copy.redact(s));
  }

  /** Runs a step on one side; failures become a diagnostic naming the platform that failed, password scrubbed. */
  public async on<T>(side: Side, doing: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      if (e instanceof DiagnosticError) throw e;
      const pg = this.pg(e instanceof SideError ? e.side : side);
      throw new DiagnosticError(failure({
        side, doing, error: e, authority: this.authority.name, copy: this.copy.name,
        scrub: (s) => this.scrub(s), advice: (x) => pg.adviceFor(x),
      }));
    }
  }
}

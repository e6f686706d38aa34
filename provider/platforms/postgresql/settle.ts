/**
 * Settling a route as it starts: the pair's receiver paused, the copy's differing values of the
 * starting route's columns replaced once (reconcile.ts), the receiver resumed. The
 * subscription's comment names the settle while it runs, so one cut short is finished by the
 * next apply of any route of the pair.
 */
import { Client, escapeIdentifier, escapeLiteral } from 'pg';
import { DiagnosticError } from '../../framework';
import { Comparison, Divergence, FieldLocation, RouteMapping } from '../adapter';
import { inTransaction } from './connection';
import { Run } from './catalog';
import { SETTLE_COLUMNS, SETTLE_MARKER } from './guard-sql';
import { compareRows, compareStatements } from './reconcile';
import { markedRun } from './route-sides';
import { asOwner } from './owner-run';
import {
  RouteEntry, commentRefused, divergenceProblem, entriesOf, isObject, nameProblem, namesProblem, parsedJson, readRegistry,
} from './route-registry';

/** What a settle needs, kept in the subscription's comment while it runs. */
export interface SettleSpec {
  readonly location: FieldLocation;
  readonly key: string[];
  readonly fields: string[];
  readonly divergence: Divergence;
  /** The settling route's key (absent in settles recorded before routes had keys). */
  readonly routeKey?: string;
  /** A mapped route's delivery on the copy (checked against the installed mapping before a cut-short settle is finished). */
  readonly mapping?: RouteMapping;
}

const SETTLING = ' Settling: ';

export function subscriptionComment(authority: string, settling?: SettleSpec): string {
  return `Managed by authority: receives the governed columns of each routed table from ${authority}.${settling ? `${SETTLING}${JSON.stringify(settling)}` : ''}`;
}

/**
 * How the settle's transaction writes the copy's table `tableOid`: as the replication apply worker
 * does (session_replication_role = replica: the copy's ordinary triggers stay off), and marked as
 * the provider's settle of that table (SETTLE_MARKER), which the guard, firing always, lets through
 * only in a replica session logged in as the provider's user or a superuser.
 */
export function settleSettings(tableOid: number, columns: readonly string[]): string[] {
  return [
    'SET LOCAL session_replication_role = replica',
    `SET LOCAL ${SETTLE_MARKER} = ${escapeLiteral(String(tableOid))}`,
    `SET LOCAL ${SETTLE_COLUMNS} = ${escapeLiteral(JSON.stringify(columns))}`,
  ];
}

/** Clears the pending settle from the subscription's comment and switches the receiver on, in one step. */
export function resume(db: Client, name: string, authority: string): Promise<void> {
  const q = escapeIdentifier(name);
  return inTransaction(db, [
    `COMMENT ON SUBSCRIPTION ${q} IS ${escapeLiteral(subscriptionComment(authority))}`,
    `ALTER SUBSCRIPTION ${q} ENABLE`,
  ]);
}

/** Names the settle in the subscription's comment and pauses the receiver. */
export async function markAndPause(db: Client, name: string, authority: string, spec: SettleSpec): Promise<void> {
  await db.query(`COMMENT ON SUBSCRIPTION ${escapeIdentifier(name)} IS ${escapeLiteral(subscriptionComment(authority, spec))}`);
  await pause(db, name);
}

/**
 * The settle the subscription's comment says is under way, if any. A settle writes the copy with
 * replica rights, and anyone who may comment on the subscription can edit the comment: so it is
 * taken only when it has the shape the provider writes and names a table and columns that the
 * pair's registry (on the authority, `authority`) lists; otherwise a diagnostic says what to do.
 */
export async function pendingSettle(query: Run, name: string, authority: Run): Promise<SettleSpec | undefined> {
  const found = await query<{ comment: string | null }>(
    `SELECT obj_description(oid, 'pg_subscription') AS comment FROM pg_subscription
      WHERE subname = $1 AND subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())`, [name]);
  const comment = found.rows[0]?.comment ?? '';
  const at = comment.indexOf(SETTLING);
  if (at < 0) return undefined;
  const value = parsedJson(comment.slice(at + SETTLING.length));
  const problem = settleSpecProblem(value) ??
    settleRegistryProblem(value as SettleSpec, (await readRegistry(authority, name))?.entries ?? []);
  if (problem) throw new DiagnosticError(commentRefused('subscription', name, 'the copy', `the settle it names ${problem}`));
  return value as SettleSpec;
}

/** What is wrong with a settle read from a comment, or undefined when it has the shape the provider writes. */
export function settleSpecProblem(v: unknown): string | undefined {
  if (!isObject(v)) return 'is not an object with location, key, fields and divergence';
  const loc = v.location;
  if (!isObject(loc)) return 'has no location';
  return nameProblem(loc.namespace, 'schema') ?? nameProblem(loc.container, 'table') ?? namesProblem(v.key, 'key columns') ??
    namesProblem(v.fields, 'fields') ?? divergenceProblem(v.divergence) ??
    (v.routeKey === undefined || typeof v.routeKey === 'string' ? undefined : 'has a route key that is not a string');
}

/**
 * What is wrong with a well-formed settle against the pair's registry: it must be of a route the
 * registry lists on that table (by key, when it names one) whose columns include every field.
 */
export function settleRegistryProblem(spec: SettleSpec, entries: readonly RouteEntry[]): string | undefined {
  const routes = entriesOf(entries, spec.location).filter((e) => spec.routeKey === undefined || e.key === spec.routeKey);
  const where = `${spec.location.namespace}.${spec.location.container}`;
  if (routes.length === 0) return `is of ${where}${spec.routeKey !== undefined ? ` (route "${spec.routeKey}")` : ''}, which the pair's registry does not route`;
  const routed = new Set(routes.flatMap((r) => r.columns));
  const extra = spec.fields.filter((f) => !routed.has(f));
  return extra.length ? `writes ${extra.join(', ')} on ${where}, which no route of the pair carries there` : undefined;
}

/** Switches the subscription off and waits until its receiver has stopped applying changes. */
export async function pause(db: Client, name: string): Promise<void> {
  await db.query(`ALTER SUBSCRIPTION ${escapeIdentifier(name)} DISABLE`);
  for (const started = Date.now(); ; await new Promise((resolve) => setTimeout(resolve, 100))) {
    const running = await db.query('SELECT 1 FROM pg_stat_subscription WHERE subname = $1 AND pid IS NOT NULL', [name]);
    if (!running.rowCount) return;
    if (Date.now() - started > 30_000) throw new Error(`the receiver of subscription "${name}" did not stop within 30 s of ALTER SUBSCRIPTION ... DISABLE`);
  }
}

/**
 * Writes the authority's values into the copy's differing rows of the spec's columns, in one
 * transaction on the copy. Errors on the authority's connection say they are the authority's.
 */
export function settleRows(authorityDb: Client, copyDb: Client, spec: SettleSpec): Promise<Comparison> {
  return asTableOwner(authorityDb, spec.location, (authority) => settleAsOwner(authority, copyDb, spec), compareStatements(compared(spec, true)).authority);
}

/** What compareRows and compareStatements take of a spec. */
export function compared(spec: SettleSpec, settle: boolean) {
  return { location: spec.location, key: spec.key, fields: spec.fields, rule: spec.divergence, settle };
}

async function settleAsOwner(authority: Run, copyDb: Client, spec: SettleSpec): Promise<Comparison> {
  const table = await tableOf(copyDb, spec.location);
  await copyDb.query('BEGIN');
  try {
    for (const setting of settleSettings(table.oid, spec.fields)) {
      await copyDb.query(setting).catch((e: Error) => {
        throw new Error(`${e.message}: settling diverged values writes as replication does, which takes a superuser or SET on ` +
          'session_replication_role (GRANT SET ON PARAMETER session_replication_role TO ...), or declare divergence manual_review');
      });
    }
    // The write runs as the table's owner, as PostgreSQL 16+ runs its own apply workers: triggers the
    // owner put on the table then run with the owner's rights, not the provider's (owner-run.ts).
    const comparison = compared(spec, true);
    return await asOwner(copyDb, table.ownerOid, (copy) => compareRows({ authority: markedRun('authority', authority), copy, ...comparison }),
      { commits: true, statements: compareStatements(comparison).copy });
  } catch (e) {
    await copyDb.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/**
 * Runs `work` in a transaction on `db` whose statements run as the owner of the table at `loc`
 * (the provider's user must be able to act as it: plan checks), so that what the owner defined
 * for it (casts to json, domain checks, triggers) never runs with the provider's rights. The
 * transaction begins with the first statement `work` runs (`statements`: see AsOwnerOptions).
 */
export async function asTableOwner<T>(db: Client, loc: FieldLocation, work: (run: Run) => Promise<T>, statements?: readonly string[]): Promise<T> {
  const { ownerOid } = await tableOf(db, loc);
  try {
    return await asOwner(db, ownerOid, work, { begins: true, commits: true, statements });
  } catch (e) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** The table's oid and owner. */
async function tableOf(db: Client, loc: FieldLocation): Promise<{ oid: number; ownerOid: number }> {
  const found = await db.query<{ oid: number; ownerOid: string }>(
    `SELECT c.oid, c.relowner::pg_catalog.int8 AS "ownerOid" FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`, [loc.namespace, loc.container]);
  if (!found.rowCount) throw new Error(`table ${loc.namespace}.${loc.container} does not exist`);
  return { oid: found.rows[0].oid, ownerOid: Number(found.rows[0].ownerOid) }; // int8 comes as text
}

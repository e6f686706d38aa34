/**
 * What a PostgreSQL platform itself says about the facts it holds, for SQL users and BI tools:
 *
 * - `authority_catalog.facts`, a read-only view (SELECT granted to PUBLIC): schema, table, column, fact,
 *   role (authority or copy), the authority, what people may do there and the correction path;
 * - on a copy, each protected column's comment names the authority and the correction path
 *   (comment-sql.ts).
 *
 * Both are kept by the field protections, in the transaction that installs or removes the guard:
 * the view reads a registry table (`authority_catalog.fact_registry`, not granted to anyone) with one row
 * per protected column, which also records the comment each column had before, restored exactly
 * (NULL: no comment) when the protection goes. The last protection on the platform removes the
 * view, the registry and the schema (when nothing else is in it).
 *
 * One advisory lock orders them: a protection's rows change under it shared (protections of
 * different tables at once: their rows differ, and those of one table wait on the table's lock
 * anyway), creating or dropping the schema, registry and view under it exclusive (so parallel
 * applies cannot both create the schema, and none writes a row while the registry goes). Taken
 * exclusive for every change, it made a domain's protections install and go one at a time.
 */
import { Client, QueryResult } from 'pg';
import { Diagnostic } from '../../framework';
import { FieldLocation, FieldProtection } from '../adapter';
import { Run, runOn } from './catalog';
import { columnCommentText, commentOnColumnSql } from './comment-sql';
import { lit, tableRef } from './guard-sql';
import { schemaTrustStatement } from './schema-trust';

/** Not "authority": a schema named like a role is first on that role's default search_path ("$user"), and would catch its unqualified CREATEs. */
export const FACTS_SCHEMA = 'authority_catalog';
export const FACTS_VIEW = `${FACTS_SCHEMA}.facts`;
export const FACTS_REGISTRY = `${FACTS_SCHEMA}.fact_registry`;
let factsTrustStatement: string | undefined;
/**
 * Refuses a facts schema, registry or view someone else created first (schema-trust.ts). Made on
 * first use: building it quotes with `pg`, which a provider start that never reaches a database need not load.
 */
const factsTrust = () => (factsTrustStatement ??= schemaTrustStatement(FACTS_SCHEMA, ['fact_registry', 'facts']));

/** What people may do with a column, by its role on this platform. */
export const PEOPLE_MAY: Readonly<Record<'authority' | 'copy', string>> = {
  authority: 'edit: this platform is the authority',
  copy: 'read only: only the sync writes it; correct it at the authority',
};

/** The advisory lock on the platform's facts view: shared to change rows, exclusive to create or drop it. */
const FACTS_LOCK_KEY = `hashtext('authority facts view')`;
export const FACTS_LOCK_SHARED = `SELECT pg_advisory_xact_lock_shared(${FACTS_LOCK_KEY})`;
export const FACTS_LOCK_EXCLUSIVE = `SELECT pg_advisory_xact_lock(${FACTS_LOCK_KEY})`;

/** The statements that create (or bring back) the schema, the registry and the view, with their grants. */
export function factsViewSetupStatements(): string[] {
  return [
    FACTS_LOCK_EXCLUSIVE,
    `CREATE SCHEMA IF NOT EXISTS ${FACTS_SCHEMA}`,
    `COMMENT ON SCHEMA ${FACTS_SCHEMA} IS 'Managed by authority: which facts this platform holds, and where to correct them (see authority_catalog.facts).'`,
    `CREATE TABLE IF NOT EXISTS ${FACTS_REGISTRY} (
       schema_name text NOT NULL, table_name text NOT NULL, column_name text NOT NULL, protection text NOT NULL,
       fact text NOT NULL, role text NOT NULL, authority text NOT NULL, people_may text NOT NULL, correction text NOT NULL,
       previous_comment text, PRIMARY KEY (schema_name, table_name, column_name, protection))`,
    `REVOKE ALL ON ${FACTS_REGISTRY} FROM PUBLIC`,
    `CREATE OR REPLACE VIEW ${FACTS_VIEW} AS
       SELECT schema_name, table_name, column_name, fact, role, authority, people_may, correction
         FROM ${FACTS_REGISTRY} ORDER BY schema_name, table_name, column_name`,
    `COMMENT ON VIEW ${FACTS_VIEW} IS 'Managed by authority: the facts this platform holds, who the authority is, what people may do here, and where to correct a wrong value.'`,
    `GRANT USAGE ON SCHEMA ${FACTS_SCHEMA} TO PUBLIC`,
    `REVOKE ALL ON ${FACTS_VIEW} FROM PUBLIC`,
    `GRANT SELECT ON ${FACTS_VIEW} TO PUBLIC`,
  ];
}

interface RegistryRow { column_name: string; previous_comment: string | null; role: string }

/** What the caller of recordProtection or forgetProtection has read or still runs, in its transaction, to save round trips. */
export interface FactsKnown {
  /** Statements of the caller's (no parameters) to run first, in the same round trip: the guard's install or removal. */
  readonly first?: readonly string[];
  /** The view and the registry as the caller read them in this transaction, before any lock of the facts view's. */
  readonly facts?: FactsObjects;
  /** The table's columns' comments now (absent: none), read under the table's lock; recordProtection reads them when not given. */
  readonly comments?: ReadonlyMap<string, string>;
}

/** The registry's rows of one protection, its names as literals (for a round trip of several statements). */
function registryRowsSql(loc: FieldLocation, key: string): string {
  return `SELECT column_name, previous_comment, role FROM ${FACTS_REGISTRY}
           WHERE schema_name = ${lit(loc.namespace)} AND table_name = ${lit(loc.container)} AND protection = ${lit(key)}`;
}

const missing = (o: FactsObjects) => !o.view || !o.registry;

/**
 * Records the protection's columns in the registry (its role here: copy, or authority when the
 * platform is the fact's authority) and, on a copy, comments each column, recording the comment it
 * had; columns it no longer covers get theirs back. Runs inside the caller's transaction.
 */
export async function recordProtection(run: Run, p: FieldProtection, role: 'authority' | 'copy', known: FactsKnown = {}): Promise<void> {
  // Set up only what is missing, under the exclusive lock (parallel applies would both create the
  // schema): replacing the view every time would wait on its readers' locks. When all is there, the
  // shared lock keeps it there until this transaction ends; the objects are read again after it,
  // by a statement of their own (its snapshot taken after the wait).
  const [exclusive, ...setup] = factsViewSetupStatements();
  let alone = missing(known.facts ?? await factsObjects(run));
  const locked = await runBatch(run, [...known.first ?? [], alone ? exclusive : FACTS_LOCK_SHARED, FACTS_OBJECTS_SQL]);
  let objects = locked[locked.length - 1].rows[0] as FactsObjects;
  // Dropped by the last protection's removal meanwhile: the exclusive lock too (a deadlock with
  // another such apply ends one of them, which runs again: inTransactionDoing).
  if (!alone && missing(objects)) {
    await run(exclusive);
    alone = true;
    objects = await factsObjects(run);
  }
  if (alone && missing(objects)) {
    await run(factsTrust());
    // Without CREATE there is nowhere to record a column's own comment: leave comments and view out (plan warned).
    if (!(await mayKeepFacts(run)).may) return;
    await runAll(run, setup);
  }
  const loc = p.location;
  const comment = role === 'copy' ? columnCommentText(p) : null;
  // The columns' comments before this protection writes its own.
  const now = comment === null ? new Map<string, string>() : known.comments ?? await columnComments(run, loc, p.fields);
  // The trust check, the copy's comments and the registry's rows of the protection: one round trip.
  const batch = await runBatch(run, [factsTrust(), ...comment === null ? [] : p.fields.map((column) => commentOnColumnSql(loc, column, comment)), registryRowsSql(loc, p.key)]);
  const found = batch[batch.length - 1] as QueryResult<RegistryRow>;
  const before = new Map(found.rows.map((r) => [r.column_name, r]));
  // Columns this protection no longer comments: their own comments come back, their rows go.
  const gone = found.rows.filter((r) => !p.fields.includes(r.column_name) || (r.role === 'copy' && role === 'authority'));
  await runAll(run, gone.filter((r) => r.role === 'copy').map((r) => commentOnColumnSql(loc, r.column_name, r.previous_comment)));
  if (gone.length) {
    await run(`DELETE FROM ${FACTS_REGISTRY} WHERE schema_name = $1 AND table_name = $2 AND protection = $3 AND column_name = ANY ($4::text[])`,
      [loc.namespace, loc.container, p.key, gone.map((r) => r.column_name)]);
    for (const r of gone) before.delete(r.column_name);
  }
  // A column's comment is recorded while a copy's comment is on it; the authority's own is never touched.
  const recorded = (column: string) => (before.get(column)?.role === 'copy' ? before.get(column) : undefined);
  const previous = p.fields.map((column) => {
    const found = recorded(column);
    if (found || comment === null) return found?.previous_comment ?? null;
    // Our own text found without a record (the registry was dropped by hand): the column had none we know of.
    const own = now.get(column) ?? null;
    return own === comment ? null : own;
  });
  await run(
    `INSERT INTO ${FACTS_REGISTRY} (schema_name, table_name, column_name, protection, fact, role, authority, people_may, correction, previous_comment)
     SELECT $1, $2, c.column_name, $3, c.fact, $4, $5, $6, $7, c.previous_comment
       FROM unnest($8::text[], $9::text[], $10::text[]) AS c(column_name, fact, previous_comment)
     ON CONFLICT (schema_name, table_name, column_name, protection) DO UPDATE SET fact = EXCLUDED.fact, role = EXCLUDED.role,
       authority = EXCLUDED.authority, people_may = EXCLUDED.people_may, correction = EXCLUDED.correction,
       previous_comment = EXCLUDED.previous_comment`,
    [loc.namespace, loc.container, p.key, role, p.authority, PEOPLE_MAY[role], p.correctionHint,
      p.fields, p.fields.map((column) => p.fact ?? `${loc.container}.${column}`), previous]);
}

/** The comments of the table's `columns` that have one. */
async function columnComments(run: Run, loc: FieldLocation, columns: readonly string[]): Promise<Map<string, string>> {
  const read = await run<{ column_name: string; comment: string | null }>(
    `SELECT a.attname::text AS column_name, col_description(a.attrelid, a.attnum) AS comment
       FROM pg_attribute a WHERE a.attrelid = format('%I.%I', $1::text, $2::text)::regclass AND a.attname = ANY ($3::text[])`,
    [loc.namespace, loc.container, columns]);
  return new Map(read.rows.filter((r) => r.comment !== null).map((r) => [r.column_name, r.comment!]));
}

/**
 * Statements that take no parameters as one round trip (a simple query of several statements),
 * each statement's result in order. Each statement takes its own snapshot, as when sent alone.
 */
async function runBatch(run: Run, statements: readonly string[]): Promise<QueryResult[]> {
  if (!statements.length) return [];
  const result = await run(statements.join(';\n')) as QueryResult | QueryResult[];
  return Array.isArray(result) ? result : [result];
}

/** Runs statements that take no parameters (COMMENT takes none) as one round trip. */
async function runAll(run: Run, statements: readonly string[]): Promise<void> {
  await runBatch(run, statements);
}

/**
 * Forgets the protection: each column it commented gets its previous comment back (exactly; NULL
 * is no comment) and its rows leave the registry. Runs inside the caller's transaction, and says
 * whether these may have been the registry's last rows: then the caller runs dropFactsViewIfEmpty
 * once this transaction is committed (other removals' rows, deleted but not yet committed, are
 * still seen here: only after both commit can one of them see the registry empty).
 */
export async function forgetProtection(run: Run, loc: FieldLocation, key: string, known: FactsKnown = {}): Promise<{ mayBeLast: boolean }> {
  const first = known.first ?? [];
  if (!(known.facts ?? await factsObjects(run)).registry) {
    await runAll(run, [...first]);
    return { mayBeLast: false };
  }
  const locked = await runBatch(run, [...first, FACTS_LOCK_SHARED, FACTS_OBJECTS_SQL]);
  // The last removal may have dropped it meanwhile.
  if (!(locked[locked.length - 1].rows[0] as FactsObjects).registry) return { mayBeLast: false };
  // The trust check, the rows out (with whether their column is still there), and whether any row is left. Rows other
  // removals are deleting are locked: skipped, as they may be gone when those commit.
  const [, deleted, left] = await runBatch(run, [
    factsTrust(),
    `WITH gone AS (DELETE FROM ${FACTS_REGISTRY}
                    WHERE schema_name = ${lit(loc.namespace)} AND table_name = ${lit(loc.container)} AND protection = ${lit(key)}
                RETURNING column_name, previous_comment, role)
     SELECT gone.*, EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = to_regclass(${lit(tableRef(loc))}) AND a.attname = gone.column_name
                             AND a.attnum > 0 AND NOT a.attisdropped) AS present
       FROM gone`,
    `SELECT FROM ${FACTS_REGISTRY} FOR KEY SHARE SKIP LOCKED LIMIT 1`,
  ]);
  await runAll(run, (deleted.rows as (RegistryRow & { present: boolean })[]).filter((r) => r.role === 'copy' && r.present)
    .map((r) => commentOnColumnSql(loc, r.column_name, r.previous_comment)));
  return { mayBeLast: (left.rowCount ?? 0) === 0 };
}

/**
 * The last protection's removal takes the view, the registry and, when nothing else is in it, the
 * schema with it: alone (the exclusive lock waits for every change of rows to end). Runs inside
 * the caller's transaction; when the registry still has rows it does nothing.
 */
export async function dropFactsViewIfEmpty(run: Run): Promise<void> {
  const registry = async () => (await factsObjects(run)).registry;
  if (!await registry()) return;
  await run(FACTS_LOCK_EXCLUSIVE);
  // Another removal's may have dropped it meanwhile.
  if (!await registry()) return;
  await run(factsTrust());
  const left = await run(`SELECT FROM ${FACTS_REGISTRY} LIMIT 1`);
  if (left.rowCount) return;
  await run(`DROP VIEW IF EXISTS ${FACTS_VIEW}`);
  await run(`DROP TABLE ${FACTS_REGISTRY}`);
  // The schema goes only when it is empty now: someone may keep their own objects in it.
  const others = await run<{ n: number }>(
    `SELECT (SELECT count(*) FROM pg_class WHERE relnamespace = n.oid) + (SELECT count(*) FROM pg_proc WHERE pronamespace = n.oid)
          + (SELECT count(*) FROM pg_type WHERE typnamespace = n.oid) AS n FROM pg_namespace n WHERE n.nspname = $1`, [FACTS_SCHEMA]);
  if (Number(others.rows[0]?.n ?? 1) === 0) await run(`DROP SCHEMA ${FACTS_SCHEMA}`);
}

/** What columnsShowHint goes by, beside the registry's rows: read with the protection (protection-read.ts), or by it. */
export interface FactsSeen {
  readonly facts: FactsObjects;
  readonly mayKeepFacts: boolean;
  /** The table's columns' comments (absent: none). */
  readonly comments: ReadonlyMap<string, string>;
}

/**
 * Whether the platform shows the protection's facts as it should: the view and the registry's
 * rows are there, and each column's comment is the one built from the guard it found (a copy).
 */
export async function columnsShowHint(
  run: Run, loc: FieldLocation, key: string, p: { authority: string; correctionHint: string; columns: readonly string[] }, seen?: FactsSeen,
): Promise<boolean> {
  const { facts, mayKeepFacts: may, comments } = seen ?? {
    facts: await factsObjects(run), mayKeepFacts: (await mayKeepFacts(run)).may, comments: await columnComments(run, loc, p.columns),
  };
  if (missing(facts)) return !may;
  const found = await run<{ column_name: string }>(
    `SELECT r.column_name FROM ${FACTS_REGISTRY} r WHERE r.schema_name = $1 AND r.table_name = $2 AND r.protection = $3 AND r.role = 'copy'`,
    [loc.namespace, loc.container, key]);
  const expected = columnCommentText(p);
  return p.columns.every((c) => found.rows.some((r) => r.column_name === c) && comments.get(c) === expected);
}

/** Whether the view and the registry are there. */
export interface FactsObjects { readonly view: boolean; readonly registry: boolean }

/**
 * Whether the view and the registry are there, read from pg_class with the statement's snapshot:
 * after waiting on the advisory lock, to_regclass could still answer from the session's catalog
 * cache (refreshed only when a relation is locked) for a registry another removal just dropped.
 * Columns view and registry, for reads that return more.
 */
export const FACTS_OBJECTS_COLUMNS =
  `EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '${FACTS_SCHEMA}' AND c.relname = 'facts' AND c.relkind = 'v') AS view,
   EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '${FACTS_SCHEMA}' AND c.relname = 'fact_registry' AND c.relkind = 'r') AS registry`;
const FACTS_OBJECTS_SQL = `SELECT ${FACTS_OBJECTS_COLUMNS}`;

async function factsObjects(run: Run): Promise<FactsObjects> {
  return (await run<{ view: boolean; registry: boolean }>(FACTS_OBJECTS_SQL)).rows[0];
}

/** Whether the provider's user can create the schema, or create in it when it exists: columns facts_schema and may_keep_facts, for reads that return more. */
export const MAY_KEEP_FACTS_COLUMNS =
  `EXISTS (SELECT FROM pg_namespace WHERE nspname = '${FACTS_SCHEMA}') AS facts_schema,
   COALESCE((SELECT has_schema_privilege(oid, 'CREATE') FROM pg_namespace WHERE nspname = '${FACTS_SCHEMA}'),
            has_database_privilege(current_database(), 'CREATE')) AS may_keep_facts`;

async function mayKeepFacts(run: Run): Promise<{ exists: boolean; may: boolean }> {
  const found = (await run<{ facts_schema: boolean; may_keep_facts: boolean }>(`SELECT ${MAY_KEEP_FACTS_COLUMNS}`)).rows[0];
  return { exists: found.facts_schema, may: found.may_keep_facts };
}

/**
 * Plan's warning when the provider's user can create neither the schema nor in it: protection
 * works without it (owning the table is enough), but the platform then neither lists its facts nor
 * comments the protected columns.
 */
export function factsViewProblem(may: { exists: boolean; may: boolean }, where: string): Diagnostic | undefined {
  const { exists } = may;
  if (may.may) return undefined;
  return {
    severity: 'warning',
    summary: `The provider's user cannot ${exists ? `create objects in schema ${FACTS_SCHEMA}` : `create schema ${FACTS_SCHEMA}`} ${where}: ` +
      'the protected columns get no comment and the platform does not list its facts',
    detail: `Each platform lists the facts it holds in the view ${FACTS_VIEW}, and records there the comment each protected column had. ` +
      (exists ? `GRANT CREATE ON SCHEMA ${FACTS_SCHEMA} TO the provider's user.` : 'GRANT CREATE ON DATABASE to the provider\'s user, or create the schema for it (CREATE SCHEMA authority_catalog AUTHORIZATION <user>).'),
    attribute: ['platform'],
  };
}

/**
 * Runs `work` as one transaction on `db`, once more when PostgreSQL picked it to end a deadlock.
 * `first` (no parameters; the table's lock) is sent with the BEGIN, in one round trip.
 */
export async function inTransactionDoing(db: Client, work: (run: Run) => Promise<void>, first?: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await db.query(first ? `BEGIN; ${first}` : 'BEGIN');
      await work(runOn(db));
      await db.query('COMMIT');
      return;
    } catch (e) {
      await db.query('ROLLBACK').catch(() => undefined);
      if ((e as { code?: string }).code !== '40P01' || attempt === 3) throw e;
    }
  }
}

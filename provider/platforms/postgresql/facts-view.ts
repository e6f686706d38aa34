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
import { Client } from 'pg';
import { Diagnostic } from '../../framework';
import { FieldLocation, FieldProtection } from '../adapter';
import { Run, runOn } from './catalog';
import { columnCommentText, commentOnColumnSql } from './comment-sql';
import { schemaTrustStatement } from './schema-trust';

/** Not "authority": a schema named like a role is first on that role's default search_path ("$user"), and would catch its unqualified CREATEs. */
export const FACTS_SCHEMA = 'authority_catalog';
export const FACTS_VIEW = `${FACTS_SCHEMA}.facts`;
export const FACTS_REGISTRY = `${FACTS_SCHEMA}.fact_registry`;
/** Refuses a facts schema, registry or view someone else created first (schema-trust.ts). */
const FACTS_TRUST = schemaTrustStatement(FACTS_SCHEMA, ['fact_registry', 'facts']);

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

/**
 * Records the protection's columns in the registry (its role here: copy, or authority when the
 * platform is the fact's authority) and, on a copy, comments each column, recording the comment it
 * had; columns it no longer covers get theirs back. Runs inside the caller's transaction.
 */
export async function recordProtection(run: Run, p: FieldProtection, role: 'authority' | 'copy'): Promise<void> {
  // Set up only what is missing, under the exclusive lock (parallel applies would both create the
  // schema): replacing the view every time would wait on its readers' locks. When all is there, the
  // shared lock keeps it there until this transaction ends.
  const [exclusive, ...setup] = factsViewSetupStatements();
  const missing = async () => {
    const found = await factsObjects(run);
    return !found.view || !found.registry;
  };
  let alone = await missing();
  await run(alone ? exclusive : FACTS_LOCK_SHARED);
  // Dropped by the last protection's removal meanwhile: the exclusive lock too (a deadlock with
  // another such apply ends one of them, which runs again: inTransactionDoing).
  if (!alone && await missing()) {
    await run(exclusive);
    alone = true;
  }
  await run(FACTS_TRUST);
  if (alone && await missing()) {
    // Without CREATE there is nowhere to record a column's own comment: leave comments and view out (plan warned).
    if (!(await mayKeepFacts(run)).may) return;
    for (const sql of setup) await run(sql);
  }
  const found = await run<RegistryRow>(
    `SELECT column_name, previous_comment, role FROM ${FACTS_REGISTRY} WHERE schema_name = $1 AND table_name = $2 AND protection = $3`,
    [p.location.namespace, p.location.container, p.key]);
  const before = new Map(found.rows.map((r) => [r.column_name, r]));
  const comment = role === 'copy' ? columnCommentText(p) : null;
  const loc = p.location;
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
  const unrecorded = comment === null ? [] : p.fields.filter((c) => !recorded(c));
  const now = new Map<string, string | null>();
  if (unrecorded.length) {
    const read = await run<{ column_name: string; comment: string | null }>(
      `SELECT a.attname::text AS column_name, col_description(a.attrelid, a.attnum) AS comment
         FROM pg_attribute a WHERE a.attrelid = format('%I.%I', $1::text, $2::text)::regclass AND a.attname = ANY ($3::text[])`,
      [loc.namespace, loc.container, unrecorded]);
    for (const r of read.rows) now.set(r.column_name, r.comment);
  }
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
  if (comment !== null) await runAll(run, p.fields.map((column) => commentOnColumnSql(loc, column, comment)));
}

/** Runs statements that take no parameters (COMMENT takes none) as one round trip. */
async function runAll(run: Run, statements: string[]): Promise<void> {
  if (statements.length) await run(statements.join(';\n'));
}

/**
 * Forgets the protection: each column it commented gets its previous comment back (exactly; NULL
 * is no comment) and its rows leave the registry. Runs inside the caller's transaction, and says
 * whether these may have been the registry's last rows: then the caller runs dropFactsViewIfEmpty
 * once this transaction is committed (other removals' rows, deleted but not yet committed, are
 * still seen here: only after both commit can one of them see the registry empty).
 */
export async function forgetProtection(run: Run, loc: FieldLocation, key: string): Promise<{ mayBeLast: boolean }> {
  const registry = async () => (await factsObjects(run)).registry;
  if (!await registry()) return { mayBeLast: false };
  await run(FACTS_LOCK_SHARED);
  // The last removal may have dropped it meanwhile.
  if (!await registry()) return { mayBeLast: false };
  await run(FACTS_TRUST);
  const table = await run<{ t: string | null }>(`SELECT to_regclass(format('%I.%I', $1::text, $2::text)) AS t`, [loc.namespace, loc.container]);
  const rows = await run<RegistryRow>(
    `DELETE FROM ${FACTS_REGISTRY} WHERE schema_name = $1 AND table_name = $2 AND protection = $3 RETURNING column_name, previous_comment, role`,
    [loc.namespace, loc.container, key]);
  if (table.rows[0].t !== null) {
    const columns = await run<{ attname: string }>(
      'SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped', [table.rows[0].t]);
    const present = new Set(columns.rows.map((c) => c.attname));
    await runAll(run, rows.rows.filter((r) => r.role === 'copy' && present.has(r.column_name))
      .map((r) => commentOnColumnSql(loc, r.column_name, r.previous_comment)));
  }
  // Rows other removals are deleting are locked: skipped, as they may be gone when those commit.
  const left = await run(`SELECT FROM ${FACTS_REGISTRY} FOR KEY SHARE SKIP LOCKED LIMIT 1`);
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
  await run(FACTS_TRUST);
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

/**
 * Whether the platform shows the protection's facts as it should: the view and the registry's
 * rows are there, and each column's comment is the one built from the guard it found (a copy).
 */
export async function columnsShowHint(run: Run, loc: FieldLocation, key: string, p: { authority: string; correctionHint: string; columns: readonly string[] }): Promise<boolean> {
  const objects = await run<{ view: string | null; registry: string | null }>(
    `SELECT to_regclass('${FACTS_VIEW}') AS view, to_regclass('${FACTS_REGISTRY}') AS registry`);
  if (objects.rows[0].view === null || objects.rows[0].registry === null) return !(await mayKeepFacts(run)).may;
  const found = await run<{ column_name: string; comment: string | null }>(
    `SELECT r.column_name, col_description(a.attrelid, a.attnum) AS comment
       FROM ${FACTS_REGISTRY} r
       LEFT JOIN pg_attribute a ON a.attrelid = to_regclass(format('%I.%I', r.schema_name, r.table_name)) AND a.attname = r.column_name
      WHERE r.schema_name = $1 AND r.table_name = $2 AND r.protection = $3 AND r.role = 'copy'`,
    [loc.namespace, loc.container, key]);
  const expected = columnCommentText(p);
  return p.columns.every((c) => found.rows.some((r) => r.column_name === c && r.comment === expected));
}

/**
 * Whether the view and the registry are there, read from pg_class with the statement's snapshot:
 * after waiting on the advisory lock, to_regclass could still answer from the session's catalog
 * cache (refreshed only when a relation is locked) for a registry another removal just dropped.
 */
async function factsObjects(run: Run): Promise<{ view: boolean; registry: boolean }> {
  const found = await run<{ view: boolean; registry: boolean }>(
    `SELECT EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = 'facts' AND c.relkind = 'v') AS view,
            EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = 'fact_registry' AND c.relkind = 'r') AS registry`,
    [FACTS_SCHEMA]);
  return found.rows[0];
}

/** Whether the provider's user can create the schema, or create in it when it exists. */
async function mayKeepFacts(run: Run): Promise<{ exists: boolean; may: boolean }> {
  const found = await run<{ exists: boolean; may: boolean }>(
    `SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = $1) AS exists,
            COALESCE((SELECT has_schema_privilege(oid, 'CREATE') FROM pg_namespace WHERE nspname = $1),
                     has_database_privilege(current_database(), 'CREATE')) AS may`, [FACTS_SCHEMA]);
  return found.rows[0];
}

/**
 * Plan's warning when the provider's user can create neither the schema nor in it: protection
 * works without it (owning the table is enough), but the platform then neither lists its facts nor
 * comments the protected columns.
 */
export async function factsViewProblem(run: Run, where: string): Promise<Diagnostic | undefined> {
  const { exists, may } = await mayKeepFacts(run);
  if (may) return undefined;
  return {
    severity: 'warning',
    summary: `The provider's user cannot ${exists ? `create objects in schema ${FACTS_SCHEMA}` : `create schema ${FACTS_SCHEMA}`} ${where}: ` +
      'the protected columns get no comment and the platform does not list its facts',
    detail: `Each platform lists the facts it holds in the view ${FACTS_VIEW}, and records there the comment each protected column had. ` +
      (exists ? `GRANT CREATE ON SCHEMA ${FACTS_SCHEMA} TO the provider's user.` : 'GRANT CREATE ON DATABASE to the provider\'s user, or create the schema for it (CREATE SCHEMA authority_catalog AUTHORIZATION <user>).'),
    attribute: ['platform'],
  };
}

/** Runs `work` as one transaction on `db`, once more when PostgreSQL picked it to end a deadlock. */
export async function inTransactionDoing(db: Client, work: (run: Run) => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await db.query('BEGIN');
    try {
      await work(runOn(db));
      await db.query('COMMIT');
      return;
    } catch (e) {
      await db.query('ROLLBACK').catch(() => undefined);
      if ((e as { code?: string }).code !== '40P01' || attempt === 3) throw e;
    }
  }
}

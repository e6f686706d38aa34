/**
 * PostgreSQL platform adapter.
 *
 * A copy's columns are protected by a guard trigger rather than column privileges, because:
 * - applications usually connect as the table owner, and owners (and superusers) bypass
 *   privileges, while a trigger stops them too;
 * - the trigger's error carries the correction path, so the person who was refused learns
 *   where the fact is owned and where to fix it; a privilege error says only "permission denied";
 * - it fires ALWAYS, also in sessions with session_replication_role = replica, and lets through
 *   only the sync principal, logical replication's apply workers and the provider's own settle;
 * - it fires AFTER each row is written (no column list), so it sees the row as stored, whatever
 *   the owner's other BEFORE triggers did to it.
 * Writes that leave a value unchanged pass, so applications that save whole rows keep working.
 *
 * The guard's SQL is built in guard-sql.ts (constant bodies, checked and quoted names),
 * read back in guard-read.ts, and checked at plan in guard-check.ts.
 */
import { Diagnostic, DiagnosticError } from '../../framework';
import { FieldLocation, FieldProtection, PlatformAdapter, ProtectionReadBack } from '../adapter';
import { Run } from './catalog';
import { PostgresConnection } from './connection';
import { guardPlanChecks, installRefusal } from './guard-check';
import { GuardReadBack, readGuards } from './guard-read';
import { guardTriggerName, installGuardStatements, removeGuardStatements, tableRef } from './guard-sql';
import { sealGuardStatement } from './guard-seal';
import { overridePlanChecks, overrideStatements, readOverrideProtection, removeOverrideIfAny } from './override-protection';
import { hasOverride } from './override-read';
import { overrideTriggerName, removeOverrideStatements } from './override-sql';
import { columnsShowHint, dropFactsViewIfEmpty, factsViewProblem, forgetProtection, inTransactionDoing, recordProtection } from './facts-view';

/** A PostgreSQL platform's protections: guard triggers on the copies' tables. */
export class PostgresAdapter extends PostgresConnection implements PlatformAdapter {
  public readonly kind = 'postgresql';

  /** The trigger's name: readable when the key allows it. Trigger names are per table. */
  public mechanismName(_location: FieldLocation, key: string, override = false): string {
    return override ? overrideTriggerName(key) : guardTriggerName(key);
  }

  public async checkProtection(p: FieldProtection): Promise<Diagnostic[]> {
    const where = this.where();
    const table = await this.query<{ oid: number; kind: string }>(
      `SELECT c.oid, c.relkind AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = $2`,
      [p.location.namespace, p.location.container],
    );
    if (table.rowCount === 0) {
      const known = await this.query<{ relname: string }>(
        `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY 1 LIMIT 20`,
        [p.location.namespace],
      );
      return [{
        severity: 'error',
        summary: `Table ${p.location.namespace}.${p.location.container} does not exist ${where}`,
        detail: known.rowCount
          ? `Tables in schema ${p.location.namespace}: ${known.rows.map((r) => r.relname).join(', ')}. Fix the table name, or create the table first.`
          : `Schema ${p.location.namespace} has no tables. Fix the schema or table name, or create the table first.`,
        attribute: ['table'],
      }];
    }
    if (!['r', 'p'].includes(table.rows[0].kind)) {
      return [{
        severity: 'error',
        summary: `${p.location.namespace}.${p.location.container} ${where} is not a table`,
        detail: 'Only tables can be protected: a view or a materialized view is a projection, not a copy people edit.',
        attribute: ['table'],
      }];
    }
    const diags: Diagnostic[] = [];
    const cols = await this.query<{ attname: string }>(
      'SELECT attname FROM pg_attribute WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum',
      [table.rows[0].oid],
    );
    const existing = cols.rows.map((r) => r.attname);
    p.fields.forEach((f, i) => {
      if (!existing.includes(f)) {
        diags.push({
          severity: 'error',
          summary: `Column "${f}" does not exist in ${p.location.namespace}.${p.location.container} ${where}`,
          detail: `Its columns: ${existing.join(', ')}. Fix the column name in the policy.`,
          attribute: ['columns', i],
        });
      }
    });
    const role = await this.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [p.syncPrincipal]);
    if (role.rowCount === 0) {
      diags.push({
        severity: 'error',
        summary: `Sync principal "${p.syncPrincipal}" is not a role ${where}`,
        detail: 'The sync principal is the only role allowed to write the protected columns. Create the role, or name the role your sync connects as.',
        attribute: ['sync_principal'],
      });
    } else if (diags.length === 0) {
      const writable = await this.query<{ col: string }>(
        `SELECT col FROM unnest($2::text[]) AS col
          WHERE NOT has_column_privilege($1, $3::oid, col, 'UPDATE')`,
        [p.syncPrincipal, p.fields, table.rows[0].oid],
      );
      if (writable.rowCount) {
        diags.push({
          severity: 'warning',
          summary: `Sync principal "${p.syncPrincipal}" cannot UPDATE ${writable.rows.map((r) => r.col).join(', ')} ${where}`,
          detail: 'The protection lets the sync through, but the database will still refuse it for lack of privileges. Grant it UPDATE on these columns.',
          attribute: ['sync_principal'],
        });
      }
    }
    const guarded = p.authority !== this.name;
    const run: Run = (sql, params) => this.query(sql, params);
    const factsView = await factsViewProblem(run, where);
    return [
      ...diags, ...(factsView ? [factsView] : []),
      ...await guardPlanChecks(run, p, { oid: table.rows[0].oid, where, guarded }), ...await overridePlanChecks(run, p, table.rows[0].oid, where),
    ];
  }

  public readProtection(location: FieldLocation, key: string): Promise<ProtectionReadBack | null> {
    return protectionUnder((sql, params) => this.query(sql, params), location, key, this.name);
  }

  /** Each protected column's comment and the platform's authority_catalog.facts row are as applied. */
  public async hintShown(found: ProtectionReadBack): Promise<boolean> {
    return columnsShowHint((sql, params) => this.query(sql, params), found.location, found.key, { ...found, columns: found.fields });
  }

  /**
   * Installs or repairs the guard in one transaction that first locks the table in SHARE ROW
   * EXCLUSIVE mode (what CREATE TRIGGER takes anyway; it conflicts with itself), so installs on one
   * table run one after the other, and checks plan's refusals again under that lock.
   */
  public async applyProtection(p: FieldProtection, admit?: (found: ProtectionReadBack | null) => Diagnostic | undefined): Promise<void> {
    // A local override replaces the guard (people may edit); a guard replaces an override (its values go back first).
    const statements = p.override ? overrideStatements(p, this.name) : [...installGuardStatements(p.location, {
      syncPrincipal: p.syncPrincipal, authority: p.authority, correctionHint: p.correctionHint, fact: p.fact, key: p.key, columns: p.fields,
    }), sealGuardStatement(p.location, p.key)];
    await this.withConnection((db) => inTransactionDoing(db, async (run) => {
      await run(`LOCK TABLE ${tableRef(p.location)} IN SHARE ROW EXCLUSIVE MODE`);
      // The guard or override under this key (another declaration's, made since plan?), then the other keys'.
      const refusal = (admit && admit(await protectionUnder(run, p.location, p.key, this.name))) ?? await installRefusal(run, p, this.where());
      if (refusal) throw new DiagnosticError(refusal);
      if (!p.override) await removeOverrideIfAny(run, p.location, p.key);
      for (const sql of statements) await run(sql);
      await recordProtection(run, p, 'copy');
    }));
  }

  /** How messages name this platform, e.g. `on platform "ops" (database ops at host:5432)`. */
  private where(): string {
    return `on platform "${this.name}" (database ${this.settings.database} at ${this.settings.host}:${this.settings.port})`;
  }

  public async removeProtection(location: FieldLocation, key: string): Promise<void> {
    const table = await this.query('SELECT to_regclass($1) AS t', [tableRef(location)]);
    await this.withConnection(async (db) => {
      let last = false;
      await inTransactionDoing(db, async (run) => {
        for (const sql of await this.removalStatements(location, key, table.rows[0].t !== null)) await run(sql);
        last = (await forgetProtection(run, location, key)).mayBeLast;
      });
      // After the commit, so that the removals of the last protections at once see each other's (facts-view.ts).
      if (last) await inTransactionDoing(db, dropFactsViewIfEmpty);
    });
  }

  /** The platform is the fact's authority: no guard, its columns listed in authority_catalog.facts as the authority's. */
  public async releaseProtection(p: FieldProtection): Promise<void> {
    const table = await this.query('SELECT to_regclass($1) AS t', [tableRef(p.location)]);
    await this.withConnection((db) => inTransactionDoing(db, async (run) => {
      for (const sql of await this.removalStatements(p.location, p.key, table.rows[0].t !== null)) await run(sql);
      await recordProtection(run, p, 'authority');
    }));
  }

  /** What removes a protection: an override's values go back to the authority's before its triggers go, then the guard. */
  private async removalStatements(location: FieldLocation, key: string, exists: boolean): Promise<string[]> {
    const override = exists && await hasOverride((sql, params) => this.query(sql, params), location, key);
    return [...(override ? removeOverrideStatements(location, key) : []), ...removeGuardStatements(location, key, exists)];
  }

}

/** The protection under `key` on the table of platform `copy`: its guard, or its local override. */
async function protectionUnder(query: Run, location: FieldLocation, key: string, copy: string): Promise<ProtectionReadBack | null> {
  const name = guardTriggerName(key);
  const found = (await readGuards(query, location)).find((g) => g.trigger === name);
  return found ? readBackOf(location, key, found) : readOverrideProtection(query, location, key, copy);
}

/** A guard as read back, in the platform-neutral shape. */
function readBackOf(location: FieldLocation, key: string, found: GuardReadBack): ProtectionReadBack {
  return {
    location, key: found.key ?? key, authority: found.authority, fields: found.columns, syncPrincipal: found.syncPrincipal,
    correctionHint: found.correctionHint, fact: found.fact, enforced: found.enforced, mechanism: found.trigger,
  };
}

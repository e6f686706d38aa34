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
import { guardPlanChecks, ownedTwiceBy } from './guard-check';
import { GuardReadBack } from './guard-read';
import { dollarQuoted, guardTriggerName, installGuardStatements, lit, removeGuardStatements, tableRef } from './guard-sql';
import { sealGuardStatement } from './guard-seal';
import { overrideKeyRefusal, overrideStatements, readOverrideProtection } from './override-protection';
import { overrideTriggerName, removeOverrideStatements } from './override-sql';
import {
  FactsSeen, columnsShowHint, dropFactsViewIfEmpty, factsViewProblem, forgetProtection, inTransactionDoing, recordProtection,
} from './facts-view';
import { ProtectedTable, readForCheck, readProtectedTable } from './protection-read';

/** A PostgreSQL platform's protections: guard triggers on the copies' tables. */
export class PostgresAdapter extends PostgresConnection implements PlatformAdapter {
  public readonly kind = 'postgresql';

  /** The trigger's name: readable when the key allows it. Trigger names are per table. */
  public mechanismName(_location: FieldLocation, key: string, override = false): string {
    return override ? overrideTriggerName(key) : guardTriggerName(key);
  }

  public async checkProtection(p: FieldProtection): Promise<Diagnostic[]> {
    const where = this.where();
    const found = await readForCheck((sql, params, name) => this.query(sql, params, name), p);
    const table = found.table;
    if (!table) {
      return [{
        severity: 'error',
        summary: `Table ${p.location.namespace}.${p.location.container} does not exist ${where}`,
        detail: found.known.length
          ? `Tables in schema ${p.location.namespace}: ${found.known.join(', ')}. Fix the table name, or create the table first.`
          : `Schema ${p.location.namespace} has no tables. Fix the schema or table name, or create the table first.`,
        attribute: ['table'],
      }];
    }
    if (!['r', 'p'].includes(table.kind)) {
      return [{
        severity: 'error',
        summary: `${p.location.namespace}.${p.location.container} ${where} is not a table`,
        detail: 'Only tables can be protected: a view or a materialized view is a projection, not a copy people edit.',
        attribute: ['table'],
      }];
    }
    const diags: Diagnostic[] = [];
    const existing = found.columns;
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
    if (!found.roleExists) {
      diags.push({
        severity: 'error',
        summary: `Sync principal "${p.syncPrincipal}" is not a role ${where}`,
        detail: 'The sync principal is the only role allowed to write the protected columns. Create the role, or name the role your sync connects as.',
        attribute: ['sync_principal'],
      });
    } else if (diags.length === 0 && found.notWritable.length) {
      diags.push({
        severity: 'warning',
        summary: `Sync principal "${p.syncPrincipal}" cannot UPDATE ${found.notWritable.join(', ')} ${where}`,
        detail: 'The protection lets the sync through, but the database will still refuse it for lack of privileges. Grant it UPDATE on these columns.',
        attribute: ['sync_principal'],
      });
    }
    const factsView = factsViewProblem({ exists: found.factsSchema, may: found.mayKeepFacts }, where);
    const guarded = p.authority !== this.name;
    return [
      ...diags, ...(factsView ? [factsView] : []),
      ...guardPlanChecks(p, { ...found, where, guarded, owners: [...found.guards, ...found.overrides] }), ...overrideKeyRefusal(p, found.hasPrimaryKey, where),
    ];
  }

  public async readProtection(location: FieldLocation, key: string): Promise<ProtectionReadBack | null> {
    const run: Run = (sql, params, name) => this.query(sql, params, name);
    const table = await readProtectedTable(run, location, key);
    const found = await protectionIn(run, table, location, key, this.name);
    if (found) this.readAlong.set(found, table);
    return found;
  }

  /** What a read-back's query found beside it, for hintShown (no second read of the same). */
  private readonly readAlong = new WeakMap<ProtectionReadBack, FactsSeen>();

  /** Each protected column's comment and the platform's authority_catalog.facts row are as applied. */
  public async hintShown(found: ProtectionReadBack): Promise<boolean> {
    return columnsShowHint((sql, params, name) => this.query(sql, params, name), found.location, found.key, { ...found, columns: found.fields }, this.readAlong.get(found));
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
      // One read under the lock: the guard or override under this key (another declaration's, made since plan?), the other keys'.
      const table = await readProtectedTable(run, p.location, p.key);
      const refusal = (admit && admit(await protectionIn(run, table, p.location, p.key, this.name))) ??
        ownedTwiceBy(p, this.where(), [...table.guards, ...table.overrides])[0];
      if (refusal) throw new DiagnosticError(refusal);
      const override = !p.override && table.overrideOfKey ? removeOverrideStatements(p.location, p.key) : [];
      // The install goes in the facts' first round trip.
      await recordProtection(run, p, 'copy', { first: [...override, ...statements], facts: table.facts, comments: table.comments });
    }, `LOCK TABLE ${tableRef(p.location)} IN SHARE ROW EXCLUSIVE MODE`));
  }

  /** How messages name this platform, e.g. `on platform "ops" (database ops at host:5432)`. */
  private where(): string {
    return `on platform "${this.name}" (database ${this.settings.database} at ${this.settings.host}:${this.settings.port})`;
  }

  public async removeProtection(location: FieldLocation, key: string): Promise<void> {
    await this.withConnection(async (db) => {
      let last = false;
      await inTransactionDoing(db, async (run) => {
        const table = await readProtectedTable(run, location, key);
        last = (await forgetProtection(run, location, key, { first: removalStatements(location, key, table), facts: table.facts })).mayBeLast;
      }, lockIfThere(location));
      // After the commit, so that the removals of the last protections at once see each other's (facts-view.ts).
      if (last) await inTransactionDoing(db, dropFactsViewIfEmpty);
    });
  }

  /** The platform is the fact's authority: no guard, its columns listed in authority_catalog.facts as the authority's. */
  public async releaseProtection(p: FieldProtection): Promise<void> {
    await this.withConnection((db) => inTransactionDoing(db, async (run) => {
      const table = await readProtectedTable(run, p.location, p.key);
      await recordProtection(run, p, 'authority', { first: removalStatements(p.location, p.key, table), facts: table.facts });
    }, lockIfThere(p.location)));
  }
}

/**
 * The table's lock, as an install takes it, when the table is there (a removal may find it dropped
 * by hand): protections of one table then change one at a time, and none reads another's guard
 * while that one is being dropped (PostgreSQL's "cache lookup failed for function").
 */
export function lockIfThere(loc: FieldLocation): string {
  const table = `pg_catalog.to_regclass(${lit(tableRef(loc))})`;
  return `DO ${dollarQuoted('authority_lock', `BEGIN IF ${table} IS NOT NULL THEN ` +
    `EXECUTE pg_catalog.format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', ${table}); END IF; END`)}`;
}

/** What removes a protection: an override's values go back to the authority's before its triggers go, then the guard. */
function removalStatements(location: FieldLocation, key: string, table: ProtectedTable): string[] {
  return [...(table.exists && table.overrideOfKey ? removeOverrideStatements(location, key) : []), ...removeGuardStatements(location, key, table.exists)];
}

/** The protection under `key` on the table of platform `copy`, from its table's read: its guard, or its local override. */
async function protectionIn(query: Run, table: ProtectedTable, location: FieldLocation, key: string, copy: string): Promise<ProtectionReadBack | null> {
  const name = guardTriggerName(key);
  const found = table.guards.find((g) => g.trigger === name);
  if (found) return readBackOf(location, key, found);
  return table.overrideOfKey ? readOverrideProtection(query, location, key, copy) : null;
}

/** A guard as read back, in the platform-neutral shape. */
function readBackOf(location: FieldLocation, key: string, found: GuardReadBack): ProtectionReadBack {
  return {
    location, key: found.key ?? key, authority: found.authority, fields: found.columns, syncPrincipal: found.syncPrincipal,
    correctionHint: found.correctionHint, fact: found.fact, enforced: found.enforced, mechanism: found.trigger,
  };
}

/**
 * A copy's record-key column (the column holding the authority's key, e.g. ops
 * `customers.crm_party_id`), where the copy's rows are the sync's: a person who changes it
 * re-points the row at another record, and the sync then writes that record's values into it
 * while the first record's values go missing from the copy. So, when the concept says the keys are
 * the sync's (keyedBy's protectKeys), each
 * read-only copy's key column is guarded too, by a protection of its own whose note says what
 * the column is. Not where the copy keeps its records under the same key name (no mapping: the
 * key is the copy's own primary key, which people set when they make rows), nor on a copy that
 * allows local overrides.
 */
import { ConceptField } from './concept';
import { FieldProtectionConfig } from './l1/field-protection';
import { FieldLocation, Platform } from './platform';
import { RecordKey } from './record-key';
import { namesDiffer } from './route-mapping';

/** One copy-side protection group of a policy, as _protectionSpecs builds it. */
export interface KeyGroup {
  /** Where the group's fields live on the holder (its table). */
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly string[];
  readonly owner: Platform;
  readonly fields: readonly ConceptField[];
}

/** What a person reads when the key column refuses their edit. */
export function keyColumnHint(key: FieldLocation, ownerKey: FieldLocation, owner: Platform, fields: readonly ConceptField[]): string {
  const facts = fields.map((f) => f.toString()).join(', ');
  return `${key.field} says which record of ${owner.title} (${owner.name}) this row copies (its ${ownerKey.field}); the sync sets it ` +
    `when it makes the row and ${facts} follow${fields.length > 1 ? '' : 's'} it. Changing it here would copy another record into this row. ` +
    `If the row belongs to another record, correct it in ${owner.title}.`;
}

/**
 * The key column's protection for one copy-side group, or undefined where none is due.
 * `holder` is where the guard goes (a storage database for an application platform),
 * `locatedOn` the platform the model places the fields on.
 */
export function keyColumnProtection(
  recordKey: RecordKey | undefined, holder: Platform, locatedOn: Platform, group: KeyGroup,
): Pick<FieldProtectionConfig, 'columns' | 'correctionHint'> | undefined {
  if (!recordKey?.protectsKeys) return undefined;
  const declared = recordKey.keyOn(locatedOn);
  const ownerKey = recordKey.keyOn(group.owner)?._onSyncEndpoint();
  if (!declared || !ownerKey) return undefined;
  const key = holder !== locatedOn ? declared._onSyncEndpoint() : declared;
  if (key.schemaName !== group.schema || key.container !== group.table || group.columns.includes(key.field)) return undefined;
  if (!namesDiffer(ownerKey, key._onSyncEndpoint())) return undefined;
  return { columns: [key.field], correctionHint: keyColumnHint(key, ownerKey, group.owner, group.fields) };
}

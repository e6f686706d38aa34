import { Contract } from './contract';
import { FieldLocation, Platform } from './platform';
import { PropError, checkBoolean, checkInstance, checkList, checkObject, checkOneOf } from './prop-checks';

/** What a sync route does with a record the copy has no row for (the copy keeps its records under other names). */
export enum MissingRows {
  /** Leave the copy as it is; plan counts the authority's records the copy lacks. */
  REPORT = 'report',
  /** Insert a row for it on the copy, with the authority's key in the copy's key column and the governed fields. */
  CREATE = 'create',
}

export interface RecordKeyProps {
  /**
   * Where each platform keeps the record's identity: on the authority its key (e.g.
   * `crm.at('campaigns.id')`), and on each copy the column that holds that key (an external-id
   * column, e.g. `ops.at('campaigns_view.crm_id')`). One location per platform; its table is the
   * table the concept's fields live in there.
   */
  readonly keys: FieldLocation[];
  /**
   * What a route does with records the copy has no row for.
   * @default MissingRows.REPORT
   */
  readonly missingRows?: MissingRows;
  /**
   * Whether the copies' key columns are the sync's: guarded on each read-only copy like the
   * fields, so nobody re-points a row at another record. Turn it on where the copies' key columns
   * hold the authority's key (external-id columns such as `crm_party_id`), typically with
   * MissingRows.CREATE. Off by default because a copy's key may be its own record id (Tryton's
   * `party.party.id` as a copy), which people and the platform itself set whenever they make a
   * row, and which a guard would then refuse.
   * @default false
   */
  readonly protectKeys?: boolean;
}

/**
 * How the records of a concept correspond across platforms whose names differ: the key on each
 * platform. With it, a route carries values between tables and columns of different names (a CRM's
 * party.name into a CMS's accounts.display_name), finding the copy's row by the column that holds
 * the authority's key.
 */
export class RecordKey {
  public readonly keys: FieldLocation[];
  public readonly missingRows: MissingRows;
  /** Whether the copies' key columns are guarded (protectKeys, or its default). */
  public readonly protectsKeys: boolean;

  constructor(where: string, props: RecordKeyProps) {
    checkObject(where, 'props', props, false);
    checkList(where, 'keys', props.keys, 'FieldLocations', (prop, v) => checkInstance(where, prop, v,
      (x): x is FieldLocation => x instanceof FieldLocation, 'a FieldLocation', 'platform.at("table.column")'));
    if (props.keys.length < 2) {
      throw new PropError(where, 'keys', 'at least two locations (the authority\'s key, and the column holding it on a copy)', props.keys);
    }
    const seen = new Set<Platform>();
    for (const k of props.keys) {
      if (seen.has(k.platform)) {
        throw new Error(`${where}: keys has two locations on platform "${k.platform.name}"; a record has one key column per platform.`);
      }
      seen.add(k.platform);
    }
    checkOneOf(where, 'missingRows', props.missingRows, 'MissingRows', MissingRows as unknown as Record<string, string>, true);
    this.keys = [...props.keys];
    this.missingRows = props.missingRows ?? (Contract.DEFAULT_MISSING_ROWS as MissingRows);
    checkBoolean(where, 'protectKeys', props.protectKeys, true);
    this.protectsKeys = props.protectKeys ?? false;
  }

  /** The key column on `platform`, if declared (on a storage database: the key declared on its application). */
  public keyOn(platform: Platform): FieldLocation | undefined {
    return this.keys.find((k) => k.platform === platform) ?? this.keys.find((k) => k.platform.storagePlatform === platform)?._onSyncEndpoint();
  }
}

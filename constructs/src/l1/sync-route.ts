// L1 binding of authority_sync_route. Mirrors provider/resources/sync-route.ts one to one;
// test/bindings.test.ts checks it against the schema the real provider serves.
import { TerraformResource, TerraformResourceLifecycle, ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { PROVIDER_VERSION } from './provider';

export interface SyncRouteConfig {
  /** The authoritative platform, by its name in the provider configuration: it sends the values. Changing it moves the route in place (the old one is removed first). */
  readonly authority: string;
  /** The platform that holds the copy, by name: it receives the values. Changing it moves the route in place (the old one is removed first). */
  readonly copy: string;
  /** Schema of the table, the same on both platforms. @default "public" */
  readonly schema?: string;
  /** The table, under the same name on both platforms. */
  readonly table: string;
  /** The governed columns, under the same names on both platforms; the record key always travels with them. */
  readonly columns: string[];
  /** What tells routes of one table between the same platforms apart (the policy's name), when several policies govern different columns of it. @default "" (the table's only route) */
  readonly key?: string;
  /** This route is one half of a declared two-way sync (needs PostgreSQL 16+ on both platforms): of a split, or, with divergence "newest_wins" on both halves, of the same columns. @default false */
  readonly twoWay?: boolean;
  /** What wins when the copy's value differs as the route starts: "authority_wins", "authority_unless_blank", "newest_wins" or "manual_review". @default "authority_wins" */
  readonly divergence?: string;
  /** How far the copy may lag behind the authority, e.g. "5m", "90s", "1h", "1d"; plan warns when the route is behind by more. @default no limit */
  readonly maxLag?: string;
  /** The copy's schema, when the copy keeps the records under other names (a mapped route). @default the same as `schema` */
  readonly copySchema?: string;
  /** The copy's table, when the copy keeps the records under other names (a mapped route). @default the same as `table` */
  readonly copyTable?: string;
  /** The copy's column for each of `columns`, in the same order, on a mapped route. @default the same names */
  readonly copyColumns?: string[];
  /** The copy's column that holds the authority's record key, on a mapped route: the copy's rows are found by it. @default none (the same key columns) */
  readonly copyKeyColumn?: string;
  /** The authority's column whose value the copy holds in copyKeyColumn, on a mapped route: it must be the authority table's one-column key. @default the authority table's key */
  readonly recordKeyColumn?: string;
  /** What a mapped route does with records the copy has no row for: "report" or "create". @default "report" */
  readonly missingRows?: string;
  /** @default none */
  readonly dependsOn?: ITerraformDependable[];
  /** @default none */
  readonly lifecycle?: TerraformResourceLifecycle;
}

/** The `authority_sync_route` resource: values of governed columns flow from the authority to a copy. */
export class SyncRoute extends TerraformResource {
  public static readonly tfResourceType = 'authority_sync_route';
  private readonly config: SyncRouteConfig;

  constructor(scope: Construct, id: string, config: SyncRouteConfig) {
    super(scope, id, {
      terraformResourceType: 'authority_sync_route',
      terraformGeneratorMetadata: { providerName: 'authority', providerVersion: PROVIDER_VERSION },
      dependsOn: config.dependsOn,
      lifecycle: config.lifecycle,
    });
    this.config = config;
  }

  /** The authority's name for what it sends (a PostgreSQL publication). */
  public get publication(): string {
    return this.getStringAttribute('publication');
  }

  /** The copy's name for what it receives through (a PostgreSQL subscription and its slot). */
  public get subscription(): string {
    return this.getStringAttribute('subscription');
  }

  /** The record key sent with the governed columns, as read from the authority. */
  public get keyColumns(): string[] {
    return this.getListAttribute('key_columns');
  }

  protected synthesizeAttributes(): { [name: string]: any } {
    const c = this.config;
    return {
      authority: c.authority,
      copy: c.copy,
      schema: c.schema,
      table: c.table,
      columns: c.columns,
      key: c.key,
      two_way: c.twoWay,
      divergence: c.divergence,
      max_lag: c.maxLag,
      copy_schema: c.copySchema,
      copy_table: c.copyTable,
      copy_columns: c.copyColumns,
      copy_key_column: c.copyKeyColumn,
      record_key_column: c.recordKeyColumn,
      missing_rows: c.missingRows,
    };
  }
}

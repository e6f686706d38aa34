import { Contract } from './contract';
import { AuthorityProviderDirectus, AuthorityProviderPlatform, AuthorityProviderPostgresql, AuthorityProviderTryton } from './l1/provider';
import { PropError, checkInstance, checkList, checkObject, checkOneOf, checkString } from './prop-checks';

/** What kind of system a platform is; reporting kinds are consumers, never authorities. */
export enum PlatformKind {
  CRM = 'crm',
  CMS = 'cms',
  ERP = 'erp',
  ECOMMERCE = 'ecommerce',
  SUPPORT_DESK = 'support_desk',
  HR = 'hr',
  INTERNAL_TOOL = 'internal_tool',
  WAREHOUSE = 'warehouse',
  BI = 'bi',
  SPREADSHEET = 'spreadsheet',
  EXPORT = 'export',
}

/** Whether people run the workflow in a platform (operational) or only read from it (consumer). */
export enum PlatformRole {
  OPERATIONAL = 'operational',
  CONSUMER = 'consumer',
}

const CONSUMER_KINDS = [PlatformKind.WAREHOUSE, PlatformKind.BI, PlatformKind.SPREADSHEET, PlatformKind.EXPORT];

/** Connection settings for a platform whose data lives in PostgreSQL: the provider's own block. */
export interface PostgresqlConnectionProps extends AuthorityProviderPostgresql {}

/**
 * Connection settings for a Directus (11.x) platform: the provider's own block. Its copies are
 * protected by Directus permissions; the platform's `syncPrincipal` is the name of the Directus
 * policy the sync's user holds.
 */
export interface DirectusConnectionProps extends AuthorityProviderDirectus {
  /**
   * The PostgreSQL database Directus keeps its collections in (collection = table in its
   * `public` schema). With it, a copy on this platform is also guarded in that database, so
   * Directus admins and direct SQL are stopped too, and sync routes deliver values into it.
   * @default not given: Directus permissions only, and no sync route reaches the platform
   */
  readonly storage?: PostgresqlConnectionProps;
}

/**
 * Connection settings for a Tryton (6.x) platform: the provider's own block. Its copies are
 * protected by Tryton's field access rules; the platform's `syncPrincipal` is the name of the
 * Tryton group the sync's user is in.
 */
export interface TrytonConnectionProps extends AuthorityProviderTryton {
  /**
   * The PostgreSQL database Tryton keeps its data in (model `party.party` is the table
   * `party_party` in its `public` schema). With it, a copy on this platform is also guarded in
   * that database, so direct SQL is stopped too, and sync routes deliver into and read from it.
   * @default not given: Tryton's access rules only, and no sync route reaches the platform
   */
  readonly storage?: PostgresqlConnectionProps;
}

/** How the provider reaches a platform to enforce the model there. */
export abstract class PlatformConnection {
  /** The platform keeps its data in PostgreSQL. */
  public static postgresql(props: PostgresqlConnectionProps): PlatformConnection {
    return new PostgresqlConnection(props);
  }

  /**
   * The platform is a Directus instance, reached through its REST API with an admin's static
   * token (named by tokenEnv or tokenFile, never the token itself). Name its `storage` database
   * and sync routes deliver into it, and its copies are guarded there too.
   */
  public static directus(props: DirectusConnectionProps): PlatformConnection {
    return new DirectusConnection(props);
  }

  /**
   * The platform is a Tryton server, reached through its JSON-RPC as a user of the Administration
   * group (password named by passwordEnv or passwordFile, never the password itself). No sync
   * route carries values to or from it: route them to the PostgreSQL platform of its database.
   */
  public static tryton(props: TrytonConnectionProps): PlatformConnection {
    return new TrytonConnection(props);
  }

  /** The provider's kind of platform: the name of its connection block (e.g. "postgresql"). */
  public abstract readonly providerKind: string;

  /**
   * The database an application platform keeps its data in, when the connection names one: its
   * copies are guarded there as well, and sync routes deliver into it.
   * @default none
   */
  public get storage(): PlatformConnection | undefined {
    return undefined;
  }

  /**
   * @internal How the platform names "container.field" paths when they are not "table.column" or
   * "schema.table.column" (a Tryton model's name holds dots): [schema, container, field].
   */
  public _splitPath(_path: string): [string, string, string] | undefined {
    return undefined;
  }

  /** @internal The table of the storage database that holds one of the platform's containers. */
  public _storageTable(container: string): string {
    return container;
  }

  /** The provider block for a platform with this connection. */
  public abstract toProviderPlatform(name: string): AuthorityProviderPlatform;

  /**
   * Whether a sync route can carry values from a platform with this connection (the sender) to
   * one with `other` (the receiver). Routes run only between kinds the provider has a router
   * for; synth makes no route, and warns, for any other pair.
   */
  public canSyncTo(other: PlatformConnection): boolean {
    return SYNC_PAIRS.some(([sender, receiver]) => sender === this.providerKind && receiver === other.providerKind);
  }
}

/** The pairs of kinds (sender, receiver) the provider has a sync router for. */
const SYNC_PAIRS: ReadonlyArray<readonly [string, string]> = [['postgresql', 'postgresql']];

class PostgresqlConnection extends PlatformConnection {
  public readonly providerKind = 'postgresql';

  constructor(private readonly props: PostgresqlConnectionProps) {
    super();
    if (props.passwordEnv && props.passwordFile) {
      throw new Error('A PostgreSQL connection takes passwordEnv or passwordFile, not both.');
    }
  }

  public toProviderPlatform(name: string): AuthorityProviderPlatform {
    return { name, postgresql: [{ ...this.props }] };
  }
}

class DirectusConnection extends PlatformConnection {
  public readonly providerKind = 'directus';
  private readonly props: AuthorityProviderDirectus;
  private readonly storageConnection?: PlatformConnection;

  constructor(props: DirectusConnectionProps) {
    super();
    checkDirectusProps(props);
    const { storage, ...block } = props;
    this.props = { ...block, ...(props.editorPolicies ? { editorPolicies: [...props.editorPolicies] } : {}) };
    this.storageConnection = storage ? PlatformConnection.postgresql(storage) : undefined;
  }

  public get storage(): PlatformConnection | undefined {
    return this.storageConnection;
  }

  public toProviderPlatform(name: string): AuthorityProviderPlatform {
    return { name, directus: [{ ...this.props }] };
  }
}

/** A Directus connection's props as given at runtime (callers through jsii are not held to the types). */
function checkDirectusProps(props: unknown): void {
  const where = 'PlatformConnection.directus';
  checkObject(where, 'props', props, false);
  const p = props as Record<string, unknown>;
  checkString(where, 'url', p.url);
  if (!/^https?:\/\/[^\s]+$/.test(p.url as string)) throw new PropError(where, 'url', 'an http:// or https:// URL', p.url, 'Pass the base URL of Directus, e.g. "https://cms.example.com".');
  checkString(where, 'tokenEnv', p.tokenEnv, { optional: true });
  checkString(where, 'tokenFile', p.tokenFile, { optional: true });
  if ((p.tokenEnv === undefined) === (p.tokenFile === undefined)) {
    throw new PropError(where, 'tokenEnv or tokenFile', 'set, one of them', p.tokenEnv ?? p.tokenFile,
      'Name the environment variable (tokenEnv) or the file (tokenFile) that holds the Directus token; never the token itself.');
  }
  checkList(where, 'editorPolicies', p.editorPolicies, 'policy names', (prop, v) => checkString(where, prop, v), true);
  const t = p.connectTimeout;
  if (t !== undefined && (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > 3600)) {
    throw new PropError(where, 'connectTimeout', 'a whole number of seconds from 1 to 3600', t);
  }
  checkObject(where, 'storage', p.storage, true);
  if (p.storage !== undefined) {
    const s = p.storage as Record<string, unknown>;
    for (const key of ['host', 'database', 'username']) checkString(where, `storage.${key}`, s[key]);
  }
}

class TrytonConnection extends PlatformConnection {
  public readonly providerKind = 'tryton';
  private readonly props: AuthorityProviderTryton;
  private readonly storageConnection?: PlatformConnection;

  constructor(props: TrytonConnectionProps) {
    super();
    checkTrytonProps(props);
    const { storage, ...block } = props;
    this.props = { ...block, ...(props.editorGroups ? { editorGroups: [...props.editorGroups] } : {}) };
    this.storageConnection = storage ? PlatformConnection.postgresql(storage) : undefined;
  }

  public get storage(): PlatformConnection | undefined {
    return this.storageConnection;
  }

  /** "party.party.name": the model is everything before the last dot, and Tryton has no schemas. */
  public _splitPath(path: string): [string, string, string] | undefined {
    const dot = path.lastIndexOf('.');
    return dot > 0 && dot < path.length - 1 ? ['public', path.slice(0, dot), path.slice(dot + 1)] : undefined;
  }

  /** Tryton keeps model "party.party" in table "party_party". */
  public _storageTable(container: string): string {
    return container.replace(/\./g, '_');
  }

  public toProviderPlatform(name: string): AuthorityProviderPlatform {
    return { name, tryton: [{ ...this.props }] };
  }
}

/** A Tryton connection's props as given at runtime (callers through jsii are not held to the types). */
function checkTrytonProps(props: unknown): void {
  const where = 'PlatformConnection.tryton';
  checkObject(where, 'props', props, false);
  const p = props as Record<string, unknown>;
  checkString(where, 'url', p.url);
  if (!/^https?:\/\/[^\s]+$/.test(p.url as string)) throw new PropError(where, 'url', 'an http:// or https:// URL', p.url, 'Pass the base URL of trytond, e.g. "https://erp.example.com".');
  checkString(where, 'database', p.database);
  checkString(where, 'user', p.user, { optional: true });
  checkString(where, 'passwordEnv', p.passwordEnv, { optional: true });
  checkString(where, 'passwordFile', p.passwordFile, { optional: true });
  if ((p.passwordEnv === undefined) === (p.passwordFile === undefined)) {
    throw new PropError(where, 'passwordEnv or passwordFile', 'set, one of them', p.passwordEnv ?? p.passwordFile,
      'Name the environment variable (passwordEnv) or the file (passwordFile) that holds the Tryton password; never the password itself.');
  }
  checkList(where, 'editorGroups', p.editorGroups, 'group names', (prop, v) => checkString(where, prop, v), true);
  const t = p.connectTimeout;
  if (t !== undefined && (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > 3600)) {
    throw new PropError(where, 'connectTimeout', 'a whole number of seconds from 1 to 3600', t);
  }
  checkObject(where, 'storage', p.storage, true);
  if (p.storage !== undefined) {
    const s = p.storage as Record<string, unknown>;
    for (const key of ['host', 'database', 'username']) checkString(where, `storage.${key}`, s[key]);
  }
}

export interface PlatformProps {
  /** Short, stable name: how plans, resources and messages refer to the platform (e.g. "crm"). */
  readonly name: string;
  readonly kind: PlatformKind;
  /** Human name used in correction hints, e.g. "the CRM (Salesforce)". @default the name */
  readonly title?: string;
  /** @default CONSUMER for warehouse, BI, spreadsheet and export platforms; OPERATIONAL otherwise */
  readonly role?: PlatformRole;
  /**
   * How the provider reaches the platform. A platform without one is modelled and validated,
   * but nothing is enforced on it.
   * @default not connected
   */
  readonly connection?: PlatformConnection;
  /** The principal the sync writes as on this platform: the only writer of its copied fields. @default "authority_sync" */
  readonly syncPrincipal?: string;
}

/** A connected system: a CRM, a CMS, an ERP, an internal tool, a BI layer ... */
export class Platform {
  public readonly name: string;
  public readonly kind: PlatformKind;
  public readonly title: string;
  public readonly role: PlatformRole;
  public readonly connection?: PlatformConnection;
  public readonly syncPrincipal: string;
  /**
   * The database platform under an application platform whose connection names its storage
   * (e.g. "cms-db" under a Directus "cms"): copies here are guarded there too, and sync routes
   * deliver into it. Its name is this platform's name plus Platform.STORAGE_SUFFIX.
   * @default none
   */
  public readonly storagePlatform?: Platform;

  /** What a storage platform's name adds to its application platform's name. */
  public static readonly STORAGE_SUFFIX = '-db';

  constructor(props: PlatformProps) {
    checkPlatformProps(props);
    if (!/^[a-z][a-z0-9_-]*$/.test(props.name)) {
      throw new Error(`Platform name "${props.name}" must start with a lowercase letter and use only a-z, 0-9, "_" and "-": it becomes part of resource addresses.`);
    }
    this.name = props.name;
    this.kind = props.kind;
    this.title = props.title ?? props.name;
    this.role = props.role ?? (CONSUMER_KINDS.includes(props.kind) ? PlatformRole.CONSUMER : PlatformRole.OPERATIONAL);
    this.connection = props.connection;
    this.syncPrincipal = props.syncPrincipal ?? Contract.DEFAULT_SYNC_PRINCIPAL;
    const storage = props.connection?.storage;
    if (storage) {
      this.storagePlatform = new Platform({
        name: `${props.name}${Platform.STORAGE_SUFFIX}`, kind: props.kind, title: `${this.title}'s database`,
        role: this.role, connection: storage, syncPrincipal: props.syncPrincipal,
      });
    }
  }

  /** Where sync routes deliver to and read from on this platform: its storage, if it has one. */
  public get syncEndpoint(): Platform {
    return this.storagePlatform ?? this;
  }

  /** Where a field lives here: "table.column" or "schema.table.column" (object.property on SaaS). */
  public at(path: string): FieldLocation {
    checkString(`${this.name}.at`, 'path', path);
    return FieldLocation.parse(this, path);
  }

  /**
   * Whether this platform is a reporting or export layer: a consumer, never an authority. The
   * role decides (it defaults from the kind), so a warehouse declared OPERATIONAL may own facts.
   */
  public get isReporting(): boolean {
    return this.role === PlatformRole.CONSUMER;
  }
}

/** A Platform's props as given at runtime (callers through jsii are not held to the types). */
function checkPlatformProps(props: unknown): void {
  checkObject('new Platform', 'props', props, false);
  const p = props as Record<string, unknown>;
  checkString('new Platform', 'name', p.name);
  const where = `Platform "${p.name}"`;
  checkOneOf(where, 'kind', p.kind, 'PlatformKind', PlatformKind as unknown as Record<string, string>);
  checkString(where, 'title', p.title, { optional: true });
  checkOneOf(where, 'role', p.role, 'PlatformRole', PlatformRole as unknown as Record<string, string>, true);
  checkInstance(where, 'connection', p.connection, (x): x is PlatformConnection => x instanceof PlatformConnection, 'a PlatformConnection',
    'PlatformConnection.postgresql({ host, database, username }), PlatformConnection.directus({ url, tokenEnv }) or PlatformConnection.tryton({ url, database, ... })', true);
  checkString(where, 'syncPrincipal', p.syncPrincipal, { optional: true });
}

/** The physical place of a field on one platform. */
export class FieldLocation {
  /** Parses "table.column" or "schema.table.column". */
  public static parse(platform: Platform, path: string): FieldLocation {
    const own = platform.connection?._splitPath(path);
    if (own) return new FieldLocation(platform, ...own);
    const parts = path.split('.');
    if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) {
      throw new Error(`Field location "${path}" on platform "${platform.name}" must be "table.column" or "schema.table.column".`);
    }
    const [schemaName, container, field] = parts.length === 3 ? parts : ['public', ...parts];
    return new FieldLocation(platform, schemaName, container, field);
  }

  constructor(
    public readonly platform: Platform,
    /** The schema (PostgreSQL) or namespace that holds the container. */
    public readonly schemaName: string,
    /** The table, collection or object type. */
    public readonly container: string,
    public readonly field: string,
  ) {}

  /**
   * @internal Where sync routes and the storage's guard reach this field: in the platform's
   * storage database, under the storage's name for the container; without storage, here.
   */
  public _onSyncEndpoint(): FieldLocation {
    const storage = this.platform.storagePlatform;
    if (!storage) return this;
    return new FieldLocation(storage, this.schemaName, this.platform.connection!._storageTable(this.container), this.field);
  }

  public toString(): string {
    return `${this.platform.name}:${this.schemaName}.${this.container}.${this.field}`;
  }
}

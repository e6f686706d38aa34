// L1 binding of the authority provider's configuration. Mirrors provider/platforms/ (configured.ts, postgresql/config.ts,
// directus/config.ts) one to
// one; test/bindings.test.ts checks it against the schema the real provider serves.
import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';

/** Terraform source address of the provider; the local mirror serves it offline. */
export const PROVIDER_SOURCE = 'authority.local/authority/authority';
/** The provider version this library synthesizes for (the project's version). */
export const PROVIDER_VERSION = '0.1.0';

/** The `postgresql` block of a platform: how the provider reaches a platform kept in PostgreSQL. */
export interface AuthorityProviderPostgresql {
  /** Server host name or address. */
  readonly host: string;
  /** @default 5432 */
  readonly port?: number;
  /** The database that holds the platform's tables. */
  readonly database: string;
  /** The role the provider connects as; it must own the protected tables or be a superuser. */
  readonly username: string;
  /**
   * Name of the environment variable that holds the password, where terraform runs.
   * The password itself never enters code, plan or state.
   * @default no password (or passwordFile)
   */
  readonly passwordEnv?: string;
  /**
   * Path of a file whose first line is the password.
   * @default no password (or passwordEnv)
   */
  readonly passwordFile?: string;
  /** Seconds to wait for a connection. @default 10 */
  readonly connectTimeout?: number;
  /** Seconds a step may wait on other sessions (a lock on a table, transactions open while a replication slot is created). @default 60 */
  readonly waitTimeout?: number;
  /** Host the servers of this platform's copies use to reach it for replication, when it differs from `host`. @default host */
  readonly replicationHost?: string;
  /** Port for replicationHost. @default port */
  readonly replicationPort?: number;
  /** TLS, as libpq's sslmode: "disable", "prefer", "require", "verify-ca" or "verify-full". @default "prefer" */
  readonly sslmode?: string;
  /** CA certificate file (PEM) where terraform runs, for verify-ca and verify-full. @default the system's CAs */
  readonly sslrootcert?: string;
  /** CA certificate file on the copies' servers, for their subscriptions. @default libpq's */
  readonly replicationSslrootcert?: string;
}

/** The `directus` block of a platform: how the provider reaches a Directus (11.x) instance's REST API. */
export interface AuthorityProviderDirectus {
  /** Base URL of Directus, e.g. "https://cms.example.com" (no credentials in it). */
  readonly url: string;
  /**
   * Name of the environment variable that holds a static token of a Directus user with admin access, where terraform runs.
   * The token itself never enters code, plan or state.
   * @default no token (or tokenFile)
   */
  readonly tokenEnv?: string;
  /**
   * Path of a file whose first line is the token.
   * @default no token (or tokenEnv)
   */
  readonly tokenFile?: string;
  /**
   * Names of the Directus policies of the people who must not change protected fields.
   * @default every policy without admin access other than the sync principal's
   */
  readonly editorPolicies?: string[];
  /** Seconds to wait for each answer from Directus. @default 10 */
  readonly connectTimeout?: number;
}

/** The `tryton` block of a platform: how the provider reaches a Tryton (6.x) server's JSON-RPC. */
export interface AuthorityProviderTryton {
  /** Base URL of trytond, e.g. "https://erp.example.com" (no credentials in it). */
  readonly url: string;
  /** The Tryton database the protected models are in. */
  readonly database: string;
  /**
   * Login of the Tryton user the provider acts as (in the Administration group: it changes field access rules).
   * @default "admin"
   */
  readonly user?: string;
  /**
   * Name of the environment variable that holds that user's password, where terraform runs.
   * The password itself never enters code, plan or state.
   * @default no password (or passwordFile)
   */
  readonly passwordEnv?: string;
  /**
   * Path of a file whose first line is the password.
   * @default no password (or passwordEnv)
   */
  readonly passwordFile?: string;
  /**
   * Names of the Tryton groups of the people who must not change protected fields.
   * @default everyone but the sync principal's group (one rule without a group)
   */
  readonly editorGroups?: string[];
  /** Seconds to wait for each answer from Tryton. @default 10 */
  readonly connectTimeout?: number;
}

export interface AuthorityProviderPlatform {
  readonly name: string;
  /** @default no connection */
  readonly postgresql?: AuthorityProviderPostgresql[];
  /** @default no connection */
  readonly directus?: AuthorityProviderDirectus[];
  /** @default no connection */
  readonly tryton?: AuthorityProviderTryton[];
}

export interface AuthorityProviderConfig {
  /** @default no platforms */
  readonly platform?: AuthorityProviderPlatform[];
  /** @default none */
  readonly alias?: string;
}

/** The `authority` provider block. */
export class AuthorityProvider extends TerraformProvider {
  public static readonly tfResourceType = 'authority';
  public platform?: AuthorityProviderPlatform[];

  constructor(scope: Construct, id: string, config: AuthorityProviderConfig = {}) {
    super(scope, id, {
      terraformResourceType: 'authority',
      terraformGeneratorMetadata: { providerName: 'authority', providerVersion: PROVIDER_VERSION },
      terraformProviderSource: PROVIDER_SOURCE,
    });
    this.platform = config.platform;
    this.alias = config.alias;
  }

  protected synthesizeAttributes(): { [name: string]: any } {
    return {
      alias: this.alias,
      platform: this.platform?.map((p) => ({
        name: p.name,
        postgresql: p.postgresql?.map((c) => ({
          host: c.host,
          port: c.port,
          database: c.database,
          username: c.username,
          password_env: c.passwordEnv,
          password_file: c.passwordFile,
          connect_timeout: c.connectTimeout,
          wait_timeout: c.waitTimeout,
          replication_host: c.replicationHost,
          replication_port: c.replicationPort,
          sslmode: c.sslmode,
          sslrootcert: c.sslrootcert,
          replication_sslrootcert: c.replicationSslrootcert,
        })),
        directus: p.directus?.map((c) => ({
          url: c.url,
          token_env: c.tokenEnv,
          token_file: c.tokenFile,
          editor_policies: c.editorPolicies,
          connect_timeout: c.connectTimeout,
        })),
        tryton: p.tryton?.map((c) => ({
          url: c.url,
          database: c.database,
          user: c.user,
          password_env: c.passwordEnv,
          password_file: c.passwordFile,
          editor_groups: c.editorGroups,
          connect_timeout: c.connectTimeout,
        })),
      })),
    };
  }
}

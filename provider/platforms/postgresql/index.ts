/**
 * The PostgreSQL kind: guard triggers protect copies (adapter.ts, guard-*.ts), logical replication
 * carries values between two PostgreSQL platforms (router.ts and the route-*, pair-steps, settle
 * files). Registered in ../index.ts.
 */
import { PlatformAdapter } from '../adapter';
import { PlatformKind, SyncRouterPair } from '../kind';
import { PostgresAdapter } from './adapter';
import { configurePostgresql, postgresqlBlock } from './config';
import { checkPostgresqlName } from './names';
import { PostgresSyncRouter } from './router';
import { cancelOpenSessions } from './sessions';

export const postgresql: PlatformKind = {
  name: 'postgresql',
  block: postgresqlBlock,
  example: 'postgresql { host = ..., database = ..., username = ... }',
  configure: configurePostgresql,
  checkName: checkPostgresqlName,
  abandon: cancelOpenSessions,
};

/** Logical replication from one PostgreSQL platform to another. */
export const postgresqlToPostgresql: SyncRouterPair = {
  sender: 'postgresql',
  receiver: 'postgresql',
  route: (authority: PlatformAdapter, copy: PlatformAdapter) => new PostgresSyncRouter(asPostgres(authority), asPostgres(copy)),
};

/** The registry hands this pair only adapters of its kinds. */
function asPostgres(a: PlatformAdapter): PostgresAdapter {
  if (!(a instanceof PostgresAdapter)) throw new Error(`platform "${a.name}" is of kind ${a.kind}, not postgresql`);
  return a;
}

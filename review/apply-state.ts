/**
 * Where each domain's state lives. The default is a local file beside the embedded default's
 * data (one person, one machine). A team sets AUTHORITY_STATE_BACKEND=pg: each domain's state then
 * lives in Terraform's pg backend, in a schema of its own, so concurrent applies of one domain are
 * serialized by the backend's lock. The connection is terraform's to read from PG_CONN_STR (or
 * the standard libpq variables PGHOST, PGUSER, PGPASSWORD ...) when it runs: it is never
 * synthesized, so no credential lands in cdk.tf.json.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { LocalBackend, PgBackend, type PgBackendConfig, type TerraformStack } from 'cdktf';

/** The environment variable that chooses the state backend: "local" (default) or "pg". */
export const STATE_BACKEND_ENV = 'AUTHORITY_STATE_BACKEND';

const STATE_PREFIX = 'authority_state_';

/**
 * The pg backend's schema for a domain: one per domain, so each has its own state and lock.
 * Terraform splices it into SQL unquoted, so it holds only [a-z0-9_]; when that loses something
 * (upper case, other characters) or PostgreSQL would truncate it (63 bytes), a hash of the domain
 * keeps it apart: "a-b" and "a_b" sharing one state would have each plan destroy the other's.
 */
export function stateSchema(domain: string): string {
  const safe = domain.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  if (safe === domain && STATE_PREFIX.length + safe.length <= 63) return STATE_PREFIX + safe;
  const hash = createHash('sha256').update(domain).digest('hex').slice(0, 12);
  return `${STATE_PREFIX}${safe.slice(0, 63 - STATE_PREFIX.length - hash.length - 1)}_${hash}`;
}

/** Gives `stack` its state backend as the environment chooses. */
export function addStateBackend(stack: TerraformStack, stateDir: string, env: NodeJS.ProcessEnv = process.env): void {
  const choice = (env[STATE_BACKEND_ENV] ?? 'local').trim().toLowerCase();
  if (choice === 'local' || choice === '') {
    new LocalBackend(stack, { path: path.join(stateDir, `${stack.node.id}.tfstate`) });
    return;
  }
  if (choice !== 'pg') {
    throw new Error(`${STATE_BACKEND_ENV}="${env[STATE_BACKEND_ENV]}": choose "local" (a file per domain) or "pg" (Terraform's pg backend, shared by a team).`);
  }
  if (!env.PG_CONN_STR && !env.PGHOST) {
    throw new Error(`${STATE_BACKEND_ENV}=pg: set PG_CONN_STR (postgres://user@host/db?sslmode=verify-full, password in PGPASSWORD) or the libpq variables PGHOST, PGUSER, PGDATABASE, PGPASSWORD, where terraform runs.`);
  }
  // conn_str left out on purpose: terraform reads PG_CONN_STR / libpq's variables at run time.
  new PgBackend(stack, { schemaName: stateSchema(stack.node.id) } as PgBackendConfig);
}

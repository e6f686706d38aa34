/**
 * The schemas the provider keeps for itself on a platform (authority_records: the override log and
 * review queue; authority_catalog: the facts registry and view) are written with the provider's
 * rights, and the log's SECURITY DEFINER functions write them with their owner's. Someone with
 * CREATE on the database could create such a schema first, with a table of the expected name
 * carrying a trigger of their own: each of those writes would then run their trigger with the
 * provider's rights. So before it writes there, the provider checks who owns the schema and those
 * tables: its own user, a superuser, or (for a provider that is no superuser, which pg_has_role
 * would otherwise wave through) a role its user is a member of. Anything else is refused, named.
 */
import { dollarQuoted, lit } from './guard-sql';

/** Whether the role `owner` (an oid expression) may own what the provider writes. */
function trusted(owner: string): string {
  return `EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.oid OPERATOR(pg_catalog.=) ${owner}
      AND (r.rolsuper OR r.rolname OPERATOR(pg_catalog.=) current_user
           OR (NOT (SELECT s.rolsuper FROM pg_catalog.pg_roles s WHERE s.rolname OPERATOR(pg_catalog.=) current_user)
               AND pg_catalog.pg_has_role(current_user, r.oid, 'USAGE'))))`;
}

/** A statement that fails, naming the object and its owner, when `schema` or one of its `relations` belongs to a role the provider does not trust. */
export function schemaTrustStatement(schema: string, relations: readonly string[]): string {
  const body = ` DECLARE
  what pg_catalog.text;
  owner pg_catalog.text;
BEGIN
  SELECT o.what, pg_catalog.pg_get_userbyid(o.owner) INTO what, owner FROM (
      SELECT 'schema ' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(n.nspname) AS what, n.nspowner AS owner
        FROM pg_catalog.pg_namespace n WHERE n.nspname OPERATOR(pg_catalog.=) ${lit(schema)}
      UNION ALL
      SELECT pg_catalog.quote_ident(n.nspname) OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(c.relname), c.relowner
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
       WHERE n.nspname OPERATOR(pg_catalog.=) ${lit(schema)} AND c.relname OPERATOR(pg_catalog.=) ANY (${lit(`{${relations.join(',')}}`)}::pg_catalog.text[])
    ) o WHERE NOT ${trusted('o.owner')} LIMIT 1;
  IF what IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
      MESSAGE = pg_catalog.format('authority: %s belongs to role %s, which is neither the provider''s user nor a superuser: '
                                  'the provider does not write there (a trigger of that role''s would run with the provider''s rights)', what, owner),
      HINT = pg_catalog.format('If %s is yours, make the provider''s user its owner (ALTER ... OWNER TO); else drop it, and apply again.', what);
  END IF;
END `;
  return `DO ${dollarQuoted('trust', body)}`;
}

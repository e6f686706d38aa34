/**
 * The statements that run the provider's reads and writes of a user's table as its owner, inside
 * a SECURITY DEFINER function of the owner's (owner-run.ts): the statement is a constant of the
 * function's body, quoted whatever names it holds; a write returns its row count; nobody else may
 * execute the function.
 */
import { asTableOwnerStatements, ownerCallStatements, ownerFunctionStatements } from '../provider/platforms/postgresql/owner-run';

test('a read comes back row by row as json; the function is SECURITY DEFINER with the pinned search path, for its owner alone', () => {
  const [create, revoke] = ownerFunctionStatements('authority_as_owner_1', 'SELECT id FROM "public"."t" WHERE $1::json IS NULL');
  expect(create).toBe('CREATE FUNCTION pg_temp.authority_as_owner_1(p text) RETURNS SETOF json LANGUAGE plpgsql SECURITY DEFINER ' +
    "SET search_path = pg_catalog, pg_temp AS $authority_as_owner$BEGIN RETURN QUERY EXECUTE 'SELECT pg_catalog.row_to_json(authority_row) " +
    "FROM (SELECT id FROM \"public\".\"t\" WHERE $1::json IS NULL) authority_row' USING p; SET CONSTRAINTS ALL IMMEDIATE; END$authority_as_owner$");
  expect(revoke).toBe('REVOKE ALL ON FUNCTION pg_temp.authority_as_owner_1(text) FROM PUBLIC');
});

test('a write returns how many rows it wrote', () => {
  const [create] = ownerFunctionStatements('f', 'UPDATE "public"."t" h SET x = 1');
  expect(create).toContain("'WITH authority_written AS (UPDATE \"public\".\"t\" h SET x = 1 RETURNING 1) SELECT pg_catalog.json_build_object(''count'', pg_catalog.count(*)) FROM authority_written'");
});

test.each([
  ["a quote and our dollar tag", `SELECT 1 FROM "it's $authority_as_owner$"`],
  ['a backslash', 'SELECT 1 FROM "a\\b"'],
])('a statement naming a table with %s stays one quoted constant', (_what, sql) => {
  const [create] = ownerFunctionStatements('f', sql);
  const body = create.slice(create.indexOf(' AS ') + 4);
  const tag = body.slice(0, body.indexOf('$', 1) + 1);
  if (sql.includes('$authority_as_owner$')) expect(tag).not.toBe('$authority_as_owner$');
  expect(body.endsWith(tag)).toBe(true);
  expect(body.slice(tag.length, -tag.length)).not.toContain(tag);
});

test('a step sent as a list acts as the table\'s owner, returns the result, and gives the provider its role back', () => {
  const sql = asTableOwnerStatements('"public"."offers"', 'SELECT authority_records.revert_overrides(1) AS result');
  expect(sql[0]).toContain(`set_config('role', pg_catalog.pg_get_userbyid(c.relowner)::pg_catalog.text, true)`);
  expect(sql[0]).toContain(`'"public"."offers"'::pg_catalog.regclass`);
  expect(sql[3]).toBe("SELECT (v OPERATOR(pg_catalog.->>) 'result')::pg_catalog.int4 AS result FROM pg_temp.authority_as_table_owner(NULL) v");
  expect(sql[4]).toBe('DROP FUNCTION pg_temp.authority_as_table_owner(text)');
  expect(sql[5]).toBe("SELECT pg_catalog.set_config('role', 'none', true)");
});

test('every call goes through the provider\'s own function, which refuses one of the owner\'s that is no longer SECURITY DEFINER', () => {
  const [create] = ownerCallStatements();
  expect(create).toMatch(/^CREATE FUNCTION pg_temp\.authority_owner_call\(f text, p text\) RETURNS SETOF json LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS /);
  expect(create.slice(0, create.indexOf(' AS '))).not.toContain('SECURITY DEFINER'); // the provider's: runs as whoever calls it
  expect(create).toContain('p.prosecdef');
  expect(create).toContain("RAISE EXCEPTION 'the function pg_temp.% that runs a statement of the provider''s as the table''s owner is no longer SECURITY DEFINER");
});

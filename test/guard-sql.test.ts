/**
 * The guards' statement builders against every name a user or an attacker can give a schema,
 * table, column, role or policy: each is quoted so PostgreSQL reads it as one name, or refused with
 * an error naming it. The function bodies are constants: no name ever reaches them.
 */
import { escapeIdentifier, escapeLiteral } from 'pg';
import {
  BLANK_GUARD_BODY, GUARD_BODY, UnsafeNameError, blankGuardStatements, guardFunctionName, guardTriggerName, ident,
  installGuardStatements, lit, removeBlankGuardStatements, removeGuardStatements,
} from '../provider/platforms/postgresql/guard-sql';
import { cannotCreateFunction, cannotInstall, ownedTwice } from '../provider/platforms/postgresql/guard-check';
import { nameProblem } from '../provider/resources/config-checks';
import { HOSTILE_NAMES, IMPOSSIBLE_NAMES } from './support/hostile-names';

const plain = { namespace: 'public', container: 'campaigns' };
const args = (over: Partial<Parameters<typeof installGuardStatements>[1]> = {}) => ({
  syncPrincipal: 'authority_sync', authority: 'crm', correctionHint: 'Correct it in the CRM.', fact: 'campaign.name', key: 'k', columns: ['name'], ...over,
});

/** The text between the first `AS $tag$` and the tag's close: the function body as PostgreSQL reads it. */
function bodyOf(statement: string, tag: string): string {
  const open = statement.lastIndexOf(` AS ${tag}`);
  expect(open).toBeGreaterThan(0);
  expect(statement.endsWith(tag)).toBe(true);
  return statement.slice(open + 4 + tag.length, statement.length - tag.length);
}

describe.each(HOSTILE_NAMES)('a name with $label', ({ name }) => {
  test('ident quotes it as one identifier and lit as one literal', () => {
    expect(ident(name)).toBe(escapeIdentifier(name));
    expect(lit(name)).toBe(escapeLiteral(name));
  });

  test.each([
    ['column', { columns: [name, 'plain'] }, plain],
    ['key', { key: name }, plain],
    ['authority, fact, hint and principal', { authority: name, fact: name, correctionHint: name, syncPrincipal: name }, plain],
    ['schema', {}, { namespace: name, container: 'campaigns' }],
    ['table', {}, { namespace: 'public', container: name }],
  ] as const)('as the guard\'s %s: the body stays the constant one, the name is quoted wherever it goes', (_what, over, loc) => {
    const statements = installGuardStatements(loc, args(over));
    expect(bodyOf(statements[0], '$authority_guard$')).toBe(GUARD_BODY);
    const all = statements.join('\n');
    if ('columns' in over) expect(all).toContain(`WHEN (((NEW.${escapeIdentifier(name)} IS NULL) IS NOT NULL) AND ((NEW."plain" IS NULL) IS NOT NULL))`);
    if (loc.container === name) expect(all).toContain(`ON "public".${escapeIdentifier(name)}`);
    if (loc.namespace === name) expect(all).toContain(`${escapeIdentifier(name)}.${escapeIdentifier(guardFunctionName(loc, 'k'))}()`);
    if ('authority' in over) expect(all).toContain(`(${[name, name, name, name].map(escapeLiteral).join(', ')}, 'k', 'name')`);
    const key = (over as { key?: string }).key ?? 'k';
    expect(removeGuardStatements(loc, key, true).join('\n')).toContain(escapeIdentifier(guardTriggerName(key)));
  });

  test('as a column, schema or table of the blank guard: the body stays constant, the columns travel as one literal', () => {
    for (const loc of [plain, { namespace: name, container: 't' }, { namespace: 'public', container: name }]) {
      const statements = blankGuardStatements('authority_keep_0123', loc, name, [name, 'plain'], true);
      expect(bodyOf(statements[0], '$authority$')).toBe(BLANK_GUARD_BODY);
      expect(statements[0]).toContain(`SET authority.keep_columns = ${escapeLiteral(JSON.stringify([name, 'plain']))} AS $authority$`);
      expect(statements.join('\n')).toContain(`ON ${escapeIdentifier(loc.namespace)}.${escapeIdentifier(loc.container)}`);
      expect(removeBlankGuardStatements('authority_keep_0123', loc, true)[0]).toContain(`${escapeIdentifier(loc.namespace)}.${escapeIdentifier(loc.container)}`);
    }
  });

  test('its guard\'s trigger and function names fit PostgreSQL and differ per key and table', () => {
    for (const n of [guardTriggerName(name), guardFunctionName({ namespace: name, container: name }, name)]) {
      expect(Buffer.byteLength(n)).toBeLessThanOrEqual(63);
      expect(n).toMatch(/^authority_guard_[a-z0-9_]+$/);
    }
    expect(guardFunctionName({ namespace: 'public', container: name }, 'k')).not.toBe(guardFunctionName({ namespace: 'public', container: `${name}2` }, 'k'));
  });

  test('messages name it as it is', () => {
    const loc = { namespace: name, container: name };
    expect(cannotInstall(loc, 'on ops', name, name).detail).toContain(`GRANT "${name}" TO "${name}"`);
    expect(cannotCreateFunction(loc, 'on ops', name).summary).toContain(`schema ${name}`);
    const other = { trigger: name, authority: name, fact: name, columns: [name], syncPrincipal: 's', correctionHint: 'h', enforced: true };
    const p = { location: loc, key: 'k', authority: 'cms', fields: [name], syncPrincipal: 's', correctionHint: 'h' };
    expect(ownedTwice(p, 'on ops', other, [name]).summary).toBe(`${name} on ${name}.${name} on ops is already guarded for ${name} by ${name}`);
    expect(nameProblem('sync_principal', name, 'x')).toBeUndefined();
  });
});

describe.each(IMPOSSIBLE_NAMES)('a name PostgreSQL cannot hold: $label', ({ name }) => {
  test('every builder refuses it as a column, schema or table, saying why', () => {
    const why = name === '' ? /is empty/ : name.includes('\0') ? /NUL byte/ : /longer than 63 bytes/;
    expect(() => ident(name, 'column')).toThrow(UnsafeNameError);
    expect(() => ident(name, 'column')).toThrow(why);
    expect(() => installGuardStatements(plain, args({ columns: [name] }))).toThrow(why);
    expect(() => installGuardStatements({ namespace: name, container: 't' }, args())).toThrow(why);
    expect(() => installGuardStatements({ namespace: 'public', container: name }, args())).toThrow(why);
    expect(() => blankGuardStatements('authority_keep_0123', plain, 'crm', [name], false)).toThrow(why);
    expect(() => removeGuardStatements({ namespace: 'public', container: name }, 'k', true)).toThrow(why);
  });

  test('validate refuses it as a sync principal or column, naming the attribute\'s name', () => {
    for (const attribute of ['sync_principal', 'column', 'schema', 'table']) {
      expect(nameProblem(attribute, name, 'protect something else')?.summary).toMatch(new RegExp(`^${attribute} `));
    }
  });
});

test('a NUL byte in a text is refused; other texts pass as literals', () => {
  expect(() => lit('a\0b', 'correction hint')).toThrow(/correction hint .* NUL byte/);
  expect(() => installGuardStatements(plain, args({ correctionHint: 'a\0b' }))).toThrow(UnsafeNameError);
  expect(lit("it's")).toBe("'it''s'");
});

test('the bodies call nothing a schema on the search path could shadow, and run with the invoker\'s rights', () => {
  for (const body of [GUARD_BODY, BLANK_GUARD_BODY]) {
    const calls = [...body.matchAll(/([a-z_.]+)\(/g)].map((m) => m[1]).filter((f) => !['IF', 'EXISTS'].includes(f) && f !== '');
    expect(calls.filter((f) => !f.startsWith('pg_catalog.') && !['(', 'OPERATOR'].includes(f))).toEqual([]);
  }
  for (const s of [installGuardStatements(plain, args())[0], blankGuardStatements('authority_keep_0', plain, 'crm', ['a'], true)[0]]) {
    expect(s).toContain('SECURITY INVOKER SET search_path = pg_catalog, pg_temp');
  }
  expect(installGuardStatements(plain, args())).toContain('ALTER TABLE "public"."campaigns" ENABLE ALWAYS TRIGGER "authority_guard_k"');
});

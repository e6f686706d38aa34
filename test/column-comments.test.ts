/**
 * The column comment's SQL: a checked, quoted identifier for every name and one literal for the
 * text, so hostile names and texts cannot end the statement; run against real PostgreSQL in
 * column-comments.e2e.test.ts.
 */
import { columnCommentText, commentOnColumnSql } from '../provider/platforms/postgresql/comment-sql';
import { UnsafeNameError } from '../provider/platforms/postgresql/guard-sql';
import { HOSTILE_NAMES, IMPOSSIBLE_NAMES } from './support/hostile-names';

test('the comment names the authority and carries the correction path', () => {
  expect(columnCommentText({ authority: 'crm', correctionHint: 'campaign.name is owned by the CRM (crm). Correct it in the CRM.' }))
    .toBe('Read-only copy; authority: crm. campaign.name is owned by the CRM (crm). Correct it in the CRM.');
});

test('a comment, and no comment', () => {
  const loc = { namespace: 'public', container: 'campaigns' };
  expect(commentOnColumnSql(loc, 'name', "it's")).toBe(`COMMENT ON COLUMN "public"."campaigns"."name" IS 'it''s'`);
  expect(commentOnColumnSql(loc, 'name', null)).toBe('COMMENT ON COLUMN "public"."campaigns"."name" IS NULL');
});

test.each(HOSTILE_NAMES)('$label as schema, table, column and text stays one statement', ({ name }) => {
  const sql = commentOnColumnSql({ namespace: name, container: name }, name, name);
  const q = `"${name.replace(/"/g, '""')}"`;
  const text = name.includes('\\') ? `  E'${name.replace(/\\/g, '\\\\').replace(/'/g, "''")}'` : ` '${name.replace(/'/g, "''")}'`;
  expect(sql).toBe(`COMMENT ON COLUMN ${q}.${q}.${q} IS${text}`);
});

test.each(IMPOSSIBLE_NAMES)('$label is refused as a column, and a NUL byte as text', ({ name }) => {
  expect(() => commentOnColumnSql({ namespace: 'public', container: 't' }, name, 'x')).toThrow(UnsafeNameError);
  expect(() => commentOnColumnSql({ namespace: 'public', container: 't' }, 'c', 'a\u0000b')).toThrow(/NUL byte/);
});

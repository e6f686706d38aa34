/**
 * The comment each protected column of a copy carries: it names the authority and the correction
 * path, so `\d+`, BI tools and database browsers tell a person where to correct the value before
 * they try. COMMENT takes no parameters, so the text is a literal built here (quoted by the
 * driver's escapeLiteral, NUL refused) and the names are checked, quoted identifiers.
 */
import { FieldLocation } from '../adapter';
import { ident, lit, tableRef } from './guard-sql';

/** What a protected column's comment says: read-only here, who the authority is, where to correct it. */
export function columnCommentText(p: { readonly authority: string; readonly correctionHint: string }): string {
  return `Read-only copy; authority: ${p.authority}. ${p.correctionHint}`;
}

/** COMMENT ON COLUMN with `text`, or IS NULL (no comment) when `text` is null. */
export function commentOnColumnSql(loc: FieldLocation, column: string, text: string | null): string {
  return `COMMENT ON COLUMN ${tableRef(loc)}.${ident(column, 'column')} IS ${text === null ? 'NULL' : lit(text, 'column comment')}`;
}

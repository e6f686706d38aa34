/**
 * The report as a pull-request comment: hidden markers (so CI updates one comment in place, and
 * the digest is there to bind approvals), a headline, a visible warning for destroys, one compact
 * table per domain, each domain's plan text collapsed. Fits GitHub's comment limit: the plan texts
 * are cut first, and the comment says so.
 */
import type { OwnershipReport } from './report';
import {
  ATTENTION, DomainGroup, KIND_LABEL, allApprovers, allDestroys, beforeAfter, groupByDomain, headline, plural,
} from './render-common';

/** The hidden marker CI finds its comment by. */
export const COMMENT_MARKER = '<!-- authority-review -->';
/** GitHub's limit on a comment's body, in characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;
/** Destroyed addresses named in the warning; the rest are counted. */
const SHOWN_DESTROYS = 10;

export interface MarkdownOptions {
  /** Each domain's `terraform show` text, collapsed under its table. @default none */
  readonly planTexts?: ReadonlyMap<string, string>;
  /** The most characters the comment may have. @default GITHUB_COMMENT_LIMIT */
  readonly limit?: number;
}

/** Table-cell text: no pipes, newlines or HTML that would break the table. */
export function cell(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;

function domainSection(g: DomainGroup): string[] {
  const p = g.plan;
  const title = `### ${p.domain}${p.governedBy ? ` · ${cell(p.governedBy)}` : ''}`;
  const other = `Other resource changes: ${p.otherChanges}`;
  if (g.facts.length === 0) return [title, '', `No ownership changes. ${other}.`, ''];
  const rows = g.facts.flatMap((f) => f.changes.map((c, i) => {
    const label = ATTENTION.has(c.kind) ? `**${KIND_LABEL[c.kind]}**` : KIND_LABEL[c.kind];
    return `| ${i === 0 ? code(f.fact) : ''} | ${label}<br>${cell(c.summary)} | ${cell(beforeAfter(c))} | ${cell(c.approvers.join(', '))} |`;
  }));
  const corrections = g.facts.filter((f) => f.correction).map((f) =>
    `- ${code(f.fact)}: ${cell(f.correction!)}${f.correctionBefore ? ` <sub>(was ${cell(f.correctionBefore)})</sub>` : ''}`);
  return [
    title, '',
    '| Fact | Change | Before → after | Approvers |',
    '| --- | --- | --- | --- |',
    ...rows, '',
    ...(corrections.length ? ['**Correction path** (where a person fixes a wrong value):', ...corrections, ''] : []),
    `${other}.`, '',
  ];
}

function details(domain: string, text: string, cut: boolean): string {
  const fence = text.includes('```') ? '~~~~' : '```';
  return [
    `<details><summary>Plan of ${domain}${cut ? ' (cut)' : ''}</summary>`, '',
    fence, text.replace(/\s+$/, ''), ...(cut ? ['... (cut to fit the comment)'] : []), fence, '', '</details>', '',
  ].join('\n');
}

/** The comment for `report`. */
export function renderMarkdown(report: OwnershipReport, options: MarkdownOptions = {}): string {
  const limit = options.limit ?? GITHUB_COMMENT_LIMIT;
  const destroys = allDestroys(report);
  const approvers = allApprovers(report);
  const head = [
    COMMENT_MARKER,
    `<!-- authority-review-digest: ${report.planDigest} -->`,
    `## Ownership review: ${headline(report)}`, '',
    ...(destroys.length ? [
      '> [!WARNING]',
      `> **This change destroys ${plural(destroys.length, 'resource')}:** ${destroys.slice(0, SHOWN_DESTROYS).map((d) => `${code(d.address)} (${d.domain})`).join(', ')}` +
        (destroys.length > SHOWN_DESTROYS ? ` and ${destroys.length - SHOWN_DESTROYS} more (each domain's plan lists them)` : ''), '',
    ] : []),
    ...(approvers.length ? [`**Approvals needed from:** ${approvers.map(cell).join(', ')}`, ''] : []),
    '',
  ].join('\n');
  const foot = [
    '---',
    `<sub>Plan digest ${code(`sha256:${report.planDigest}`)}: approvals hold for these saved plans only; a new plan needs a new review.</sub>`,
    '',
  ].join('\n');
  let sections = groupByDomain(report).map((g) => ({ domain: g.plan.domain, text: domainSection(g).join('\n') + '\n' }));
  const cutNote = '> [!NOTE]\n> The plan texts were cut to fit GitHub\'s comment limit. Run `npx authority review --format text` or see the CI log for the full plans.\n\n';
  const tableCutNote = '> [!CAUTION]\n> This review was cut to fit GitHub\'s comment limit: some domains are not shown. Run `npx authority review --format text` or read the JSON report for all of them.\n\n';

  // The tables come first; the plan texts share what is left, cut evenly when they do not fit.
  const fixed = () => head.length + foot.length + sections.reduce((n, s) => n + s.text.length, 0);
  let tablesCut = false;
  while (fixed() + cutNote.length + tableCutNote.length > limit && sections.length > 0) {
    sections = sections.slice(0, -1);
    tablesCut = true;
  }
  const shown = new Set(sections.map((s) => s.domain));
  const texts = report.plans.flatMap((p) => {
    const text = options.planTexts?.get(p.domain);
    return text !== undefined && shown.has(p.domain) ? [{ domain: p.domain, text }] : [];
  });
  const budget = limit - fixed() - (tablesCut ? tableCutNote.length : 0);
  const whole = texts.map((t) => details(t.domain, t.text, false));
  const plansCut = whole.reduce((n, s) => n + s.length, 0) > budget;
  const plans = plansCut ? fitPlans(texts, budget - cutNote.length) : whole;
  const planOf = new Map(texts.map((t, i) => [t.domain, plans[i]]));
  return [head, tablesCut ? tableCutNote : '', plansCut ? cutNote : '', ...sections.map((s) => s.text + (planOf.get(s.domain) ?? '')), foot].join('');
}

/** Each plan's <details>, cut so that all of them fit in `budget` characters (short ones whole). */
function fitPlans(texts: ReadonlyArray<{ domain: string; text: string }>, budget: number): string[] {
  const overhead = (d: string) => details(d, '', true).length;
  const shares = new Map<string, number>();
  let left = budget;
  const bySize = [...texts].sort((a, b) => a.text.length - b.text.length);
  bySize.forEach((t, i) => {
    const fair = Math.floor(left / (bySize.length - i));
    const need = t.text.length + overhead(t.domain);
    const take = Math.max(0, Math.min(need, fair));
    shares.set(t.domain, take);
    left -= take;
  });
  return texts.map((t) => {
    const share = shares.get(t.domain)!;
    if (share >= t.text.length + overhead(t.domain)) return details(t.domain, t.text, false);
    const room = share - overhead(t.domain);
    if (room <= 0) return '';
    const kept = t.text.slice(0, room);
    return details(t.domain, kept.slice(0, Math.max(0, kept.lastIndexOf('\n'))), true);
  });
}

/**
 * The report as a pull-request comment: hidden markers (so CI updates one comment in place, and
 * the digest is there to bind approvals), a headline, a visible warning for destroys, one compact
 * table per domain, each domain's plan text collapsed. Fits GitHub's comment limit: the plan texts
 * are cut first, and the comment says so.
 */
import type { FactView, OwnershipChange, OwnershipReport } from './report';
import {
  ATTENTION, DomainGroup, FactGroup, KIND_LABEL, allApprovers, allDestroys, beforeAfter, groupByDomain, headline, moves, plural,
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

/**
 * Table-cell text: no pipes, newlines or HTML that would break the table, and no @mention or
 * #123 reference: policy text (a hint, a reason, a team name) must not notify people or link issues
 * from a comment CI posts on every push (a zero-width joiner after the sign keeps it readable).
 */
export function cell(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>')
    .replace(/@(?=[\p{L}\p{N}_-])|#(?=\d)/gu, '$&\u2060');
}

const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;

/** What the side-by-side view of a move shows, row by row. */
const SIDE_ROWS: ReadonlyArray<[string, keyof FactView]> = [
  ['Authority', 'authority'], ['Copies', 'copies'], ['Sync', 'sync'], ['Correction path', 'correction'], ['Governed by', 'governedBy'],
];
/** Changes the side-by-side view of a move already shows. */
const SHOWN_BY_SIDES = new Set(['authority-moved', 'governance-changed', 'correction-changed']);

/** A moved fact at a glance: each of its ownership values before and after, what changed in bold, and who approves. */
function moveCard(f: FactGroup, move: OwnershipChange): string[] {
  const { before, after } = move.sides!;
  const approvers = [...new Set(f.changes.flatMap((c) => c.approvers))].sort();
  return [
    `#### ${code(f.fact)}: authority moves from ${cell(before.authority)} to ${cell(after.authority)}`, '',
    '| | Before | After |',
    '| --- | --- | --- |',
    ...SIDE_ROWS.map(([label, key]) => `| ${label} | ${cell(before[key])} | ${before[key] === after[key] ? cell(after[key]) : `**${cell(after[key])}**`} |`),
    '',
    `Approvers: **${approvers.map(cell).join(', ')}**`, '',
  ];
}

function domainSection(g: DomainGroup): string[] {
  const p = g.plan;
  const title = `### ${p.domain}${p.governedBy ? ` · ${cell(p.governedBy)}` : ''}`;
  const other = `Other resource changes: ${p.otherChanges}`;
  if (g.facts.length === 0) return [title, '', `No ownership changes. ${other}.`, ''];
  const moveOf = (f: FactGroup) => f.changes.find((c) => c.kind === 'authority-moved' && c.sides);
  const cards = g.facts.flatMap((f) => (moveOf(f) ? moveCard(f, moveOf(f)!) : []));
  const rest = g.facts.map((f) => ({ f, changes: moveOf(f) ? f.changes.filter((c) => !SHOWN_BY_SIDES.has(c.kind)) : f.changes }));
  const rows = rest.flatMap(({ f, changes }) => changes.map((c, i) => {
    const label = ATTENTION.has(c.kind) ? `**${KIND_LABEL[c.kind]}**` : KIND_LABEL[c.kind];
    return `| ${i === 0 ? code(f.fact) : ''} | ${label}<br>${cell(c.summary)} | ${cell(beforeAfter(c))} | ${cell(c.approvers.join(', '))} |`;
  }));
  const corrections = g.facts.filter((f) => f.correction && !moveOf(f)).map((f) =>
    `- ${code(f.fact)}: ${cell(f.correction!)}${f.correctionBefore ? ` <sub>(was ${cell(f.correctionBefore)})</sub>` : ''}`);
  return [
    title, '',
    ...cards,
    ...(rows.length ? [
      ...(cards.length ? ['Other ownership changes:', ''] : []),
      '| Fact | Change | Before → after | Approvers |',
      '| --- | --- | --- | --- |',
      ...rows, '',
    ] : []),
    ...(corrections.length ? ['**Correction path** (where a person fixes a wrong value):', ...corrections, ''] : []),
    `${other}.`, '',
  ];
}

/** The domains without ownership changes, in one line. */
function quietDomains(groups: readonly DomainGroup[]): string {
  const other = groups.reduce((n, g) => n + g.plan.otherChanges, 0);
  return `No ownership changes in ${groups.map((g) => g.plan.domain).join(', ')}. Other resource changes there: ${other}.\n\n`;
}

/**
 * A code fence longer than any run of backticks in `text`: a plan shows the policy's texts
 * (correction paths, reasons), and one that closed the fence would render as the comment's own.
 */
export function fenceFor(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  return '`'.repeat(Math.max(3, longest + 1));
}

function details(domain: string, text: string, cut: boolean): string {
  const fence = fenceFor(text);
  return [
    `<details><summary>Plan of ${cell(domain)}${cut ? ' (cut)' : ''}</summary>`, '',
    fence, text.replace(/\s+$/, ''), ...(cut ? ['... (cut to fit the comment)'] : []), fence, '', '</details>', '',
  ].join('\n');
}

/** The comment's title: the moves by name when there are a few, else the count. */
function title(report: OwnershipReport): string {
  const m = moves(report);
  if (m.length === 0 || m.length > 3) return headline(report);
  return m.map((c) => `${code(c.fact)} moves from ${cell(c.sides!.before.authority)} to ${cell(c.sides!.after.authority)}`).join(', ');
}

/** The comment for `report`. */
export function renderMarkdown(report: OwnershipReport, options: MarkdownOptions = {}): string {
  const limit = options.limit ?? GITHUB_COMMENT_LIMIT;
  const destroys = allDestroys(report);
  const approvers = allApprovers(report);
  const head = [
    COMMENT_MARKER,
    `<!-- authority-review-digest: ${report.planDigest} -->`,
    `## Ownership review: ${title(report)}`, '',
    ...(moves(report).length ? [`${headline(report)}.`, ''] : []),
    ...(approvers.length ? [`**Approvals needed from:** ${approvers.map(cell).join(', ')}`, ''] : []),
    ...(destroys.length ? [
      '> [!WARNING]',
      `> **This change destroys ${plural(destroys.length, 'resource')}:** ${destroys.slice(0, SHOWN_DESTROYS).map((d) => `${code(d.address)} (${d.domain})`).join(', ')}` +
        (destroys.length > SHOWN_DESTROYS ? ` and ${destroys.length - SHOWN_DESTROYS} more (each domain's plan lists them)` : '') +
        (moves(report).length && destroys.every((d) => d.address.startsWith('authority_sync_route.'))
          ? '. These are sync routes from the old authority: the move replaces them with the routes under **Sync** below.' : ''), '',
    ] : []),
    '',
  ].join('\n');
  const foot = [
    '---',
    `<sub>Plan digest ${code(`sha256:${report.planDigest}`)}: approvals hold for these saved plans only; a new plan needs a new review.</sub>`,
    '',
  ].join('\n');
  // Domains with ownership changes first, each in full; the others in one line, their plans after.
  const groups = groupByDomain(report);
  const changed = groups.filter((g) => g.facts.length > 0);
  const quiet = groups.filter((g) => g.facts.length === 0);
  let sections = [
    ...changed.map((g) => ({ domain: g.plan.domain, text: domainSection(g).join('\n') + '\n' })),
    ...(changed.length && quiet.length ? [{ domain: '', text: quietDomains(quiet) }] : quiet.map((g) => ({ domain: g.plan.domain, text: domainSection(g).join('\n') + '\n' }))),
  ];
  if (changed.length && quiet.length) {
    // The quiet domains' plans follow their line, in report order.
    sections = [...sections, ...quiet.map((g) => ({ domain: g.plan.domain, text: '' }))];
  }
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

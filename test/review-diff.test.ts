/**
 * The ownership diff and its renderings, on plan JSON captured from real runs of the two-domain
 * model (test/fixtures/review/capture.ts: real terraform, the real provider, real PostgreSQL).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Ownership } from '../constructs/src/ownership';
import type { OwnershipFact } from '../constructs/src/ownership';
import { packOwnership } from '../constructs/src/ownership-output';
import { buildReport, PlanInput } from '../review/build-report';
import { planDigestOf } from '../review/digest';
import { diffFact } from '../review/fact-diff';
import { KNOWN_OWNERSHIP_FORMAT, OWNERSHIP_OUTPUT, PlanFormatError, parsePlanJson } from '../review/plan-json';
import { COMMENT_MARKER, cell, fenceFor, renderMarkdown } from '../review/render-markdown';
import { renderText } from '../review/render-text';
import type { OwnershipReport } from '../review/report';
import { validate } from './support/json-schema';

const FIXTURES = path.join(__dirname, 'fixtures', 'review');
const SCHEMA = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'schemas', 'ownership-report.schema.json'), 'utf8'));
const DOMAINS = ['campaigns', 'operations'];

function plans(scenario: string, domains = DOMAINS): PlanInput[] {
  return domains.map((domain) => {
    const json = fs.readFileSync(path.join(FIXTURES, `${scenario}.${domain}.json`), 'utf8');
    return { domain, planFile: `.authority/plans/${domain}.tfplan`, bytes: json, json };
  });
}

function texts(scenario: string): Map<string, string> {
  return new Map(DOMAINS.map((d) => [d, fs.readFileSync(path.join(FIXTURES, `${scenario}.${d}.txt`), 'utf8')]));
}

const review = (scenario: string, today = '2026-12-01') => buildReport(plans(scenario), today);

test('the reader and the constructs agree on the ownership output', () => {
  expect(OWNERSHIP_OUTPUT).toBe(Ownership.OUTPUT_NAME);
  expect(KNOWN_OWNERSHIP_FORMAT).toBe(Ownership.FORMAT_VERSION);
});

test('moving campaign.name from the CRM to the operations tool is one authority move, approved by both teams', () => {
  const report = review('move');
  expect(report.changes).toHaveLength(1);
  expect(report.changes[0]).toMatchObject({
    id: 'campaigns/campaign.name/authority-moved',
    domain: 'campaigns',
    fact: 'campaign.name',
    kind: 'authority-moved',
    before: 'crm (copies: ops read-only)',
    after: 'ops (copies: crm read-only)',
    correction: 'ops: edit the campaign name (#marketing-ops)',
    correctionBefore: 'crm: edit the campaign name (#marketing-ops)',
  });
  expect(report.changes[0].summary).toContain('authority moves from crm to ops: crm becomes a read-only copy fed from ops');
  expect([...report.changes[0].approvers].sort()).toEqual(['Brand team', 'Marketing operations']);
  expect(report.plans.map((p) => [p.domain, p.otherChanges, p.destroys.length])).toEqual([['campaigns', 0, 0], ['operations', 0, 0]]);
});

test('a fact that leaves one domain for another with a new authority is one move, approved by both domains', () => {
  const report = buildReport([...plans('relocate', ['campaigns']), ...plans('relocate', ['operations'])], '2026-12-01');
  const name = report.changes.filter((c) => c.fact === 'campaign.name');
  expect(name.map((c) => [c.domain, c.kind])).toEqual([['operations', 'authority-moved']]);
  expect(name[0].summary).toContain('(moves from domain campaigns to domain operations)');
  expect([...name[0].approvers].sort()).toEqual(['Brand team', 'Marketing operations', 'Operations']);
  expect(name[0].correctionBefore).toBe('crm: edit the campaign name (#marketing-ops)');
  // The leaving domain destroys its protections and route: visible, not a second change.
  expect(report.plans.find((p) => p.domain === 'campaigns')!.destroys.length).toBeGreaterThan(0);
});

test('read-only to local override says who may now edit what, where, why and until when', () => {
  const report = review('override');
  expect(report.changes.map((c) => c.kind)).toEqual(['copy-edits-changed']);
  expect(report.changes[0].summary).toBe(
    'people may now edit campaign.name on ops, reason "launch-week renames", until 2027-01-10; ops stops refusing their edits');
  expect(report.changes[0]).toMatchObject({ platform: 'ops', before: 'ops read-only', after: 'ops local override (launch-week renames, until 2027-01-10)' });
  // Its guard goes: the plan destroys a protection, and the comment warns.
  expect(report.plans[0].destroys).toEqual([expect.stringMatching(/^authority_field_protection\.campaign-naming_ops-campaigns/)]);
  expect(renderMarkdown(report)).toContain('> [!WARNING]\n> **This change destroys 1 resource:** `authority_field_protection.campaign-naming_ops');
});

test('a local override within 14 days of its expiry is reported, with the days left', () => {
  const soon = review('override', '2027-01-01').changes.find((c) => c.kind === 'override-expiring');
  expect(soon?.summary).toContain('the local override of campaign.name on ops ends on 2027-01-10 (in 9 days)');
  expect(review('override', '2027-01-12').changes.find((c) => c.kind === 'override-expiring')?.summary).toContain('ended on 2027-01-10 (2 days ago)');
  expect(review('override', '2026-12-26').changes.some((c) => c.kind === 'override-expiring')).toBe(false);
});

test('a change that touches no ownership (a description) has no ownership section', () => {
  const report = review('description');
  expect(report.plans[0].hasChanges).toBe(true); // the output did change
  expect(report.changes).toEqual([]);
  const md = renderMarkdown(report, { planTexts: texts('description') });
  expect(md).toContain('## Ownership review: No ownership changes in 2 domains');
  expect(md).not.toContain('| Fact |');
  expect(renderText(report)).toContain('campaigns (Marketing operations): no ownership changes');
});

test('a plan from a state written before packing: plain JSON before, packed after, read as the same facts', () => {
  const packedAfter = (scenario: string): PlanInput[] => plans(scenario).map((p) => {
    const json = JSON.parse(p.json);
    const change = json.output_changes?.[OWNERSHIP_OUTPUT];
    if (typeof change?.after === 'string') change.after = packOwnership(change.after);
    const text = JSON.stringify(json);
    return { ...p, bytes: text, json: text };
  });
  expect(packedAfter('move')[0].json).toContain('"after":"deflate:');
  expect(buildReport(packedAfter('description'), '2026-12-01').changes).toEqual([]);
  expect(buildReport(packedAfter('move'), '2026-12-01').changes).toEqual(review('move').changes);
});

test('a guard disabled by hand is protection-drifted (the route it stopped is not said twice)', () => {
  const report = review('drift');
  expect(report.changes.map((c) => [c.kind, c.fact, c.platform])).toEqual([['protection-drifted', 'campaign.name', 'ops']]);
  expect(report.changes[0].summary).toContain('was disabled or altered by hand: people can edit the copy now; apply restores it');
});

test('a first plan adds every fact', () => {
  const report = review('initial');
  expect(report.changes.map((c) => [c.domain, c.fact, c.kind])).toEqual([
    ['campaigns', 'campaign.name', 'fact-added'],
    ['campaigns', 'campaign.status', 'fact-added'],
    ['campaigns', 'campaign.assignee', 'fact-added'],
    ['operations', 'content.routing_state', 'fact-added'],
  ]);
  expect(report.changes[0].summary).toBe('campaign.name becomes governed: owned by crm, copies: ops read-only');
});

describe('the format version', () => {
  const json = fs.readFileSync(path.join(FIXTURES, 'move.campaigns.json'), 'utf8');
  const withVersion = (v: string) => JSON.stringify({ ...JSON.parse(json), format_version: v });

  test('an unknown major version is refused, saying what this reads', () => {
    expect(() => parsePlanJson('campaigns', withVersion('2.0'))).toThrow(PlanFormatError);
    expect(() => parsePlanJson('campaigns', withVersion('2.0'))).toThrow(
      'campaigns: the plan\'s format_version is "2.0"; this review reads format 1.x (terraform show -json of Terraform 1.x).');
    expect(() => parsePlanJson('campaigns', JSON.stringify({}))).toThrow('format_version is missing');
  });

  test('a newer minor version is read', () => {
    expect(parsePlanJson('campaigns', withVersion('1.9')).format_version).toBe('1.9');
  });
});

describe('the digest', () => {
  test('changes when a plan changes, and is the documented sha256 over domain and digest lines', () => {
    const a = review('move');
    const b = review('override');
    expect(a.planDigest).not.toBe(b.planDigest);
    expect(a.plans[0].digest).not.toBe(b.plans[0].digest);
    expect(a.plans[1].digest).toBe(b.plans[1].digest); // operations' plan is the same
    expect(review('move').planDigest).toBe(a.planDigest);
    expect(a.planDigest).toBe(planDigestOf(a.plans));
    expect(planDigestOf([{ domain: 'd', digest: 'x' }])).toBe(createHash('sha256').update('d x\n').digest('hex'));
    expect(planDigestOf([{ domain: 'a', digest: '1' }, { domain: 'b', digest: '2' }])).not.toBe(planDigestOf([{ domain: 'b', digest: '1' }, { domain: 'a', digest: '2' }]));
  });
});

describe('the pull-request comment', () => {
  test('has the hidden marker and digest, a move side by side (copies, sync, correction path, approvers), and the plans collapsed', () => {
    const report = review('move');
    const md = renderMarkdown(report, { planTexts: texts('move') });
    expect(md.startsWith(`${COMMENT_MARKER}\n<!-- authority-review-digest: ${report.planDigest} -->\n`)).toBe(true);
    expect(md).toContain('## Ownership review: `campaign.name` moves from crm to ops\n\n1 ownership change in 1 of 2 domains.');
    expect(md).toContain('**Approvals needed from:** Brand team, Marketing operations');
    expect(md).toContain([
      '### campaigns · Marketing operations', '',
      '#### `campaign.name`: authority moves from crm to ops', '',
      '| | Before | After |',
      '| --- | --- | --- |',
      '| Authority | crm | **ops** |',
      '| Copies | ops read-only | **crm read-only** |',
      '| Sync | crm → ops | **ops → crm** |',
      '| Correction path | crm: edit the campaign name (#marketing-ops) | **ops: edit the campaign name (#marketing-ops)** |',
      '| Governed by | Brand team | Brand team |', '',
      'Approvers: **Brand team, Marketing operations**',
    ].join('\n'));
    expect(md).not.toContain('| Fact |'); // nothing else changes: no second table
    // The domain without ownership changes is one line, after the one with them.
    expect(md.indexOf('No ownership changes in operations.')).toBeGreaterThan(md.indexOf('### campaigns'));
    expect(md).not.toContain('### operations');
    expect(md).toContain('<details><summary>Plan of campaigns</summary>');
    expect(md).toContain(`Plan digest \`sha256:${report.planDigest}\``);
    expect(md).not.toContain('[!WARNING]');
    expect(md).not.toContain('were cut');
  });

  test('fits GitHub\'s limit by cutting the plan texts first, and says so', () => {
    const report = review('move');
    const huge = new Map(DOMAINS.map((d) => [d, `${'  # a resource line of a very large plan\n'.repeat(4000)}`]));
    const md = renderMarkdown(report, { planTexts: huge });
    expect(md.length).toBeLessThanOrEqual(65_536);
    expect(md).toContain('The plan texts were cut to fit GitHub\'s comment limit.');
    expect(md).toContain('<summary>Plan of campaigns (cut)</summary>');
    expect(md).toContain('| Sync | crm → ops | **ops → crm** |'); // the tables stay whole
    const small = renderMarkdown(report, { planTexts: huge, limit: 3000 });
    expect(small.length).toBeLessThanOrEqual(3000);
  });

  test('a plan text cannot close its code block, whatever fences it holds', () => {
    const report = review('move');
    const text = '  + correction_hint = "see ```` and ~~~~\n```\n~~~~\n<img src=x>"';
    const md = renderMarkdown(report, { planTexts: new Map([['campaigns', text]]) });
    expect(md).toContain(`\n\`\`\`\`\`\n${text}\n\`\`\`\`\`\n`);
    expect(fenceFor('no fence')).toBe('```');
  });

  test('table cells cannot break the table', () => {
    const move = review('move').changes[0];
    const report: OwnershipReport = {
      ...review('move'),
      changes: [
        { ...move, sides: { ...move.sides!, after: { ...move.sides!.after, copies: 'a | b\n<script>' } } },
        { ...move, id: 'x', kind: 'divergence-changed', summary: 'c | d\n<script>' },
      ],
    };
    const md = renderMarkdown(report);
    expect(md).toContain('| **a \\| b<br>&lt;script&gt;** |');
    expect(md).toContain('c \\| d<br>&lt;script&gt;');
  });
});

describe('the JSON report', () => {
  test.each(['initial', 'move', 'override', 'description', 'drift'])('of %s is valid against its schema', (scenario) => {
    const report = JSON.parse(JSON.stringify(review(scenario, '2027-01-01')));
    expect(validate(SCHEMA, report)).toEqual([]);
  });

  test('the schema refuses a report without approvers or with an unknown kind', () => {
    const report = JSON.parse(JSON.stringify(review('move')));
    delete report.changes[0].approvers;
    report.changes.push({ ...report.changes[0], id: 'x', kind: 'authority-swapped', approvers: ['A'] });
    expect(validate(SCHEMA, report)).toEqual([
      '/changes/0: missing required "approvers"',
      '/changes/1/kind: "authority-swapped" is not one of the allowed values',
    ]);
  });
});

describe('one fact\'s diff', () => {
  const base: OwnershipFact = {
    id: 'account.billing_state', policy: 'billing/p', governedBy: 'Finance', authority: { platform: 'erp' },
    copies: [{ platform: 'crm', edits: 'read_only', fedFrom: 'erp', protected: true }, { platform: 'bi', edits: 'read_only', fedFrom: 'erp', protected: true }],
    propagation: 'one_way', maxLag: '5m', divergence: 'authority_wins',
    correction: { platform: 'erp', how: 'post a correcting entry' }, correctionHint: '',
  };
  const kinds = (after: Partial<OwnershipFact>) => diffFact(base, { ...base, ...after }).map((d) => [d.kind, d.summary]);

  test.each<[string, Partial<OwnershipFact>, string, string]>([
    ['a copy removed', { copies: [base.copies[0]] }, 'copy-removed', 'bi no longer holds a governed copy of account.billing_state: it is no longer protected, and the sync from erp stops'],
    ['a copy added', { copies: [...base.copies, { platform: 'ops', edits: 'enrich_only', fedFrom: 'erp', protected: true }] }, 'copy-added', 'ops gets a enrich-only copy of account.billing_state, fed from erp; people are refused there and sent to the correction path'],
    ['a copy re-sourced', { copies: [base.copies[0], { ...base.copies[1], fedFrom: 'crm' }] }, 'route-resourced', 'bi receives account.billing_state from crm instead of erp'],
    ['the divergence rule', { divergence: 'manual_review' }, 'divergence-changed', 'when values diverge: manual review (was authority wins)'],
    ['the lag', { maxLag: '1h' }, 'max-lag-changed', 'propagation becomes one-way, max lag 1h (was one-way, max lag 5m)'],
    ['the correction path', { correction: { platform: 'erp', how: 'open a ticket', contact: '#finance' } }, 'correction-changed', 'a wrong value is corrected at erp: open a ticket (#finance) (was erp: post a correcting entry)'],
    ['the governing team', { governedBy: 'Controlling' }, 'governance-changed', 'account.billing_state is governed by Controlling instead of Finance'],
  ])('%s', (_what, after, kind, summary) => {
    expect(kinds(after)).toEqual([[kind, summary]]);
  });

  test('a local override back to read-only', () => {
    const override = { ...base, copies: [{ platform: 'crm', edits: 'local_override', reason: 'migration', fedFrom: 'erp', protected: false }] };
    expect(diffFact(override, { ...base, copies: [base.copies[0]] }).map((d) => d.summary)).toEqual([
      'people may no longer edit account.billing_state on crm: it becomes read-only, and only the sync writes it',
    ]);
  });

  test('nothing changes, nothing is said (descriptions, hints and policy paths are not ownership)', () => {
    expect(diffFact(base, { ...base, description: 'new words', correctionHint: 'other', policy: 'x/y' })).toEqual([]);
  });
});

test('policy text in the comment notifies nobody and links nothing: @mentions and #references are broken, the words stay', () => {
  const said = cell('Ask @sales-ops or @acme/everyone, see #12 | <b>now</b>');
  expect(said).not.toMatch(/@[\w-]/);
  expect(said).not.toMatch(/#\d/);
  expect(said.replace(/\u2060/g, '')).toBe('Ask @sales-ops or @acme/everyone, see #12 \\| &lt;b&gt;now&lt;/b&gt;');
  // An e-mail address in a contact keeps working as text.
  expect(cell('mail ops@example.com').replace(/\u2060/g, '')).toBe('mail ops@example.com');
});

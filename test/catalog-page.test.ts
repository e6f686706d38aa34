/**
 * The catalog page's builders: escaping, links, the flows between platforms, the words for each
 * rule, and the page's policy that it fetches nothing. The browser test opens the page itself.
 */
import { escapeHtml, safeHref } from '../map/page-escape';
import { renderCatalogPage } from '../map/page';
import { divergenceInWords, editsInWords, pageModelOf } from '../map/page-model';
import { exitPoint, layoutPlatforms } from '../map/page-graph';
import type { DomainOwnership } from '../constructs/src';
import { HOSTILE_NAMES } from './support/hostile-names';

const domain = (id: string, facts: DomainOwnership['facts']): DomainOwnership => ({
  formatVersion: 1, domain: id, governedBy: 'Team', platforms: [{ name: 'crm', title: 'the CRM', kind: 'crm', role: 'operational' }], facts,
});
const fact = (id: string, authority: string, copies: [string, string][], maxLag = '5m'): DomainOwnership['facts'][number] => ({
  id, policy: `p/${id}`, governedBy: 'Team', authority: { platform: authority },
  copies: copies.map(([platform, fedFrom]) => ({ platform, fedFrom, edits: 'read_only', protected: true })),
  propagation: 'one_way', maxLag, divergence: 'authority_wins', correctionHint: 'fix it upstream',
});

test.each([...HOSTILE_NAMES, { label: 'markup', name: '<script>x</script>' }, { label: 'attribute break', name: '" onload="x' }])(
  'escapeHtml leaves no markup in $label', ({ name }) => {
    const out = escapeHtml(name);
    expect(out).not.toMatch(/[<>"']/);
    expect(out.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&')).toBe(name);
  });

test('control characters HTML cannot carry become U+FFFD; tab and newline stay', () => {
  expect(escapeHtml('a\u0000b\u0007c\td\ne')).toBe('a\ufffdb\ufffdc\td\ne');
});

test('only http(s) runbooks become links', () => {
  expect(safeHref('https://wiki.example.com/runbooks/x')).toBe('https://wiki.example.com/runbooks/x');
  for (const bad of ['javascript:alert(1)', 'data:text/html,x', 'https://x" onclick="y', 'file:///etc/passwd', '//evil.example', undefined]) {
    expect(safeHref(bad)).toBeUndefined();
  }
});

test('flows group facts by the pair they travel between, from the declared feed', () => {
  const model = pageModelOf({ domains: [
    domain('a', [fact('campaign.name', 'crm', [['ops', 'crm'], ['bi', 'ops']])]),
    domain('b', [fact('account.owner', 'crm', [['ops', 'crm']], '10m')]),
  ] });
  expect(model.flows).toEqual([
    { from: 'crm', to: 'ops', facts: [{ id: 'campaign.name', propagation: 'one_way', maxLag: '5m' }, { id: 'account.owner', propagation: 'one_way', maxLag: '10m' }] },
    { from: 'ops', to: 'bi', facts: [{ id: 'campaign.name', propagation: 'one_way', maxLag: '5m' }] },
  ]);
  // Platforms named only by facts still get a node.
  expect(model.platforms.map((p) => p.name)).toEqual(['crm', 'ops', 'bi']);
});

test('the rules in words', () => {
  expect(divergenceInWords('authority_wins', 'the CRM')).toMatch(/^When values differ, the CRM wins: the sync overwrites the copy/);
  expect(divergenceInWords('newest_wins', 'the CRM')).toBe('When a local override and a change from the CRM meet, the later one to reach the copy stands.');
  expect(divergenceInWords('manual_review', 'x')).toMatch(/a person decides/);
  expect(editsInWords('local_override', 'regional fixes', '2031-01-31')).toBe(
    "Local override allowed: regional fixes (until 2031-01-31). The authority's value returns when the override ends.");
});

test('boxes do not overlap and arrows leave a box at its edge', () => {
  const platforms = ['crm', 'cms', 'ops', 'erp', 'support', 'bi'].map((name) => ({ name, title: `the ${name} platform`, kind: name, role: 'operational' }));
  const { boxes } = layoutPlatforms({ platforms });
  for (const a of boxes) for (const b of boxes) {
    if (a !== b) expect(a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y).toBe(true);
  }
  expect(exitPoint({ name: 'x', x: 0, y: 0, w: 100, h: 40 }, { x: 500, y: 20 })).toEqual({ x: 104, y: 20 });
});

test('the page allows only its own script and style and fetches nothing', () => {
  const html = renderCatalogPage({ domains: [domain('a', [fact('campaign.name', 'crm', [['ops', 'crm']])])] });
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1];
  expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[^']+'; script-src 'sha256-[^']+';/);
  expect(csp).toContain("connect-src 'none'");
  expect(html).not.toMatch(/<(link|img|iframe)\b|\bsrc=|https?:\/\/(?!wiki)/);
});

test('a protected copy says the protection strength its policy requires; none is said when the policy accepts any', () => {
  const strict = renderCatalogPage({ domains: [domain('a', [{ ...fact('campaign.name', 'crm', [['ops', 'crm']]), requiredStrength: 'enforced' }])] });
  expect(strict).toContain('The policy requires enforced protection.');
  const any = renderCatalogPage({ domains: [domain('a', [fact('campaign.name', 'crm', [['ops', 'crm']])])] });
  expect(any).not.toContain('The policy requires');
});

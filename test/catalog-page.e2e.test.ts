/**
 * The catalog page in a real Chromium, opened from file:// as someone would open the file they
 * were sent: every fact of the example organization with its four answers, the search box filters
 * them, nothing is fetched from the network, and hostile names show as text and run nothing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Testing } from 'cdktf';
import { DomainOwnership, Ownership } from '../constructs/src';
import { renderCatalogPage } from '../map/page';
import { defineOrganization } from '../policies';
import { Browser, Page, launchBrowser, saveScreenshot } from '../tooling/browser';
import { findInstall } from '../tooling/directus-install';
import { HOSTILE_NAMES } from './support/hostile-names';

const PLATFORMS = ['crm', 'cms', 'ops', 'erp', 'support', 'bi'];

/** Payloads that would run or fetch something if a name reached the page unescaped. */
const HTML_PAYLOADS = [
  '<script>window.__pwned = 1</script>',
  '<img src="http://127.0.0.1:9/x" onerror="window.__pwned = 2">',
  '"><svg onload="window.__pwned=3">',
  "'><iframe src=javascript:window.__pwned=4>",
  '</code></textarea></title></style></script><b>bold</b>',
  '&lt;entity&gt; &amp;',
];

/** Ownership facts whose every name and text is hostile (the SQL list and the HTML payloads). */
function hostileOwnership(): { domains: DomainOwnership[]; shown: string[]; marker: string; searchFor: string } {
  const names = [...HOSTILE_NAMES.map((n) => n.name), ...HTML_PAYLOADS];
  const marker = '<title>x</title><script>window.__pwned=5</script>';
  const domains: DomainOwnership[] = names.map((n, i) => ({
    formatVersion: 1, domain: `${n} domain ${i}`, governedBy: `${n} team`, description: n,
    platforms: [
      { name: `${n}-a`, title: n, kind: n, role: 'operational', connection: n },
      { name: `${n}-b`, title: `${n} copy`, kind: 'bi', role: 'consumer' },
    ],
    facts: [{
      id: `fact${i}.${n}`, description: n, policy: `${n}/policy`, governedBy: `${n} team`, origin: `${n}-a`,
      authority: { platform: `${n}-a`, location: `${n}-a:${n}.${n}.${n}` },
      copies: [{ platform: `${n}-b`, location: `${n}-b:public.${n}`, edits: 'local_override', reason: n, expires: n, fedFrom: `${n}-a`, protected: false }],
      propagation: 'one_way', maxLag: n, divergence: n,
      correction: { platform: `${n}-a`, how: n, runbook: `javascript:${n}`, contact: n },
      correctionHint: n,
    }],
  }));
  return { domains, shown: names.map((n) => n.replace(/\s+/g, ' ').trim()), marker, searchFor: 'fact3.' };
}

/** The example organization's ownership facts (connections from the environment, as in synth). */
function exampleOwnership(): DomainOwnership[] {
  const saved = { ...process.env };
  for (const p of PLATFORMS) process.env[`AUTHORITY_${p.toUpperCase()}_PGHOST`] = `${p}.db.example.internal`;
  try {
    const app = Testing.app();
    defineOrganization(app);
    return Ownership.ofApp(app);
  } finally {
    process.env = saved;
  }
}

/** What a page does on the network and the console while it is open. */
interface Watched { readonly page: Page; readonly requests: string[]; readonly problems: string[] }

type EventPage = Page & { on(event: string, handler: (e: any) => void): void };

async function open(browser: Browser, html: string, name: string): Promise<Watched> {
  const file = path.join(dir, `${name}.html`);
  fs.writeFileSync(file, html);
  const page = (await browser.newPage()) as EventPage;
  const requests: string[] = [];
  const problems: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.setViewport({ width: 1280, height: 900 });
  await page.goto(`file://${file}`, { waitUntil: 'load' });
  return { page, requests, problems };
}

const visibleFacts = (page: Page) => page.evaluate<string[]>(
  `Array.from(document.querySelectorAll('article.fact')).filter((a) => !a.hidden).map((a) => a.dataset.fact)`);

let dir: string;
let browser: Browser;
const domains = exampleOwnership();
const facts = domains.flatMap((d) => d.facts);

beforeAll(async () => {
  const unavailable = process.env.AUTHORITY_APPS_UNAVAILABLE;
  if (unavailable) throw new Error(`The browser is not installed (the test global setup failed to install it):\n${unavailable}`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authority-catalog-'));
  browser = await launchBrowser(findInstall()!);
}, 120000);

afterAll(async () => {
  await browser?.close();
});

test('the example organization: every fact with its four answers, a search that filters, no network', async () => {
  expect(facts.length).toBeGreaterThanOrEqual(6);
  const { page, requests, problems } = await open(browser, renderCatalogPage({ domains, generatedAt: '2026-12-01' }), 'example');
  try {
    expect(await visibleFacts(page)).toEqual(facts.map((f) => f.id));
    const answers = await page.evaluate<Record<string, Record<string, string>>>(`Object.fromEntries(
      Array.from(document.querySelectorAll('article.fact')).map((a) => [a.dataset.fact, Object.fromEntries(
        Array.from(a.querySelectorAll('[data-answer]')).map((s) => [s.dataset.answer, s.innerText.replace(/\\s+/g, ' ')]))]))`);
    for (const f of facts) {
      const a = answers[f.id];
      expect(Object.keys(a)).toEqual(['origin', 'correct', 'copies', 'diverge']);
      expect(a.origin).toContain(f.authority.location!);
      expect(a.correct).toContain(f.correction!.how);
      expect(a.correct).toContain(f.correction!.contact!);
      if (f.correction!.runbook) expect(a.correct).toContain(f.correction!.runbook);
      for (const c of f.copies) expect(a.copies).toContain(c.location!);
      expect(a.copies).toMatch(/Read-only|Enrich only|Local override/);
      expect(a.diverge).toMatch(/wins|decides/);
      expect(a.diverge).toContain(`at most ${f.maxLag}`);
    }
    // The graph: one box per platform, one labelled arrow per pair that carries values.
    expect(await page.evaluate<number>(`document.querySelectorAll('svg.graph .platform').length`)).toBe(PLATFORMS.length);
    expect(await page.evaluate<string>(`document.querySelector('svg.graph .labels').textContent`)).toContain('campaign.name \u2264 5m');

    await page.type('#q', 'billing');
    await page.waitForFunction(`document.getElementById('count').textContent === '1 of ${facts.length} facts'`);
    expect(await visibleFacts(page)).toEqual(['account.billing_state']);
    // By platform and location together; by team.
    await page.evaluate(`(() => { const q = document.getElementById('q'); q.value = ''; q.dispatchEvent(new Event('input')); })()`);
    await page.type('#q', 'bi public.tickets');
    await page.waitForFunction(`document.getElementById('count').textContent === '1 of ${facts.length} facts'`);
    expect(await visibleFacts(page)).toEqual(['ticket.status']);
    await page.evaluate(`(() => { const q = document.getElementById('q'); q.value = 'marketing operations'; q.dispatchEvent(new Event('input')); })()`);
    expect(await visibleFacts(page)).toEqual(['campaign.name']);
    await page.evaluate(`(() => { const q = document.getElementById('q'); q.value = 'no such fact'; q.dispatchEvent(new Event('input')); })()`);
    expect(await visibleFacts(page)).toEqual([]);
    expect(await page.evaluate<boolean>(`!document.getElementById('none').hidden`)).toBe(true);
    await page.evaluate(`(() => { const q = document.getElementById('q'); q.value = ''; q.dispatchEvent(new Event('input')); q.blur(); window.scrollTo(0, 0); })()`);
    await saveScreenshot(page, 'catalog-page');

    expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
    expect(requests).toHaveLength(1); // the page itself
    expect(problems).toEqual([]); // no CSP violation: the script and style ran as hashed
  } finally {
    await (page as unknown as { close(): Promise<void> }).close();
  }
});

test('hostile names show as text and run nothing', async () => {
  const hostile = hostileOwnership();
  const { page, requests, problems } = await open(browser, renderCatalogPage({ domains: hostile.domains, title: hostile.marker }), 'hostile');
  try {
    expect(await page.evaluate<unknown>('window.__pwned')).toBeUndefined();
    expect(await page.evaluate<number>(`document.querySelectorAll('img, iframe, object, embed, form').length`)).toBe(0);
    expect(await page.evaluate<number>(`document.scripts.length`)).toBe(1);
    const text = await page.evaluate<string>('document.body.innerText');
    for (const name of hostile.shown) expect(text).toContain(name);
    expect(await page.evaluate<string>('document.title')).toBe(hostile.marker);
    // The search still works on hostile text.
    await page.type('#q', hostile.searchFor);
    await page.waitForFunction(`document.getElementById('count').textContent.startsWith('1 of')`);
    await saveScreenshot(page, 'catalog-page-hostile');
    expect(requests).toHaveLength(1);
    expect(problems).toEqual([]);
  } finally {
    await (page as unknown as { close(): Promise<void> }).close();
  }
});

/**
 * The review's own time on top of the plans, for a large organization: from saved plan JSON
 * (shaped like `terraform show -json` of the real provider's plans, see test/fixtures/review/),
 * how long reading the plans, diffing ownership and rendering take at 1,000 and 10,000 facts.
 * Terraform's planning is not in it (bench/plan-scale.ts measures that). Prints figures and ratios;
 * run with `npm run bench:review`.
 */
import { buildReport, PlanInput } from '../review/build-report';
import { renderMarkdown } from '../review/render-markdown';
import { renderText } from '../review/render-text';

const FACTS_PER_DOMAIN = 50;

interface Fact { id: string; authority: string; copies: { platform: string; edits: string }[] }

function factJson(f: Fact, domain: string) {
  return {
    id: f.id, policy: `${domain}/${f.id}`, governedBy: `Team ${domain}`, origin: f.authority,
    authority: { platform: f.authority, location: `${f.authority}:public.${f.id.replace('.', '_t.')}` },
    copies: f.copies.map((c) => ({
      platform: c.platform, location: `${c.platform}:public.${f.id.replace('.', '_t.')}`, edits: c.edits,
      ...(c.edits === 'local_override' ? { reason: 'migration', expires: '2027-03-01' } : {}),
      fedFrom: f.authority, protected: c.edits !== 'local_override',
    })),
    propagation: 'one_way', maxLag: '5m', divergence: 'authority_wins',
    correction: { platform: f.authority, how: 'edit it there', contact: '#data' },
    correctionHint: `${f.id} is owned by ${f.authority}.`,
  };
}

function protection(f: Fact, platform: string, domain: string) {
  const [table, column] = f.id.replace('.', '_t.').split('.');
  return {
    platform, schema: 'public', table, columns: [column], authority: f.authority, key: `${domain}_${table}`,
    role: platform === f.authority ? 'authority' : 'copy', fact: f.id, sync_principal: 'authority_sync',
    correction_hint: `${f.id} is owned by ${f.authority}.`, enforced: true, guard: `authority_guard_${domain}_${table}`, id: `${platform}/public/${table}`,
  };
}

/** One domain's plan JSON: every 10th fact moves from crm to ops, every 10th (offset 5) gets a local override. */
function domainPlan(d: number): PlanInput {
  const domain = `domain-${d}`;
  const before: Fact[] = [];
  const after: Fact[] = [];
  for (let i = 0; i < FACTS_PER_DOMAIN; i++) {
    const id = `concept${d}_${i}.field`;
    const b: Fact = { id, authority: 'crm', copies: [{ platform: 'ops', edits: 'read_only' }, { platform: 'bi', edits: 'read_only' }] };
    const a: Fact = i % 10 === 0 ? { id, authority: 'ops', copies: [{ platform: 'crm', edits: 'read_only' }, { platform: 'bi', edits: 'read_only' }] }
      : i % 10 === 5 ? { id, authority: 'crm', copies: [{ platform: 'ops', edits: 'local_override' }, { platform: 'bi', edits: 'read_only' }] } : b;
    before.push(b);
    after.push(a);
  }
  const ownership = (facts: Fact[]) => JSON.stringify({ formatVersion: 1, domain, governedBy: `Team ${domain}`, platforms: [], facts: facts.map((f) => factJson(f, domain)) });
  const resource_changes = before.flatMap((b, i) => {
    const a = after[i];
    return ['crm', 'ops', 'bi'].map((p) => {
      const x = protection(b, p, domain);
      const y = a.copies.some((c) => c.platform === p && c.edits === 'local_override') ? null : protection(a, p, domain);
      const actions = y === null ? ['delete'] : JSON.stringify(x) === JSON.stringify(y) ? ['no-op'] : ['update'];
      return { address: `authority_field_protection.${b.id}_${p}`, type: 'authority_field_protection', change: { actions, before: x, after: y } };
    });
  });
  const json = JSON.stringify({
    format_version: '1.2', terraform_version: '1.11.4', resource_changes,
    output_changes: { authority_ownership: { actions: ['update'], before: ownership(before), after: ownership(after), after_unknown: false } },
  });
  return { domain, planFile: `.authority/plans/${domain}.tfplan`, bytes: json, json };
}

function time<T>(run: () => T): [T, number] {
  const started = process.hrtime.bigint();
  const result = run();
  return [result, Number(process.hrtime.bigint() - started) / 1e9];
}

function measure(facts: number) {
  const plans = Array.from({ length: facts / FACTS_PER_DOMAIN }, (_, d) => domainPlan(d));
  const bytes = plans.reduce((n, p) => n + p.json.length, 0);
  const [report, diff] = time(() => buildReport(plans, '2027-01-01'));
  const [md, markdown] = time(() => renderMarkdown(report));
  const [, text] = time(() => renderText(report));
  const [json, jsonTime] = time(() => JSON.stringify(report, null, 2));
  return { facts, domains: plans.length, planJson: bytes, changes: report.changes.length, diff, markdown, mdChars: md.length, text, json: jsonTime, jsonBytes: json.length };
}

measure(200); // warm up the JIT
const rows = [measure(1_000), measure(10_000)];
const s = (x: number) => `${x.toFixed(3)} s`;
console.log('| facts | domains | plan JSON | changes | read + diff | markdown | text | json |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.facts.toLocaleString('en')} | ${r.domains} | ${(r.planJson / 1024 / 1024).toFixed(1)} MiB | ${r.changes} | ${s(r.diff)} | ${s(r.markdown)} (${r.mdChars} chars) | ${s(r.text)} | ${s(r.json)} |`);
}
const total = (r: (typeof rows)[number]) => r.diff + r.markdown + r.text + r.json;
console.log(`\nratio 10,000 / 1,000 facts (all steps): ${(total(rows[1]) / total(rows[0])).toFixed(1)} (at most linear: 10)`);
